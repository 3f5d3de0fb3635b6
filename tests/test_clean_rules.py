"""Every boilerplate rule in data/boilerplate.toml removes its example and keeps its keep examples."""

from __future__ import annotations

import pytest

from summarizer.ingest.clean import clean_text, load_rules, parse_rules

RULES = load_rules()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_rules_file_is_well_formed():
    assert len(RULES) >= 25
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.example, f"rule {rule.name} has no example"
        if rule.removed is not None:
            assert rule.removed in rule.example, f"rule {rule.name}: 'removed' is not part of its example"


def test_most_rules_have_a_keep_example():
    # rules that match whole fixed labels ("微信号", "功能介绍") have no near-miss content
    without = [r.name for r in RULES if not r.keep]
    assert len(without) <= len(RULES) // 3, without


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_removes_its_example(rule):
    cleaned = clean_text(rule.example, rules=(rule,))
    expected = rule.example.replace(rule.removed, "") if rule.removed is not None else ""
    assert _lines(cleaned.text) == _lines(expected)
    assert any(r.rule == rule.name for r in cleaned.removals)


@pytest.mark.parametrize("rule", [r for r in RULES if r.keep], ids=lambda r: r.name)
def test_rule_keeps_its_keep_examples(rule):
    for keep in rule.keep:
        cleaned = clean_text(keep, rules=(rule,))
        assert not [r for r in cleaned.removals if r.rule == rule.name], keep
        assert _lines(cleaned.text) == _lines(keep)


@pytest.mark.parametrize("keep", [k for r in RULES for k in r.keep if "\n" not in k])
def test_keep_examples_survive_all_rules(keep):
    # a content line one rule must keep must not fall to another rule either
    assert clean_text(keep).text.strip() == keep.strip()


def _label_of_next_line(rule) -> bool:
    """Labels such as 功能介绍 make the next line go too (by design): tested elsewhere."""
    return any(r.after is not None and r.after.search(rule.example) for r in RULES)


@pytest.mark.parametrize("rule", [r for r in RULES if r.removed is None and "\n" not in r.example
                                  and not _label_of_next_line(r)], ids=lambda r: r.name)
def test_whole_line_examples_go_with_all_rules(rule):
    text = f"县政府召开常务会议。\n{rule.example}\n会议要求各部门抓好落实。"
    assert clean_text(text).text == "县政府召开常务会议。\n会议要求各部门抓好落实。"


def test_rules_match_traditional_text_through_the_simplified_projection():
    cleaned = clean_text("縣政府召開會議。\n來源：縣政府辦 作者：張三\n會議要求抓好落實。")
    assert cleaned.text == "縣政府召開會議。\n會議要求抓好落實。"


@pytest.mark.parametrize("bad, message", [
    ('[[rules]]\nname = "x"\nscope = "word"\npattern = "a"\n', "unknown scope"),
    ('[[rules]]\nname = "x"\nscope = "after"\npattern = "a"\n', "needs an 'after'"),
    ('[[rules]]\nname = "x"\nscope = "account_name"\npattern = "a"\n', "needs a 'handle'"),
    ('[[rules]]\nname = "x"\nscope = "line"\npattern = "a"\n[[rules]]\nname = "x"\nscope = "line"\npattern = "b"\n',
     "duplicate"),
])
def test_bad_rules_are_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_rules(bad)
