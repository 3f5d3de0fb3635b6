"""Meeting metadata: date, ordinal, convening body, kind and chair.

The meeting is read from the sentence that convenes it (…主持召开县政府第87次常务会议, 2月28日，
山阳县召开…视频会议), falling back to the title. The body's English comes from
``data/bodies.tsv`` and the place the report is about; the kind from ``data/meeting_kinds.tsv``.
Numerals and dates are read by :mod:`summarizer.zh`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ..ingest.script import to_simplified
from ..zh.dates import DateHit, find_dates, format_date, publication_date, year_for
from ..zh.numerals import to_int
from .entities import listed_place, divisions, home_place, plausible_stem
from .glossary import levels, packaged_table
from .model import Rendering
from .romanize import known_places, romanize_place, romanize_stem

if TYPE_CHECKING:
    from ..ingest import Document
    from .glossary import Glossary

_NUM = r"[0-9０-９一二三四五六七八九十百千零〇○两]+"
_YEAR = r"\d{4}|[〇○零一二三四五六七八九]{4}"
# 第87次, 2018年第八次, and the 届-次 form without 第: 五届104次, 二届一三一次 (digit by digit)
ORDINAL = re.compile(rf"(?:(?P<year>{_YEAR})\s*年度?\s*)?第\s*(?P<n>{_NUM})\s*次|届\s*(?P<n2>{_NUM})\s*次")
TERM = re.compile(rf"(?P<n>{_NUM})\s*届")
_NAMED_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
CONVENE = re.compile(r"(召开|举行|举办)了?")
_CLAUSE_END = "，,。；;：:！？!?"
_BODY_LEVELS = "省市州县区旗盟镇乡"


def parse_ordinal(text: str) -> int | None:
    """第87次 -> 87, 第二十六次 -> 26, 2018年第八次 -> 8, 五届人民政府第79次 -> 79."""
    m = ORDINAL.search(text)
    return to_int(m.group("n") or m.group("n2")) if m else None


def ordinal_year(text: str) -> int | None:
    """2018年第八次 -> 2018 (the year the meetings are counted in)."""
    m = ORDINAL.search(text)
    return to_int(m.group("year")) if m and m.group("year") else None


def parse_term(text: str) -> int | None:
    """区五届人民政府 -> 5, 十四届县委 -> 14."""
    m = TERM.search(text)
    return to_int(m.group("n")) if m else None


# ------------------------------------------------------------------ the meeting phrase
@cache
def _bodies() -> dict[str, str]:
    rows = packaged_table("bodies.tsv", ("zh", "en", "note"))
    return {r["zh"]: r["en"] for r in sorted(rows, key=lambda r: -len(r["zh"]))}


@cache
def _kinds() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(r["pattern"]), r["kind"]) for r in packaged_table("meeting_kinds.tsv", ("pattern", "kind", "note"))]


@cache
def _body_pattern(anchored: bool) -> re.Pattern:
    orgs = "|".join(re.escape(o) for o in _bodies())
    org = f"(?P<org>{orgs})" + ("?$" if anchored else "")
    return re.compile(rf"(?P<level>[{_BODY_LEVELS}])(?:(?P<term>{_NUM})届)?{org}")


@dataclass(frozen=True)
class Body:
    zh: str  # as written, without the term: 县政府, 区人民政府, 山阳县
    level: str
    org: str  # '' for a place alone (山阳县召开…)
    stem: str | None  # the place written before the level, if any


def _stem_before(text: str, pos: int, level: str) -> str | None:
    """The place name right before a body's level (泸溪 in 泸溪县人民政府), or None when the
    characters there are not one (研究 in 研究县政府): county level and up must be a listed division."""
    for size in (4, 3):
        stem = text[max(pos - size, 0):pos]
        if len(stem) == size and (stem in known_places() or stem + level in divisions()):
            return stem
    stem = text[max(pos - 2, 0):pos]
    return stem if len(stem) == 2 and plausible_stem(stem) and listed_place(stem, level) else None


def parse_body(pre: str, name: str) -> Body | None:
    """The convening body in the meeting's name (召开县政府第87次…) or right before 召开
    (区人民政府召开…, 山阳县召开…)."""
    m = _body_pattern(False).search(name)
    text = name
    if m is None:
        m = _body_pattern(True).search(pre)
        text = pre
    if m is None:
        return None
    stem = _stem_before(text, m.start(), m.group("level"))
    org = m.group("org") or ""
    if not org and not stem:
        return None
    zh = (stem or "") + m.group("level") + org
    return Body(zh, m.group("level"), org, stem)


def body_english(body: Body, place: tuple[str, str | None] | None, glossary: "Glossary") -> str:
    """区人民政府 -> Dongchuan District People's Government when the report is about 东川区;
    the place written in the body itself (山阳县, 泸溪县人民政府) comes first."""
    if not body.org:
        return romanize_place(body.zh, glossary)
    stem = body.stem or (place[0] if place and place[1] == body.level else None)
    level = levels()[body.level]
    where = f"{romanize_stem(stem, glossary)} {level.adjective}" if stem else level.adjective
    return _bodies()[body.org].format(place=where)


def meeting_kind(text: str) -> str:
    for pattern, kind in _kinds():
        if pattern.search(text):
            return kind
    return "other"


@dataclass(frozen=True)
class Convening:
    sentence_id: int
    at: int  # where 召开 stands in the sentence
    pre: str  # the clause before 召开
    name: str  # the clause after it: 县政府第87次常务会议


# "2018年第八次县委常委会会议于3月5日召开": the meeting named before 召开, then 于/在 ...
_NAMED_BEFORE = re.compile(r"(?P<name>.*?(?:会议|会|学习))[于在].*$")


def _convening(text: str, sid: int) -> Convening | None:
    for m in CONVENE.finditer(text):
        end = m.end()
        while end < len(text) and text[end] not in _CLAUSE_END:
            end += 1
        start = m.start()
        while start > 0 and text[start - 1] not in _CLAUSE_END:
            start -= 1
        pre, name = text[start:m.start()], text[m.end():end]
        if re.search(r"会|学习", name):
            return Convening(sid, m.start(), pre, name)
        before = _NAMED_BEFORE.match(pre)
        if before:
            return Convening(sid, m.start(), "", before.group("name"))
        if re.search(r"(会议|会)\s*$", pre) and not name.strip():  # 十七届县人民政府第80次常务会议召开。
            return Convening(sid, m.start(), "", pre)
    return None


# how far into the body the convening sentence may stand (a page's navigation lines come first)
CONVENING_WITHIN = 15


def find_convening(doc: "Document") -> list[Convening]:
    """Sentences that convene the meeting: body sentences first, then the title."""
    body = [s for s in doc.sentences if s.text != doc.title]
    title = [s for s in doc.sentences if s.text == doc.title]
    found = []
    for s in body[:CONVENING_WITHIN] + title:
        c = _convening(s.simplified, s.id)
        if c is not None:
            found.append(c)
    return found


# ------------------------------------------------------------------ all together
def meeting_date(doc: "Document", convening: list[Convening]) -> DateHit | None:
    """The date in the convening sentence, nearest before 召开; else the first date (not a
    dateline) in the first sentences."""
    for c in convening:
        hits = [d for d in find_dates(doc.sentences[c.sentence_id - 1].simplified) if not d.dateline]
        before = [d for d in hits if d.start < c.at]
        if before:
            return before[-1]
        if hits:
            return hits[0]
    for s in doc.sentences[:4]:
        hits = [d for d in find_dates(s.simplified) if not d.dateline]
        if hits:
            return hits[0]
    return None


class _Fields:
    """The meeting's fields as they are found (some fill in what others left out)."""

    def __init__(self):
        self.date = self.year = self.number = self.term = None
        self.body_zh = self.body_en = self.place = self.meeting_zh = None
        self.kind = "other"


