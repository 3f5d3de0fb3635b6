"""Bytes -> text: strict decoding in a fixed order, a detector only as a last resort.

Order:

1. a byte-order mark (UTF-32, UTF-8, UTF-16) decides;
2. bytes with NULs are UTF-16 without a BOM if one byte order reads as plausible text
   (see :func:`plausibility`), otherwise binary (as for git, a NUL means "not text");
3. strict UTF-8, unless control bytes make the file look binary;
4. strict GB18030 and Big5. Every Big5 byte string is also valid GB18030, so when both
   decode, the reading with more *frequent* characters wins (GB2312 level 1 for GB18030,
   Big5 level 1 for Big5: the ~4-5k commonest characters of each script). A legacy
   Japanese or Korean file that is valid GB18030 too reads as rare characters, kana, or
   Han separated by spaces: then a strict EUC-JP/Shift_JIS/CP949 reading that really is
   kana or Hangul wins;
5. UTF-16 without a BOM and without NULs (pure CJK text has none; at least 8 characters)
   wins over step 4 only when it reads as more plausible text (GBK read as UTF-16 is
   plausible Hangul: a tie, which GBK wins);
6. binary, if control bytes said so; else charset-normalizer over everything.

charset-normalizer is never asked first: it labels short GBK text as Korean, and even
restricted to {gb18030, big5} it picks Big5 for most GBK snippets of a few characters
(0 of 209 two-character snippets of the seeds right, 84 of 95 forty-character ones).
"""

from __future__ import annotations

import bisect
import codecs
import re
from functools import cache
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import InputError

_BOMS = (  # UTF-32-LE's BOM starts with UTF-16-LE's: test it first
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BINARY_HINT = "give a .txt, .md or .html report (convert PDFs/Word files to text first)"
_SAMPLE = 20_000  # characters looked at when scoring a reading (enough, and fast on 5 MB files)
UTF16_MIN_SCORE = 0.8  # plausibility a BOM-less UTF-16 reading needs (wrong readings score far lower)
MIN_OTHER = 8  # non-ASCII characters needed before a Japanese/Korean reading can win
LEGACY_MIN_SCORE = 0.9  # below this a GB18030/Big5 reading gets a second opinion
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]*[\u00c0-\u024f][A-Za-z\u00c0-\u024f]*")
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_SPACED_HAN = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")  # fullwidth kana (halfwidth kana is what Korean bytes look like in Shift_JIS)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SPACED_HANGUL = re.compile(r"[\uac00-\ud7a3] [\uac00-\ud7a3]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7a3]")

# punctuation that Chinese text is made of (CJK, fullwidth and general), beyond ASCII
_PUNCT = set("，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕…—–－·・％＋／～￥℃×÷°"
             "\u3000\u00a0\u00b7\u2014\u2026\u2018\u2019\u201c\u201d\uff0e\u2022\u2161\u2160")


def _table(encoding: str, leads: range, trails: list[int], last: int | None = None) -> frozenset[str]:
    out = set()
    for lead in leads:
        for trail in trails:
            if last is not None and (lead << 8 | trail) > last:
                continue
            try:
                out.add(bytes((lead, trail)).decode(encoding))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


@cache
def frequent_gb() -> frozenset[str]:
    """GB2312 level 1: the 3,755 commonest Simplified characters (rows 0xB0-0xD7)."""
    return _table("gb2312", range(0xB0, 0xD8), list(range(0xA1, 0xFF)))


