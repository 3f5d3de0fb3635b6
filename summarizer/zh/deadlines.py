"""Deadlines and recurrences stated in a Chinese source sentence, read without a model.

A deadline is a fact, so the tool owns it: it reads the phrase from the evidence
sentence (3月10日前 -> 2021-03-10 with the meeting's year, 每月 -> monthly, 年底前 -> by
the end of the year) and writes its English itself. A model's deadline text that names a
date the sentence does not state is dropped (see ``generate._deadline``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from .dates import SMALL
from .numerals import small_number

_NUM = rf"({SMALL})"  # a month or a day, as zh.dates reads it
_DATE = re.compile(rf"(?:(?P<year>\d{{4}})年)?(?P<month>{_NUM})月(?:(?P<day>{_NUM})[日号]|(?P<end>底|末|中旬|上旬|下旬))")
_BEFORE = re.compile(r"^\s*(前|之前|以前|为止|内|止)")
# phrases without a calendar date: (pattern, English)
_PHRASES = [
    (re.compile(r"(?<![\d〇零一二三四五六七八九十两])年底前|年内|年底"), "by the end of the year"),
    (re.compile(r"春节前"), "before the Spring Festival"),
    (re.compile(r"(?<![\d〇零一二三四五六七八九十两多])年前(?!后)"), "before the Lunar New Year"),
    (re.compile(r"月底前"), "by the end of the month"),
    (re.compile(r"尽快|尽早"), "as soon as possible"),
    (re.compile(r"限期"), "within a set time limit"),
]
_RECURRENCE = [
    (re.compile(r"每日|每天|日报"), "daily"),
    (re.compile(r"每周|每星期|周报"), "weekly"),
    (re.compile(r"每月|月报|按月"), "monthly"),
    (re.compile(r"每季度|季报|按季"), "quarterly"),
    (re.compile(r"每年|年报|按年"), "yearly"),
]
_REGULARLY = re.compile(r"定期")
# a sentence that may set a deadline (finding assignments): cheaper and wider than find_deadline
HINT = re.compile(r"于[^，。；]{1,14}前|[^，。；]{0,6}前完成|每月|每周|每季度|限期|年底前|月底前|年内|年前")
_YEAR_DONE = re.compile(r"(?P<year>\d{4})年(底前|内|前|底)?(全面|基本|全部)?完成")


@dataclass(frozen=True)
class SourceDeadline:
    text_en: str  # the tool's English for what the sentence states
    date: str | None  # YYYY-MM-DD, only when the source states a day and a year is known
    month_day: str | None  # MM-DD as stated, even without a year
    recurrence: str | None
    text_zh: str | None  # the phrase as written


def _calendar_deadline(sentence: str, year: int | None) -> tuple[str, str | None, str, str] | None:
    """(English, YYYY-MM-DD or None, MM-DD, phrase) for 'X月X日前' / 'X月底前' and the like."""
    for m in _DATE.finditer(sentence):
        before = _BEFORE.match(sentence[m.end():])
        if not (m.group("end") or before):
            continue  # a date, but not a deadline (e.g. the meeting date)
        month = small_number(m.group("month"))
        if not month or not 1 <= month <= 12:
            continue
        use_year = int(m.group("year")) if m.group("year") else year
        end = m.group("end")
        if m.group("day"):
            day = small_number(m.group("day"))
            english = f"by {calendar.month_name[month]} {day}"
        elif end in ("底", "末", "下旬"):
            day = 29 if month == 2 and calendar.isleap(use_year or 2001) else calendar.monthrange(2001, month)[1]
            english = f"by the end of {calendar.month_name[month]}"
        else:
            day = 20 if end == "中旬" else 10
            english = f"by the {'middle' if end == '中旬' else 'first third'} of {calendar.month_name[month]}"
        if not day or not 1 <= day <= 31:
            continue
        if m.group("year"):
            english += f", {m.group('year')}"
        month_day = f"{month:02d}-{day:02d}"
        phrase = sentence[m.start(): m.end() + (len(before.group(0)) if before else 0)]
        return english, (f"{use_year:04d}-{month_day}" if use_year else None), month_day, phrase
    return None


def find_deadline(sentence: str, year: int | None) -> SourceDeadline | None:
    """The deadline and/or recurrence a (Simplified) sentence states, or None."""
    recurrence = next((name for pattern, name in _RECURRENCE if pattern.search(sentence)), None)
    found = _calendar_deadline(sentence, year)
    if found:
        english, date, month_day, phrase = found
        if recurrence:
            english += f"; {recurrence}"
        return SourceDeadline(english, date, month_day, recurrence, phrase)
    m = _YEAR_DONE.search(sentence)
    if m:
        english = f"by the end of {m.group('year')}" + (f"; {recurrence}" if recurrence else "")
        return SourceDeadline(english, None, None, recurrence, m.group(0))
    for pattern, english in _PHRASES:
        m = pattern.search(sentence)
        if m:
            if recurrence:
                english += f"; {recurrence}"
            return SourceDeadline(english, None, None, recurrence, m.group(0))
    if recurrence:
        return SourceDeadline(recurrence, None, None, recurrence, None)
    m = _REGULARLY.search(sentence)
    if m:
        return SourceDeadline("regularly", None, None, None, m.group(0))
    return None
