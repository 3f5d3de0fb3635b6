"""Decoding: strict attempts in a fixed order, round trips for every supported encoding.

What each encoding can hold decides what a round trip can promise:
- UTF-8, and anything with a BOM (UTF-8-sig, UTF-16, UTF-32): any text.
- UTF-16 without a BOM: the two byte orders are both valid for most byte strings, so the
  text comes back whenever the other byte order does not read as text at least as
  plausible (``一`` U+4E00 little-endian is ``N`` big-endian: genuinely ambiguous).
- GB18030/GBK and Big5: the text comes back unless its bytes are also valid UTF-8 (UTF-8
  is tried first, deliberately); every Big5 byte string is also GB18030, so Big5 comes
  back when it reads as Traditional text with more frequent characters than the GB reading.
"""

from __future__ import annotations

import codecs
import os
import random
import re

import opencc
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from summarizer.errors import InputError
from summarizer.ingest.decode import decode_bytes, frequent_big5, frequent_gb, plausibility, utf16_readings

from .conftest import SEED_FILES

# FUZZ_EXAMPLES=2000 for a long run; the default keeps the suite fast
FAST = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

_PINYIN = re.compile(r"\([a-zü\u0101-\u01dc]+\)")
SIMPLIFIED = [_PINYIN.sub("", p.read_text(encoding="utf-8")) for p in SEED_FILES]
SIMPLIFIED = [opencc.OpenCC("t2s").convert(t) for t in SIMPLIFIED]
TRADITIONAL = [opencc.OpenCC("s2t").convert(t) for t in SIMPLIFIED]
PUNCT = list("，。、；：？！“”（）《》—\n0123456789abcXYZ.,-")  # no spaces: see test_spaced_chinese

no_controls = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t")
any_text = st.text(no_controls, max_size=300)


def _encodable(text: str, encoding: str) -> str:
    return text.encode(encoding, errors="ignore").decode(encoding)


def _valid(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def seed_slices(draw, texts, min_size=8, max_size=400):
    """A realistic text: a slice of a seed report (any script conversion applied by the caller)."""
    text = draw(st.sampled_from(texts))
    start = draw(st.integers(0, max(0, len(text) - min_size)))
    length = draw(st.integers(min_size, max_size))
    piece = text[start:start + length]
    assume(len(piece.strip()) >= min_size)
    return piece


# ---------------------------------------------------------------- examples
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                      "gb18030", "gbk", "big5"])
@pytest.mark.parametrize("index", range(len(SEED_FILES)))
def test_every_seed_in_every_encoding(encoding, index):
    text = (TRADITIONAL if encoding == "big5" else SIMPLIFIED)[index]
    text = _encodable(text, encoding)
    decoded, used = decode_bytes(text.encode(encoding), "seed.txt")
    assert decoded == text
    expected = {"gbk": "gb18030", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}.get(encoding, encoding)
    if encoding == "utf-8" and text.isascii():
        expected = "utf-8"
    assert used == expected


@pytest.mark.parametrize("text", ["会议", "县政府召开常务会议", "安全生产", "會議", "縣政府召開常務會議",
                                  "區人民政府", "傳達學習"])
def test_short_chinese_snippets(text):
    # charset-normalizer, even restricted to {gb18030, big5}, calls most of these Big5 (or Korean)
    encoding = "big5" if text != opencc.OpenCC("t2s").convert(text) else "gbk"
    data = text.encode(encoding)
    assert not _valid(data, "utf-8")
    assert decode_bytes(data)[0] == text


@pytest.mark.parametrize("text", ["中共中央 国务院关于全面推进乡村振兴的意见", "编辑：陈   媛 屈   超 阮颖颖",
                                  "县领导 杜朝野 刘继清 赵建华 张晖 参加会议。"])
