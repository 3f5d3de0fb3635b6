"""Deadlines and recurrences stated in a Chinese source sentence, read without a model.

The model writes the English deadline text; the tool reads the date itself from the
evidence sentence (3月10日前 -> 2021-03-10 with the meeting's year) so a date in the
output is always one the source states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}


def cn_small_number(text: str) -> int | None:
    """1-99 written in Arabic or Chinese numerals (月/日 values)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS for c in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return value if len(ones) <= 1 and len(tens) <= 1 else None


_NUM = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE = re.compile(rf"(?:(?P<year>\d{{4}})年)?(?P<month>{_NUM})月(?:(?P<day>{_NUM})[日号]|(?P<end>底|末|中旬|上旬|下旬))")
_BEFORE = re.compile(r"^\s*(前|之前|以前|底前|为止|内|完成|截止|止)")
_MONTH_END = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_RECURRENCE = [
    (re.compile(r"每日|每天|日报"), "daily"),
    (re.compile(r"每周|每星期|周报"), "weekly"),
    (re.compile(r"每月|月报|按月"), "monthly"),
    (re.compile(r"每季度|季报|按季"), "quarterly"),
    (re.compile(r"每年|年报|按年"), "yearly"),
]


@dataclass(frozen=True)
class SourceDeadline:
    date: str | None  # YYYY-MM-DD, only when the source states it and a year is known
    month_day: str | None  # MM-DD as stated, even without a year
    recurrence: str | None
    text_zh: str | None  # the phrase as written


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def find_deadline(sentence: str, year: int | None) -> SourceDeadline | None:
    """The deadline a sentence states (a date followed by 前/底前/内…), and any recurrence."""
    recurrence = next((name for pattern, name in _RECURRENCE if pattern.search(sentence)), None)
    date = month_day = phrase = None
    for m in _DATE.finditer(sentence):
        tail = sentence[m.end():]
        if not (m.group("end") or _BEFORE.match(tail)):
            continue  # a date, but not a deadline (e.g. the meeting date)
        month = cn_small_number(m.group("month"))
        if not month or not 1 <= month <= 12:
            continue
        if m.group("day"):
            day = cn_small_number(m.group("day"))
        elif m.group("end") in ("底", "末", "下旬"):
            y = int(m.group("year") or year or 2001)
            day = 29 if month == 2 and _leap(y) else _MONTH_END[month]
        elif m.group("end") == "中旬":
            day = 20
        else:  # 上旬
            day = 10
        if not day or not 1 <= day <= 31:
            continue
        use_year = int(m.group("year")) if m.group("year") else year
        month_day = f"{month:02d}-{day:02d}"
        date = f"{use_year:04d}-{month_day}" if use_year else None
        phrase = sentence[m.start(): m.end() + len(_BEFORE.match(tail).group(0)) if _BEFORE.match(tail) else m.end()]
        break
    if not (date or month_day or recurrence):
        return None
    return SourceDeadline(date=date, month_day=month_day, recurrence=recurrence, text_zh=phrase)
