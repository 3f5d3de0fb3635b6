"""The automatic checks: each crafted fault in a briefing of a real seed report is caught, and
the correct briefing of the same report raises nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from summarizer.checks import (
    KINDS,
    LOW_SUPPORT,
    SourceMissing,
    english_fields,
    kinds_markdown,
    locate_source,
    recheck,
    recheck_file,
    run_checks,
)
from summarizer.checks.numbers import en_dates, en_numbers, zh_dates, zh_numbers
from summarizer.checks.text import pinyin_names
from summarizer.facts import establish_facts
from summarizer.ingest import parse_text
from summarizer.render import to_markdown
from summarizer.schema import Action, Brief, Check, SummaryItem

from .conftest import ROOT, SEED_FILES, SEEDS
from .crafted_briefs import FAULTS, SEED_003, correct_brief, faulty_brief, seed_003

FLAGGING = ("warning", "error")


def checks_of(brief: Brief) -> list[Check]:
    doc, facts = seed_003()
    return run_checks(brief, doc, facts)


# ------------------------------------------------------------------ the crafted briefings
def test_the_correct_briefing_raises_no_check_at_all():
    checks = checks_of(correct_brief())
    assert checks == [], [(c.kind, c.target, c.message) for c in checks]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_each_fault_is_caught_where_it_is_and_nowhere_else(fault):
    brief = faulty_brief(fault)
    checks = checks_of(brief)
    caught = [c for c in checks if c.kind == fault.kind and c.target.startswith(fault.target)]
    assert caught, [(c.kind, c.target, c.message) for c in checks]
    item = fault.target.split(".")[0]
    stray = [c for c in checks if c.severity in FLAGGING and not c.target.startswith(item)]
    assert not stray, f"false flags elsewhere: {[(c.kind, c.target, c.message) for c in stray]}"
    for c in checks:  # every check explains itself in one line, in the documented severity
        assert c.kind in KINDS and c.severity == KINDS[c.kind].severity
        assert c.message and "\n" not in c.message and len(c.message) < 300


def test_an_action_keeps_the_sentence_that_assigns_it():
    """A task that does not match its assignment sentence is a wrong task: the evidence (and with
    it the owner and deadline) stays, instead of being swapped for a sentence the task resembles."""
    brief = faulty_brief(next(f for f in FAULTS if f.name == "task that is not its assignment"))
    before = brief.actions[4].evidence_zh
    checks = checks_of(brief)
    assert brief.actions[4].evidence_zh == before
    kinds = {c.kind for c in checks if c.target and c.target.startswith("actions[4]")}
    assert kinds == {"low_support"}, kinds
    assert "assigns it" in next(c for c in checks if c.kind == "low_support").message


def test_a_sentence_the_report_repeats_is_cited_once():
    raw = "县委书记张国瑜出席会议并讲话。会议强调，要抓好春耕生产。县委书记张国瑜出席会议并讲话。全县上下要坚决打赢疫情防控阻击战。"
    doc = parse_text(raw, path=Path("repeat.txt"), sha256="0" * 64, encoding="utf-8")
    brief = correct_brief()
    brief.summary = [SummaryItem(text="County Party Secretary Zhang Guoyu attended the meeting and spoke.",
                                 evidence=[])]
    brief.actions = []
    checks = run_checks(brief, doc, establish_facts(doc))
    added = [c for c in checks if c.kind == "evidence_added"]
    assert added and brief.summary[0].evidence == ["县委书记张国瑜出席会议并讲话。"]


def test_an_enumerated_items_owner_may_come_from_its_lead_in():
    def owner_flags(raw: str) -> list[Check]:
        doc = parse_text(raw, path=Path("lead.txt"), sha256="0" * 64, encoding="utf-8")
        facts = establish_facts(doc)
        assert [p.name_en for p in facts.people] == ["Li Shunchao"]
        brief = correct_brief()
        brief.summary = []
        brief.actions = [Action(owner_en="Li Shunchao, Deputy District Head", owner_zh="李顺朝副区长",
                                task_en="Prepare for the flood season.", evidence_zh="二是要做好防汛准备。")]
        return [c for c in run_checks(brief, doc, facts) if c.kind == "owner_not_in_evidence"]

    assert owner_flags("会议要求，李顺朝副区长：一是要抓好春耕生产。二是要做好防汛准备。") == []
    # the same item under a lead-in that names someone else is flagged
    assert owner_flags("李顺朝副区长出席会议。会议要求，各乡镇：一是要抓好春耕生产。二是要做好防汛准备。")


def test_messages_say_what_is_wrong():
    by_name = {f.name: f for f in FAULTS}
    date = [c for c in checks_of(faulty_brief(by_name["wrong date"])) if c.kind == "unsupported_date"]
    assert "'March 15'" in date[0].message
    swapped = [c for c in checks_of(faulty_brief(by_name["name given-name first"])) if c.kind == "unsupported_name"]
    assert "given name first" in swapped[0].message
    deadline = [c for c in checks_of(faulty_brief(by_name["missing deadline"])) if c.kind == "deadline_missing"]
    assert "3月10日前" in deadline[0].message and "by March 10" in deadline[0].message
    low = [c for c in checks_of(faulty_brief(by_name["claim with no support"])) if c.kind == "low_support"]
    assert low[0].detail["similarity"] < 0.42 and low[0].detail["threshold"] == LOW_SUPPORT


def test_evidence_the_tool_fills_in_is_verbatim_and_recorded():
    doc, _ = seed_003()
    sentences = {s.text for s in doc.sentences}
    by_name = {f.name: f for f in FAULTS}
    for name in ("wrong citation", "no citation", "evidence not in the source"):
        brief = faulty_brief(by_name[name])
        cited_before = list(brief.summary[5].evidence if name != "evidence not in the source"
                            else brief.summary[0].evidence)
        checks = checks_of(brief)
        for item in brief.summary:
            assert item.evidence and all(e in sentences for e in item.evidence), name
        record = next(c for c in checks if c.kind in ("evidence_replaced", "evidence_added"))
        assert 0.42 <= record.detail["similarity"] <= 1 and record.detail["sentences"]
        if name == "wrong citation":
            assert record.detail["cited"] == cited_before and record.detail["cited_similarity"] < LOW_SUPPORT
    # the wrongly cited point gets the sentence that states it
    brief = faulty_brief(by_name["wrong citation"])
    checks_of(brief)
    assert doc.sentence(45).text in brief.summary[5].evidence


def test_a_claim_with_no_support_keeps_its_evidence_and_gets_none_invented():
    brief = faulty_brief(next(f for f in FAULTS if f.name == "claim with no support"))
    before = list(brief.summary[4].evidence)
    checks_of(brief)
    assert brief.summary[4].evidence == before


def test_every_seed_claim_of_the_correct_briefing_clears_the_threshold():
    from summarizer.checks import scores

    doc, _ = seed_003()
    support = scores(correct_brief(), doc)
    assert min(support.values()) >= LOW_SUPPORT, support


# ------------------------------------------------------------------ numbers and dates
@pytest.mark.parametrize("text, value", [
    ("县政府第八十七次常务会议", 87), ("投资三点五亿元", 350_000_000), ("投资三点五亿元", 3.5), ("二〇二一年", 2021),
    ("“十四五”规划", 14), ("2.5万元", 25_000), ("35亿元", 3_500_000_000), ("一千零五户", 1005),
    ("一亿二千万", 120_000_000), ("区委第十一次全会", 11), ("百分之十五", 15),
])
def test_chinese_numerals_are_normalised(text, value):
    assert any(round(value, 4) in m.values for m in zh_numbers(text))


def test_chinese_and_english_dates():
    assert {v for m in zh_dates("于3月10日前完成") for v in m.values} == {(3, 10)}
    assert {v for m in zh_dates("二〇二一年三月十日") for v in m.values} == {(3, 10)}
    assert {v for m in en_dates("by March 10th, 10 March, Mar. 10 and 2021-03-10") for v in m.values} == {(3, 10)}
    assert en_dates("they may 5 times") == []  # a lower-case 'may' is not May


@pytest.mark.parametrize("text, expected", [
    ("COVID-19, G20 and 5G", []), ("the 79th meeting", [{79}]), ("a 5-year period", [{5}]), ("1,200 people", [{1200}]),
    ("350 million yuan", [{350_000_000}]), ("version 3.5.1", []), ("15% and 15 percent", [{15}, {15}]),
    ("On February 25, 2021", [{2021}]), ("2021-2025", [{2021}, {2025}]),
])
def test_english_numbers(text, expected):
    assert [set(m.values) for m in en_numbers(text)] == expected


def _one_point_brief(text: str, evidence: list[str], source: str) -> Brief:
    brief = correct_brief()
    brief.summary = [SummaryItem(text=text, evidence=evidence)]
    brief.actions = []
    brief.meeting.title_en = None
    return brief


@pytest.mark.parametrize("claim, flagged", [
    ("The county invested 350 million yuan in the tea industry.", False),
    ("The county invested 3.5 billion yuan in the tea industry.", True),
    ("The county invested RMB 3.5 hundred million in the tea industry.", False),
])
def test_units_are_converted_before_numbers_are_compared(claim, flagged):
    raw = "县茶叶产业会议\n会议指出，全县投资三点五亿元发展茶叶产业。\n会议要求，各乡镇要抓好落实。\n"
    doc = parse_text(raw, path=Path("tea.txt"), sha256="0" * 64, encoding="utf-8")
    brief = _one_point_brief(claim, [doc.sentence(2).text], raw)
    checks = [c for c in run_checks(brief, doc, establish_facts(doc)) if c.kind == "unsupported_number"]
    assert bool(checks) == flagged, checks


def test_a_number_stated_elsewhere_in_the_source_is_only_an_info():
    doc, _ = seed_003()
    brief = correct_brief()
    brief.summary[5].evidence = [doc.sentence(45).text]  # '5 working groups' is in sentence 47
    checks = checks_of(brief)
    outside = [c for c in checks if c.kind == "fact_outside_evidence"]
    assert outside and outside[0].severity == "info" and doc.sentence(47).text in outside[0].detail["found_in"]
    assert not [c for c in checks if c.severity in FLAGGING]


# ------------------------------------------------------------------ names
def test_pinyin_names_are_found_even_after_a_title():
    found = [n for _, _, n in pinyin_names("Deputy District Head Zhang Wei met Xi Jinping on the Long March Road")]
    assert found == ["Zhang Wei", "Xi Jinping"]


# ------------------------------------------------------------------ the kinds table
def test_every_kind_the_code_can_raise_is_documented():
    raised = set()
    for path in (ROOT / "summarizer").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        raised |= set(re.findall(r'Check\(kind="([a-z_]+)"', text))
        raised |= set(re.findall(r'\bcheck\("([a-z_]+)"', text))
    raised |= {"mixed_language", "lost_characters"}  # ingest warnings: "kind: message" strings
    assert raised - set(KINDS) == set(), "undocumented kinds"
    for kind in KINDS:
        assert re.fullmatch(r"[a-z][a-z_]*[a-z]", kind)
    table = kinds_markdown()
    assert all(f"`{kind}`" in table for kind in KINDS) and table.count("\n") == len(KINDS) + 1


def test_ingest_warnings_carry_documented_kinds():
    for path in SEED_FILES:
        from summarizer.ingest import read_report

        for warning in read_report(path).warnings:
            assert warning.split(":", 1)[0] in KINDS, warning


# ------------------------------------------------------------------ existing briefings
def _write(brief: Brief, path: Path) -> Path:
    path.write_text(brief.model_dump_json(indent=2), encoding="utf-8")
    return path


def test_recheck_recomputes_its_own_checks_and_keeps_the_pipelines(tmp_path):
    brief = faulty_brief(next(f for f in FAULTS if f.name == "wrong date"))
    brief.checks = [
        Check(kind="item_missing", severity="warning", message="action for sentence 46 left out: refusal"),
        Check(kind="unsupported_name", severity="warning", target="summary[1].text", message="stale"),
    ]
    result = recheck_file(_write(brief, tmp_path / "x.brief.json"))
    kinds = [(c.kind, c.target) for c in result.brief.checks]
    assert ("item_missing", None) in kinds  # the pipeline's check is kept
    assert ("unsupported_name", "summary[1].text") not in kinds  # a stale check of ours is dropped
    assert ("unsupported_date", "summary[3].text") in kinds
    assert result.source == SEED_003
    again = recheck(result.brief, result.doc, result.facts)  # idempotent
    assert [c.model_dump() for c in again.checks] == [c.model_dump() for c in result.brief.checks]


def test_recheck_keeps_the_record_of_evidence_it_replaced(tmp_path):
    brief = faulty_brief(next(f for f in FAULTS if f.name == "wrong citation"))
    first = recheck_file(_write(brief, tmp_path / "x.brief.json")).brief
    assert any(c.kind == "evidence_replaced" for c in first.checks)
    second = recheck_file(_write(first, tmp_path / "x.brief.json")).brief
    assert [c for c in second.checks if c.kind == "evidence_replaced"] == \
        [c for c in first.checks if c.kind == "evidence_replaced"]


def test_a_missing_source_is_a_clear_error_and_sources_finds_it(tmp_path):
    brief = correct_brief()
    brief.source.path = "/nowhere/dongchuan.txt"
    path = _write(brief, tmp_path / "dongchuan.brief.json")
    with pytest.raises(SourceMissing, match=r"source report not found: /nowhere/dongchuan.txt.*--sources"):
        recheck_file(path)
    moved = tmp_path / "reports"
    moved.mkdir()
    shutil.copy(SEED_003, moved / "renamed.txt")  # another name: found by content
    assert locate_source(brief, path, [moved]) == moved / "renamed.txt"
    assert recheck_file(path, sources=[moved]).brief.checks == []


def test_a_changed_source_is_refused(tmp_path):
    changed = tmp_path / "003.txt"
    changed.write_bytes(SEED_003.read_bytes() + "会议还研究了其他事项。\n".encode())
    brief = correct_brief()
    brief.source.path = str(changed)
    with pytest.raises(SourceMissing, match="has changed since it was briefed"):
        recheck_file(_write(brief, tmp_path / "x.brief.json"))


def test_a_relative_source_path_resolves_from_the_briefing_folder(tmp_path, monkeypatch):
    (tmp_path / "reports").mkdir()
    (tmp_path / "out").mkdir()
    shutil.copy(SEED_003, tmp_path / "reports" / "003.txt")
    brief = correct_brief()
    brief.source.path = "../reports/003.txt"
    monkeypatch.chdir(tmp_path / "out")
    assert locate_source(brief, _write(brief, tmp_path / "out" / "003.brief.json")).resolve() == \
        (tmp_path / "reports" / "003.txt").resolve()


# ------------------------------------------------------------------ Markdown markers
def test_markdown_shows_each_check_as_a_footnote_marker_next_to_its_item():
    by_name = {f.name: f for f in FAULTS}
    brief = faulty_brief(by_name["wrong date"])
    by_name["missing deadline"].mutate(brief, seed_003()[0])
    brief.checks = [Check(kind="lost_characters", severity="info", message="lost_characters: '??' in the text")]
    brief.checks += checks_of(brief)
    md = to_markdown(brief)
    point = next(line for line in md.splitlines() if "March 15" in line and line.startswith("- "))
    assert re.search(r"\[\^\d+\]\[\^\d+\] ⚠️\[\^c\d+\]$", point)
    row = next(line for line in md.splitlines() if line.startswith("| 4 |"))
    assert row.rstrip(" |").endswith("⚠️[^c2]")  # in the deadline cell
    refs = set(re.findall(r"\[\^(c\d+)\](?!:)", md))
    defs = set(re.findall(r"^\[\^(c\d+)\]:", md, re.MULTILINE))
    assert refs == defs and len(refs) == len(brief.checks) - 1  # the untargeted check is a bullet
    assert "- ℹ️ **lost_characters**" in md and "[^c1]: ⚠️ **unsupported_date** (`summary[3].text`)" in md


def test_markdown_of_a_correct_briefing_has_no_checks_section():
    brief = correct_brief()
    brief.checks = checks_of(brief)
    assert "## Checks" not in to_markdown(brief) and "[^c" not in to_markdown(brief)


def test_english_fields_still_cover_every_english_field():
    paths = [p for p, _ in english_fields(correct_brief())]
    assert "meeting.title_en" in paths and "actions[4].task_en" in paths and "actions[0].deadline.text_en" in paths


# ------------------------------------------------------------------ calibration
@pytest.mark.skipif(not SEEDS.exists(), reason="seed reports not found")
def test_the_low_support_threshold_is_the_calibrated_one():
    from summarizer.checks.calibration import calibrate

    result = calibrate(SEEDS)
    assert abs(result.proposed - LOW_SUPPORT) <= 0.01, result.report(LOW_SUPPORT)
    rates = result.rates(LOW_SUPPORT)
    assert rates["faithful_flagged"] <= 0.06 and rates["invented_missed"] <= 0.06, result.report(LOW_SUPPORT)
    assert rates["wrong_citation_missed"] == 0.0, result.report(LOW_SUPPORT)


@pytest.mark.parametrize("text, places", [
    ("The meeting in Luxi County agreed.", ["Luxi County"]),
    ("The Luxi County government and Xi'an City agreed.", ["Luxi County", "Xi'an City"]),
    ("The County Party Committee and the Economic Development District met.", []),  # not romanized names
    ("Deputy County Head Zhang Wei spoke.", []),
])
def test_romanized_places_in_english(text, places):
    from summarizer.checks.text import place_names

    assert [phrase for _, phrase in place_names(text)] == places