def test_spaced_chinese_stays_chinese(text):
    # Korean spaces its words, so Han separated by spaces makes a GB18030 reading suspect:
    # the Korean reading must then really be Korean (80% Hangul, spaced), which these are not.
    # (Random frequent characters separated by spaces can be exactly that: not a report.)
    assert decode_bytes(text.encode("gbk")) == (text, "gb18030")


def test_one_character_that_is_also_utf8_reads_as_utf8():
    # 一 in GBK is D2 BB, which is valid UTF-8 (U+04BB): UTF-8 is tried first, deliberately
    assert decode_bytes("一".encode("gbk")) == ("\u04bb", "utf-8")


KOREAN = "대한민국 정부는 오늘 회의를 열고 경제 정책에 대해 논의했습니다. 지역 발전 방안이 제시되었습니다."
JAPANESE = "本日、県庁で会議が開かれ、地域経済の活性化について議論されました。新しい方針が示されました。"


@pytest.mark.parametrize("text, encoding, expected", [
    (KOREAN, "euc_kr", "cp949"), (JAPANESE, "shift_jis", "cp932"), (JAPANESE, "euc_jp", "euc_jp"),
])
def test_legacy_japanese_and_korean_are_not_read_as_chinese(text, encoding, expected):
    # their bytes are valid GB18030 (and sometimes Big5) too
    assert decode_bytes(text.encode(encoding)) == (text, expected)


@pytest.mark.parametrize("text", ["The county government held its 12th executive meeting on Monday.\n\x1a",
                                  "abcdefghijklmnopqrstuvwxyzabcdefgh\x1a\x1a", "会议指出，要抓好安全生产。\x1a"])
def test_utf8_with_a_stray_control_character_stays_utf8(text):
    data = text.encode("utf-8")
    data += b" " * (len(data) % 2)  # even length: a UTF-16 candidate too
    assert decode_bytes(data) == (data.decode("utf-8"), "utf-8")


def test_latin1_falls_back_to_the_detector():
    text, encoding = decode_bytes("Réunion du conseil municipal: décisions prises à l'unanimité.".encode("cp1252"))
    assert "Réunion" in text and "décisions" in text


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n\x00\x01\x02\x03\x04\x05",
    random.Random(0).randbytes(4096),
    "会议指出\x00要抓好安全".encode("utf-8"),
    b"\x01\x02\x03\x04\x05\x06\x07\x08" * 20,
])
def test_binary_is_one_clear_error_naming_the_file(data):
    with pytest.raises(InputError) as err:
        decode_bytes(data, "/reports/x.txt")
    message = str(err.value)
    assert message.startswith("/reports/x.txt: ") and "binary" in message and "\n" not in message


def test_broken_bom_is_an_error():
    with pytest.raises(InputError, match="byte-order mark"):
        decode_bytes(codecs.BOM_UTF8 + b"\xff\xfe\xfd", "x.txt")


def test_utf16_starting_with_nul_is_not_taken_for_utf32():
    text = "\x00会议"
    assert decode_bytes(text.encode("utf-16"))[0] == text


def test_bomless_utf16_of_pure_chinese_has_no_nuls_and_still_decodes():
    text = "县政府召集常务会议会议指出要抓好安全生产"
    for encoding in ("utf-16-le", "utf-16-be"):
        data = text.encode(encoding)
        assert b"\x00" not in data
        assert decode_bytes(data) == (text, encoding)


def test_frequent_character_tables():
    assert len(frequent_gb()) == 3755 and len(frequent_big5()) == 5401
    assert "会" in frequent_gb() and "會" in frequent_big5()


def test_plausibility():
    assert plausibility("县政府召开常务会议。") == 1.0
    assert plausibility("Report 2021: 县政府召开常务会议。") == 1.0
    assert plausibility("대한민국 정부") == 1.0
    assert plausibility("\ue000\ue001") == 0.0
    assert plausibility("屏婐ၢİ婐絙İ婐") < 0.9  # 作做成、做好、做 in the wrong byte order
    assert plausibility("") == 0.0


