"""Dates in Chinese text: 3月10日, 三月十日, 2021年3月10日, and a web page's publication stamp."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .numerals import small_number, to_int

_YEAR = r"\d{4}|[〇○零一二三四五六七八九]{4}"
SMALL = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
DATE = re.compile(
    rf"(?:(?P<y>{_YEAR})\s*年\s*)?(?P<m>{SMALL})\s*月\s*"
    rf"(?P<d>{SMALL})\s*[日号](?P<dateline>讯|电)?"
)
# a publication stamp in the page around the report: "2021-01-09 20:06:31", "(发布于:2024-05-13 09:02)"
STAMP = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)")
STAMP_TIME = re.compile(r"\s*日?\s*\d{1,2}:\d{2}")
STAMP_LABEL = re.compile(r"发布|发表|时间|日期|来源|更新|稿源")
# a numeric date in the text: 2021-03-10, 2021/3/10, 2021.3.10
NUMERIC = re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")


@dataclass(frozen=True)
class DateHit:
    month: int
    day: int
    year: int | None
    start: int
    end: int
    dateline: bool  # 1月9日讯: the date of the news item, not of the meeting


def find_dates(text: str) -> list[DateHit]:
    out = []
    for m in DATE.finditer(text):
        month, day = small_number(m.group("m")), small_number(m.group("d"))
        year = to_int(m.group("y")) if m.group("y") else None
        try:
            dt.date(year or 2000, month or 0, day or 0)  # 2000 is a leap year: 2月29日 stays valid
        except ValueError:
            continue
        out.append(DateHit(month, day, year, m.start(), m.end(), bool(m.group("dateline"))))
    return out


def format_date(month: int, day: int, year: int | None = None) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"


def publication_date(page: str) -> dt.date | None:
    """The first publication stamp of a page in Simplified script (a byline date with a time or a label)."""
    for line in page.splitlines():
        for m in STAMP.finditer(line):
            if STAMP_TIME.match(line, m.end()) or STAMP_LABEL.search(line, 0, m.start()):
                try:
                    return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
                except ValueError:
                    continue
    return None


def year_for(month: int, day: int, published: dt.date) -> int:
    """The year of a month-day that happened on or before ``published``."""
    return published.year if (month, day) <= (published.month, published.day) else published.year - 1