@cache
def frequent_big5() -> frozenset[str]:
    """Big5 level 1: the 5,401 commonest Traditional characters (0xA440-0xC67E)."""
    return _table("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], last=0xC67E)


@cache
def _frequent_han() -> frozenset[str]:
    return frequent_gb() | frequent_big5()


@cache
def _all_han() -> frozenset[str]:
    """Every Han character of GB2312 and Big5 (common enough to appear in a report)."""
    gb = _table("gb2312", range(0xB0, 0xF8), list(range(0xA1, 0xFF)))
    big5 = _table("big5", range(0xA4, 0xFA), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    return gb | big5


_CLASSES = (  # coarse script classes: (first, last, class); anything else is "other"
    (0x0000, 0x007F, "latin"), (0x00A0, 0x024F, "latin"), (0x0370, 0x03FF, "greek"), (0x0400, 0x04FF, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0x0600, 0x06FF, "arabic"), (0x0900, 0x097F, "devanagari"), (0x0E00, 0x0E7F, "thai"),
    (0x1100, 0x11FF, "hangul"), (0x1E00, 0x1EFF, "latin"), (0x2000, 0x206F, "punct"), (0x3000, 0x303F, "cjk"),
    (0x3040, 0x30FF, "kana"), (0x3130, 0x318F, "hangul"), (0xAC00, 0xD7A3, "hangul"), (0xFF00, 0xFFEF, "cjk"),
)
_STARTS = [c[0] for c in _CLASSES]
_UNSPACED = ("cjk", "kana")  # the scripts written without spaces
_HAN_CREDIT = {"han2": 0.75, "rare_han": 0.5}  # Han beyond the frequent ~6k, beyond GB2312/Big5


def _class(c: str) -> str:
    o = ord(c)
    if o < 0x20 and c not in "\t\n\r" or 0x7F <= o < 0xA0:
        return "other"  # control characters
    if c in _PUNCT:
        return "punct"
    if 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF:
        return "cjk" if c in _frequent_han() else "han2" if c in _all_han() else "rare_han"
    i = bisect.bisect_right(_STARTS, o) - 1
    if i >= 0 and o <= _CLASSES[i][1]:
        return _CLASSES[i][2]
    return "other"


def plausibility(text: str, scripts: tuple[str, ...] | None = None) -> float:
    """How much ``text`` (sampled) reads like real text: the share of its characters in its
    two main script classes, punctuation added.

    Real text keeps to one or two scripts (Chinese and ASCII; Hangul and ASCII; Latin
    letters); bytes read in the wrong encoding or byte order scatter over Hangul, Yi, rare
    ideographs, symbols, private-use and control characters. A Han character counts fully
    when it is one of the ~6k frequent ones (GB2312/Big5 level 1), 3/4 when it is in
    GB2312/Big5 at all, 1/2 otherwise: wrong readings are full of rare ideographs.
    With ``scripts``, those classes are the main ones instead of the two largest.
    """
    sample = text[:_SAMPLE]
    if not sample:
        return 0.0
    counts: dict[str, float] = {}
    for c in sample:
        k = _class(c)
        if k in _HAN_CREDIT:  # a less frequent ideograph is partly Chinese, partly noise
            credit = _HAN_CREDIT[k]
            counts["cjk"] = counts.get("cjk", 0) + credit
            counts["other"] = counts.get("other", 0) + 1 - credit
            continue
        counts[k] = counts.get(k, 0) + 1
    punct = counts.pop("punct", 0)
    other = counts.pop("other", 0)
    ranked = sorted(counts.values(), reverse=True)
    main = sum(ranked[:2]) if scripts is None else sum(counts.get(k, 0) for k in scripts)
    return (main + punct) / (sum(ranked) + punct + other)


def _frequent_share(text: str, frequent: frozenset[str]) -> float:
    """Share of the non-ASCII characters of ``text`` that are frequent characters or punctuation.

    Accented letters count when they are part of a Latin word or in parentheses (pinyin such
    as ``(tài)``, which GB2312 encodes); alone between Han characters they are what Big5
    looks like as GBK.
    """
    sample = text[:_SAMPLE]
    wide = [c for c in sample if ord(c) > 127]
    if not wide:
        return 1.0
    good = sum(1 for c in wide if c in frequent or c in _PUNCT)
    for m in _LATIN_WORD.finditer(sample):  # pinyin: in a word with ASCII letters, or in (…)
        word = m.group()
        if (_ASCII_LETTERS.search(word) or sample[m.start() - 1:m.start()] in ("(", "（")
                or sample[m.end():m.end() + 1] in (")", "）")):
            good += len(word) - len(_ASCII_LETTERS.findall(word))
    return good / len(wide)


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head:
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return controls / len(head) > 0.10


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def utf16_readings(data: bytes, scripts: tuple[str, ...] | None = None) -> list[tuple[float, int, str, str]]:
    """Both byte orders of BOM-less UTF-16 that decode strictly: ``(score, ascii, enc, text)``, best first.

    Ties (``一`` U+4E00 in UTF-16-LE is ``N`` in UTF-16-BE) go to the reading with more
    ASCII, then to little-endian, the byte order Windows writes.
    """
    if len(data) < 2 or len(data) % 2:
        return []
    out = []
    for rank, enc in enumerate(("utf-16-le", "utf-16-be")):
        text = _strict(data, enc)
        if text is None or "\x00" in text:
            continue
        ascii_chars = sum(1 for c in text[:_SAMPLE] if ord(c) < 128)
        out.append((plausibility(text, scripts), ascii_chars, -rank, enc, text))
    out.sort(reverse=True)
    return [(score, ascii_chars, enc, text) for score, ascii_chars, _, enc, text in out]


def _utf16_without_bom(data: bytes, scripts: tuple[str, ...] | None = None) -> tuple[float, str, str] | None:
    """The best BOM-less UTF-16 reading ``(score, text, encoding)`` if it is plausible text."""
    readings = utf16_readings(data, scripts)
    if readings and readings[0][0] >= UTF16_MIN_SCORE:
        score, _, enc, text = readings[0]
        return score, text, enc
    return None


def _legacy_chinese(data: bytes) -> tuple[str, str] | None:
    """GB18030 or Big5, strictly; the reading with more frequent characters when both decode."""
    gb = _strict(data, "gb18030")
    big5 = _strict(data, "big5")
    if gb is None and big5 is None:
        return None
    if big5 is None:
        return gb, "gb18030"
    if gb is None:
        return big5, "big5"
    if _frequent_share(big5, frequent_big5()) > _frequent_share(gb, frequent_gb()):
        return big5, "big5"
    return gb, "gb18030"


def _second_opinion(data: bytes, text: str, encoding: str) -> tuple[str, str]:
    """A legacy Japanese or Korean file is often valid GB18030 too: check when the reading looks off.

    Off means: characters outside GB2312/Big5, Han separated by spaces (Korean spaces its
    words), or kana/Hangul in it. Then a strict EUC-JP/Shift_JIS reading that is at least
    20% kana is Japanese, and a strict CP949 reading that is at least 80% Hangul with spaces
    between its words (as Korean writes) is Korean. Under ``MIN_OTHER`` non-ASCII
    characters the Chinese reading stays: too little to tell. (charset-normalizer takes
    EUC-JP Japanese for CP949, so it is not asked here.)
    """
    sample = text[:_SAMPLE]
    han = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff")
    spaced = len(_SPACED_HAN.findall(sample))
    if (_frequent_share(text, _all_han()) >= LEGACY_MIN_SCORE and spaced <= 0.1 * max(han, 1)
            and not _KANA_HANGUL.search(sample)):
        return text, encoding
    for candidate in ("euc_jp", "cp932", "cp949"):
        other = _strict(data, candidate)
        if other is None:
            continue
        sample = other[:_SAMPLE]
        wide = sum(1 for c in sample if ord(c) > 127)
        if wide < MIN_OTHER:
            continue
        if candidate == "cp949":
            hangul = len(_HANGUL.findall(sample))
            if hangul >= 0.8 * wide and len(_SPACED_HANGUL.findall(sample)) >= 0.15 * hangul:
                return other, candidate
        elif len(_KANA.findall(sample)) >= 0.2 * wide:
            return other, candidate
    return text, encoding


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Return ``(text, encoding)``; raise ``InputError`` naming ``path`` if the bytes are not text."""
    marked = None  # UTF-16-LE text starting with U+0000 begins like a UTF-32-LE mark: try both
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _strict(data, enc)
            if text is not None:
                return text, enc
            marked = marked or enc
    if marked:
        raise InputError(f"file starts with a {marked} byte-order mark but is not valid {marked}", path=path,
                         hint="re-save it as UTF-8")
    if b"\x00" in data:  # UTF-16 of text with ASCII in it (spaces, newlines, digits)
        found = _utf16_without_bom(data)
        if found is not None:
            return found[1], found[2]
        raise InputError("file is binary, not text (it contains NUL bytes)", path=path, hint=_BINARY_HINT)
    binary = _looks_binary(data)  # UTF-16 of pure CJK text can look so: decided below
    utf8 = None if binary else _strict(data, "utf-8")
    if utf8 is not None and not _CONTROL.search(utf8, 0, _SAMPLE):
        return utf8, "utf-8"
    legacy = None if binary or utf8 is not None else _legacy_chinese(data)
    rival = utf8 if utf8 is not None else legacy[0] if legacy is not None else None
    # pure CJK text in UTF-16 has no NULs at all; under 8 characters it is anyone's guess;
    # and, with no ASCII at all (not even a space), it can only be Chinese or Japanese.
    # It must read better than its rival, scored either way (GBK read as UTF-16 is plausible
    # Hangul; English with a stray Ctrl-Z read as UTF-16 is three-quarters plausible Han)
    utf16 = _utf16_without_bom(data, _UNSPACED) if len(data) >= 16 else None
    if utf16 is not None and (rival is None or utf16[0] > max(plausibility(rival), plausibility(rival, _UNSPACED))):
        return utf16[1], utf16[2]
    if binary:
        raise InputError("file is binary, not text", path=path, hint=_BINARY_HINT)
    if utf8 is not None:  # valid UTF-8 with a few control characters in it
        return utf8, "utf-8"
    if legacy is not None:
        return _second_opinion(data, *legacy)
    best = from_bytes(data).best()
    if best is None:
        raise InputError("cannot decode the file as text in any supported encoding", path=path,
                         hint="re-save it as UTF-8")
    return str(best), codecs.lookup(best.encoding).name  # "utf_16_le" -> "utf-16-le"
