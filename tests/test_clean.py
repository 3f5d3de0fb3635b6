"""Cleaning: deletion only, exact offsets, seed-by-seed removal lists reviewed by eye.

tests/fixtures/clean/NNN.removed.txt lists every span the cleaner removes from seed NNN,
with the rule that removed it. Each list was reviewed line by line; the test fails when
the cleaner removes anything else, or less. After a deliberate rule change, regenerate
with ``UPDATE_FIXTURES=1 pytest tests/test_clean.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from summarizer.ingest.clean import OffsetMap, clean_text, lost_characters, pinyin_annotations

from .conftest import SEED_FILES, seed

FIXTURES = Path(__file__).parent / "fixtures" / "clean"

# what must not survive cleaning in any seed (the boilerplate named in issue 3)
BOILERPLATE = [
    "当前位置", "首页 >", "来源:", "来源：", "作者:", "作者：", "编辑:", "编辑：", "发布时间", "發(fā)布于", "发布于",
    "浏览次数", "字号", "分享", "打印此页", "关闭本页", "扫一扫", ".jpg", "本文链接", "阅读下一篇", "首页",
    "微信号", "jixianweiyan", "SYDSTXMT", "功能介绍", "发布政务信息", "前往“发现”", "朋友在看", "关注该公众号",
    "已发送", "著作权归", "如需转载", "谢绝转载", "采编：", "后台编辑：", "监制：", "联系我们", "时刻新闻",
    "通讯员", "第一时间的声音", "集贤微言",
]
_PINYIN = re.compile(r"[(（]?[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


def removal_lines(text: str) -> list[str]:
    cleaned = clean_text(text)
    return [f"{r.start}\t{r.end}\t{r.rule}\t{json.dumps(text[r.start:r.end], ensure_ascii=False)}"
            for r in cleaned.removals]


def _seed_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_removals_match_the_reviewed_fixture(path):
    fixture = FIXTURES / f"{path.name[:3]}.removed.txt"
    lines = removal_lines(_seed_text(path))
    header = (f"# {path.name}: every span the cleaner removes (start, end, rule, text), reviewed by eye.\n"
              f"# Regenerate with UPDATE_FIXTURES=1 pytest tests/test_clean.py after a deliberate rule change.\n")
    if os.environ.get("UPDATE_FIXTURES"):
        FIXTURES.mkdir(parents=True, exist_ok=True)
        fixture.write_text(header + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    expected = [line for line in fixture.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert lines == expected


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_cleaned_text_has_no_boilerplate_and_no_pinyin(path):
    cleaned = clean_text(_seed_text(path))
    for marker in BOILERPLATE:
        assert marker not in cleaned.text, marker
    assert not _PINYIN.search(cleaned.text), _PINYIN.search(cleaned.text)
    assert "\n\n" not in cleaned.text and not cleaned.text.startswith("\n")


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_offsets_map_back_exactly(path):
    text = _seed_text(path)
    cleaned = clean_text(text)
    assert all(text[cleaned.offsets.to_original(i)] == c for i, c in enumerate(cleaned.text))
    # what was removed plus what was kept is the whole original
    kept = sum(length for _, _, length in cleaned.offsets.segments)
    assert kept + sum(r.end - r.start for r in cleaned.removals) == len(text)


def test_seed_titles_and_legitimate_parentheses_are_kept():
    assert clean_text(_seed_text(seed("000"))).text.startswith("向恒林主持召开县政府第87次常务会议\n")
    assert clean_text(_seed_text(seed("001"))).text.startswith("縣委副書記、縣長劉銳主持召開縣政府第26次常務會議\n")
    dongchuan = clean_text(_seed_text(seed("003"))).text
    assert dongchuan == _seed_text(seed("003"))  # a clean report loses nothing
    assert "《关于成立东川区实施乡村振兴战略指挥部的通知(送审稿)》" in dongchuan
    shanyang = clean_text(_seed_text(seed("004"))).text
    assert "分管副镇长（副主任）" in shanyang and "各村（社）支部书记" in shanyang


def test_seed_002_account_name_glued_to_the_dateline_is_removed():
    # 集贤微言 is the WeChat account (its handle jixianweiyan spells it), not part of the report
    assert clean_text(_seed_text(seed("002"))).text.startswith("3月24日，县委书记战明秀")


def test_seed_001_lost_characters_are_flagged_not_guessed():
    cleaned = clean_text(_seed_text(seed("001")))
    assert len(cleaned.flags) == 1 and cleaned.flags[0].startswith("lost_characters: 2 place(s)")
    assert "融入?^域" in cleaned.text  # the debris stays, only the orphan pinyin (yún)) went
    assert "yún" not in cleaned.text and "yōu" not in cleaned.text


# ---------------------------------------------------------------- pinyin annotations
@pytest.mark.parametrize("text, expected", [
    ("常務(wù)會議", "常務會議"),
    ("傳達學(xué)習(xí)", "傳達學習"),
    ("縣長(zhǎng)", "縣長"),
    ("發（fā）展", "發展"),  # fullwidth parentheses
    ("服務(wu)", "服務"),  # toneless but a reading of the character
    ("融入?yún)^(qū)域", "融入?^域"),  # debris of a lost character: orphan and stranded readings
])
def test_injected_pinyin_is_removed(text, expected):
    assert clean_text(text).text == expected


@pytest.mark.parametrize("text", [
    "《办法（试行）》", "《方案(送审稿)》", "(撰稿人:张三)", "附件(a)", "第(一)项", "WTO(wù)", "café (é)",
    "He said (à la carte) yes.", "县长(张三)出席", "服務 (wù)",
])
def test_legitimate_parentheses_are_kept(text):
    assert clean_text(text).text == text
    assert not pinyin_annotations(text)


def test_annotation_must_be_a_reading_of_its_character():
    assert clean_text("会(xué)议").text == "会(xué)议"  # xué is not a reading of 会: not an annotation


# ---------------------------------------------------------------- lost characters
@pytest.mark.parametrize("text, count", [
    ("会议??要求", 1), ("会议\ufffd要求", 1), ("融入?yún", 1), ("是否可行? 是的", 0), ("Is it? Yes.", 0),
    ("是否可行?", 0), ("a??b", 1), ("会议?要求", 1),
])
def test_lost_characters(text, count):
    assert len(lost_characters(text)) == count


def test_lost_characters_flag_names_the_place():
    flags = clean_text("会议指出\n要抓好??工作。").flags
    assert flags and "要抓好??工作" in flags[0] and "not guessed" in flags[0]


# ---------------------------------------------------------------- offsets
def test_crlf_is_deleted_so_offsets_point_into_the_file_as_decoded():
    text = "标题\r\n\r\n来源：县政府办\r\n会议指出，要抓好安全。\r\n"
    cleaned = clean_text(text)
    assert cleaned.text == "标题\n会议指出，要抓好安全。\n"
    at = cleaned.text.index("会议")
    assert text[cleaned.offsets.to_original(at):].startswith("会议指出")


def test_offset_map_span_and_end():
    cleaned = clean_text("甲\n来源：乙\n丙丁。")
    assert cleaned.text == "甲\n丙丁。"
    start, end = cleaned.offsets.span_to_original(2, 5)
    assert cleaned.original[start:end] == "丙丁。"
    assert cleaned.offsets.to_original(len(cleaned.text)) == len(cleaned.original)
    assert OffsetMap().to_original(3) == 3
    assert cleaned.offsets.span_to_original(2, 2) == (start, start)


def test_offset_map_lookup_is_not_rebuilt_per_call():
    # to_original used to rebuild its list of starts on every call: quadratic over a report
    offsets = OffsetMap([(i * 2, i * 3, 2) for i in range(50_000)])
    assert offsets.to_original(99_999) == 49_999 * 3 + 1
    offsets.segments.append((100_000, 200_000, 5))  # an extended map is still right
    assert offsets.to_original(100_002) == 200_002


def test_whitespace_only_and_empty_text():
    assert clean_text("").text == ""
    assert clean_text(" \n\t\n").text == ""


def test_removals_are_sorted_disjoint_and_named():
    cleaned = clean_text(_seed_text(seed("000")))
    for a, b in zip(cleaned.removals, cleaned.removals[1:]):
        assert a.end <= b.start
    assert all(r.rule for r in cleaned.removals)
