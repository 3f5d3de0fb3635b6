"""Numbers and dates, in Chinese source text and in English claims, normalised to compare.

Chinese side: Arabic and Chinese numerals (第八十七次 = 87, 三点五亿 = 350000000, 二〇二一 =
2021, “十四五” = 14), with 万/亿 scaled; dates 3月10日 / 三月十日 / 2021-03-10 as (month, day).
English side: 87th, 1,200, 3.5, 15%, "350 million"; dates March 10 / 10 March / Mar. 10th /
2021-03-10. A number matches when one of its readings does: 三点五亿 reads as 350000000 and
as 3.5, "350 million" as 350000000 only, so a unit change in translation passes and
"3.5 billion" does not.

Every mention keeps its span, so the review page can highlight the same fact on both sides.
English numbers written as words (five, twenty-two) are not read.
"""

from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass

from ..zh.dates import DATE, NUMERIC
from ..zh.numerals import readings, small_number


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    values: frozenset  # numbers: rounded floats; dates: (month, day) tuples


def _key(value: float) -> float:
    return round(float(value), 4)


# ------------------------------------------------------------------ Chinese
_ZH_NUMBER = re.compile(
    r"(?P<ar>\d+(?:,\d{3})*(?:\.\d+)?)(?P<unit>[万亿]{0,2})"
    r"|(?P<cn>[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+[万亿]{0,2})?)"
)
_UNITS = {"万": 10_000, "亿": 100_000_000}


def zh_numbers(text: str) -> list[Mention]:
    out = []
    for m in _ZH_NUMBER.finditer(text):
        if m.group("ar"):
            base = float(m.group("ar").replace(",", ""))
            scale = 1
            for c in m.group("unit"):
                scale *= _UNITS[c]
            values = {base, base * scale}
        else:
            values = readings(m.group("cn"))
        if values:
            out.append(Mention(m.start(), m.end(), m.group(0), frozenset(_key(v) for v in values)))
    return out


def zh_dates(text: str) -> list[Mention]:
    out = []
    for m in DATE.finditer(text):
        month, day = small_number(m.group("m")), small_number(m.group("d"))
        end = m.start("dateline") if m.group("dateline") else m.end()  # 1月9日讯: the date without 讯
        if month and day and 1 <= month <= 12 and 1 <= day <= 31:
            out.append(Mention(m.start(), end, text[m.start():end], frozenset({(month, day)})))
    for m in NUMERIC.finditer(text):
        month, day = int(m.group("m")), int(m.group("d"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append(Mention(m.start(), m.end(), m.group(0), frozenset({(month, day)})))
    return out


# ------------------------------------------------------------------ English
MONTHS = {m: i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], 1)}
_ABBREVIATIONS = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9,
                  "Oct": 10, "Nov": 11, "Dec": 12}
_MONTH_NAMES = {**MONTHS, **_ABBREVIATIONS}
_MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_EN_DATE = re.compile(rf"\b(?P<m1>{_MONTH})\.?\s+{_DAY}\b(?!:)|\b{_DAY}\s+(?P<m2>{_MONTH})\b")
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# a number standing alone: not inside COVID-19, G20, 5G, 3.5.1; "5-year" and "87th" are read
_EN_NUMBER = re.compile(
    r"(?<![\w.,\-])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?:st|nd|rd|th)?"
    r"(?:\s*(?:%|percent|per cent))?(?:\s+(?P<scale>thousand|million|billion|trillion))?"
    r"(?![\w])(?!\.\d)(?!,\d{3})(?!-\d)"
)
_RANGE = re.compile(r"(?<![\w.\-])(\d{4})\s*[-–]\s*(\d{4})(?![\w])")


def en_dates(text: str) -> list[Mention]:
    out = []
    for m in _EN_DATE.finditer(text):
        month = _MONTH_NAMES[m.group("m1") or m.group("m2")]
        day = int(m.group(2) if m.group("m1") else m.group(3))
        if 1 <= day <= 31:
            out.append(Mention(m.start(), m.end(), m.group(0), frozenset({(month, day)})))
    for m in _ISO.finditer(text):
        month, day = int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append(Mention(m.start(), m.end(), m.group(0), frozenset({(month, day)})))
    return out


def en_numbers(text: str) -> list[Mention]:
    """Numbers in English text, dates excluded (a date's year is a number: 'March 10, 2021' -> 2021)."""
    blanked = text
    for d in en_dates(text):
        if _ISO.fullmatch(d.text):  # 2021-03-10: the year still counts
            year_end = d.start + 4
            blanked = blanked[:year_end] + " " * (d.end - year_end) + blanked[d.end:]
        else:
            blanked = blanked[:d.start] + " " * (d.end - d.start) + blanked[d.end:]
    out = []
    for m in _RANGE.finditer(blanked):  # 2021-2025: both ends
        for g in (1, 2):
            out.append(Mention(m.start(g), m.end(g), m.group(g), frozenset({_key(float(m.group(g)))})))
    for m in _EN_NUMBER.finditer(blanked):
        base = float(m.group("num").replace(",", "") + (m.group("frac") or ""))
        # "3.5 billion" means 3500000000 only (it must not pass on the 3.5 of 三点五亿 = 350 million)
        values = {base * _SCALE[m.group("scale")]} if m.group("scale") else {base}
        out.append(Mention(m.start(), m.end(), text[m.start():m.end()], frozenset(_key(v) for v in values)))
    return sorted(out, key=lambda x: x.start)


# ------------------------------------------------------------------ a source's facts
def _values(mentions: list[Mention]) -> set:
    return {v for m in mentions for v in m.values}


class SourceFacts:
    """Numbers and dates of a document, per sentence and overall (computed once per document)."""

    def __init__(self, sentences: list[str]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.numbers_of = [_values(zh_numbers(s)) for s in sentences]
            self.dates_of = [_values(zh_dates(s)) for s in sentences]
        self.sentences = sentences
        self.numbers = set().union(*self.numbers_of) if sentences else set()
        self.dates = set().union(*self.dates_of) if sentences else set()
        # value -> sentence indexes stating it, in order (built once: a lookup must not scan the document)
        self._where: tuple[dict, dict] = ({}, {})
        for table, where in ((self.numbers_of, self._where[0]), (self.dates_of, self._where[1])):
            for i, values in enumerate(table):
                for value in values:
                    where.setdefault(value, []).append(i)

    def where(self, value, dates: bool = False) -> list[int]:
        """0-based indexes of the sentences stating ``value``, in order."""
        return self._where[1 if dates else 0].get(value, [])

    def nearest(self, values, near: list[int], dates: bool = False, count: int = 2) -> list[int]:
        """The ``count`` sentences stating one of ``values`` nearest to the positions ``near`` (the first
        ones when ``near`` is empty); a few bisections per value, whatever the document's length."""
        found: set[int] = set()
        for value in values:
            where = self.where(value, dates)
            if not near:
                found.update(where[:count])
            for at in near:
                k = bisect.bisect_left(where, at)
                found.update(where[max(0, k - count): k + count])
        return sorted(found, key=lambda i: (min((abs(i - c) for c in near), default=0), i))[:count]