# ---------------------------------------------------------------- properties
@FAST
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_decode_or_fail_cleanly(data):
    try:
        text, encoding = decode_bytes(data, "f.txt")
    except InputError as err:
        assert str(err).startswith("f.txt: ") and "\n" not in str(err)
        return
    assert isinstance(text, str) and isinstance(encoding, str) and encoding


@FAST
@given(any_text)
def test_utf8_round_trip(text):
    assume(not text.startswith("\ufeff"))  # that is a BOM
    assert decode_bytes(text.encode("utf-8"))[0] == text


@FAST
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
       st.sampled_from(["utf-8-sig", "utf-16", "utf-32"]))
def test_bom_round_trip_for_any_text(text, encoding):
    # with a byte-order mark any text at all comes back, control characters included,
    # except U+0000 first in UTF-16: FF FE 00 00 is the UTF-32 mark of an empty text
    assume(not (encoding == "utf-16" and text.startswith("\x00")))
    assert decode_bytes(text.encode(encoding)) == (text, encoding)


@FAST
@given(seed_slices(SIMPLIFIED + TRADITIONAL), st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_bomless_utf16_round_trip_for_report_text(text, encoding):
    assert decode_bytes(text.encode(encoding)) == (text, encoding)


@FAST
@given(st.text(no_controls, min_size=1, max_size=200), st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_bomless_utf16_round_trip_unless_ambiguous(text, encoding):
    data = text.encode(encoding)
    scripts = None if b"\x00" in data else ("cjk", "kana")  # no ASCII at all: only CJK fits
    try:
        decoded, used = decode_bytes(data)
    except InputError:
        # refused as binary: too short to tell, or no byte order reads as plausible text
        assert (len(data) < 16 and scripts) or all(score < 0.8 for score, *_ in utf16_readings(data, scripts))
        return
    if decoded != text and len(data) >= 16:  # under 8 characters without NULs nobody can tell
        # another reading won: it must read at least as plausibly as the true text
        assert plausibility(decoded, scripts) >= plausibility(text, scripts), used


@FAST
@given(st.lists(st.sampled_from(sorted(frequent_gb())) | st.sampled_from(PUNCT), min_size=1, max_size=200),
       st.sampled_from(["gbk", "gb18030"]))
def test_gbk_round_trip(chars, encoding):
    text = "".join(chars)
    data = text.encode(encoding)
    assume(not _valid(data, "utf-8"))  # then UTF-8 wins: it is tried first
    assert decode_bytes(data) == (text, "gb18030")


@FAST
@given(seed_slices(SIMPLIFIED, min_size=20),
       st.lists(st.tuples(st.integers(0, 10_000), st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"))),
                max_size=3))
def test_gb18030_round_trip_for_chinese_text_with_any_characters(text, extra):
    # GB18030 holds all of Unicode (four-byte sequences beyond GBK): a Chinese report with a
    # few characters from anywhere (emoji, rare ideographs, symbols) comes back whole
    for at, char in extra:
        at %= len(text) + 1
        text = text[:at] + char + text[at:]
    data = text.encode("gb18030")
    assume(not _valid(data, "utf-8"))
    assert decode_bytes(data) == (text, "gb18030")


@FAST
@given(seed_slices(TRADITIONAL))
def test_big5_round_trip_for_report_text(text):
    text = _encodable(text, "big5")
    data = text.encode("big5")
    # a few characters can read as well in GB18030 (縣 is 郡 there): from 6 Han on, they never did in the seeds
    assume(not _valid(data, "utf-8") and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 6)
    assert decode_bytes(data) == (text, "big5")


@FAST
@given(seed_slices(SIMPLIFIED))
def test_gbk_round_trip_for_report_text(text):
    data = _encodable(text, "gbk").encode("gbk")
    assume(not _valid(data, "utf-8"))
    assert decode_bytes(data)[0] == data.decode("gbk")