def meeting_metadata(doc: "Document", glossary: "Glossary") -> dict:
    """The meeting's fields of :class:`Facts` (date, year, number, term, body, kind, place, how the report
    names it); the people, the chair among them, are found by ``entities``."""
    facts = _Fields()
    convening = find_convening(doc)
    body = None
    for c in convening:  # the body sentence first, then the title fills what it left out
        facts.meeting_zh = facts.meeting_zh or c.name
        if facts.number is None:
            facts.number = parse_ordinal(c.name) or parse_ordinal(c.pre)
        body = body or parse_body(c.pre, c.name)
        facts.term = facts.term or parse_term(c.name) or parse_term(c.pre)
    place = home_place(doc, body.level if body else None, glossary)
    if place is not None and place[1] is not None:
        zh = place[0] + place[1]
        facts.place = Rendering(zh, romanize_place(zh, glossary), "place")
    if body is not None:
        facts.body_zh = body.zh
        facts.body_en = body_english(body, place, glossary)
    if convening:
        first = convening[0]
        facts.kind = meeting_kind((body.zh if body else "") + first.name)
        if facts.kind == "other" and len(convening) > 1:
            facts.kind = meeting_kind("".join(c.name for c in convening))

    hit = meeting_date(doc, convening)
    published = publication_date(to_simplified(doc.original))
    counted_in = next((y for c in convening if (y := ordinal_year(c.name) or ordinal_year(c.pre))), None)
    if hit is not None:
        if hit.year:
            facts.year = hit.year
        elif counted_in:
            facts.year = counted_in
        elif published:
            facts.year = year_for(hit.month, hit.day, published)
        else:  # the year the meeting names, as the last resort: 我县召开2011年三秋…动员会
            named = {int(y) for c in convening for y in _NAMED_YEAR.findall(c.pre + c.name)}
            facts.year = named.pop() if len(named) == 1 else None
        facts.date = format_date(hit.month, hit.day, facts.year)
    else:
        facts.year = counted_in or (published.year if published else None)

    return vars(facts)
