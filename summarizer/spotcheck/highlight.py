"""Anchors between an English claim and its Chinese evidence, for the review page.

The same fact on both sides gets the same anchor number, so the page can highlight both
together: numbers and dates (normalised: 第七十九次 = 79th, 3月10日 = March 10), people
(Li Shunchao = 李顺朝), glossary renderings (rural revitalization = 乡村振兴) and the
deadline phrase of an action (3月10日前). A number, date or name in the English with no
partner in the evidence is marked as a miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checks.numbers import en_dates, en_numbers, zh_dates, zh_numbers
from ..checks.text import pinyin_names
from ..facts.model import Facts
from ..ingest import Document
from ..ingest.script import to_simplified
from ..zh.deadlines import find_deadline


@dataclass(frozen=True)
class Segment:
    text: str
    anchor: int | None = None  # shared by the partners of one fact
    kind: str | None = None  # number | date | name | term | deadline | miss
    title: str | None = None  # tooltip: what the mark matched


@dataclass
class _Span:
    start: int
    end: int
    kind: str
    key: object  # what must match on the other side
    title: str


def _segments(text: str, spans: list[tuple[int, int, int | None, str, str]]) -> list[Segment]:
    """Cut ``text`` at non-overlapping spans (earlier, longer, matched first)."""
    out, cursor = [], 0
    for start, end, anchor, kind, title in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), s[2] is None)):
        if start < cursor:
            continue
        if start > cursor:
            out.append(Segment(text[cursor:start]))
        out.append(Segment(text[start:end], anchor, kind, title))
        cursor = end
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out


def _find_all(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while needle and at >= 0:
        out.append(at)
        at = text.find(needle, at + len(needle))
    return out


_MEASURE = set("个项次年月日号条名人家户所座批届期万亿倍%％元天周岁级类件套台辆次千百十")


def _counts(text: str, start: int, end: int) -> bool:
    """Is a number in Chinese text a quantity? A lone 一 in 进一步 or 统一 is not; 一项, 第一 and digits are."""
    run = text[start:end]
    if len(run) > 1 or run.isdigit():
        return True
    return (end < len(text) and text[end] in _MEASURE) or (start > 0 and text[start - 1] == "第")


def _english_spans(claim: str, facts: Facts | None) -> list[_Span]:
    spans = [_Span(m.start, m.end, "date", v, m.text) for m in en_dates(claim) for v in m.values]
    spans += [_Span(m.start, m.end, "number", v, m.text) for m in en_numbers(claim) for v in m.values]
    if facts is not None:
        lowered = claim.lower()
        people = {p.name_en.lower(): p for p in facts.people}
        for start, end, name in pinyin_names(claim):
            person = people.get(name.lower())
            spans.append(_Span(start, end, "name", person.name_zh if person else None, name))
        for r in facts.renderings():
            if r.kind == "person":
                continue
            for en in (r.en, *r.variants):
                for at in _find_all(lowered, en.lower()):
                    spans.append(_Span(at, at + len(en), "term", to_simplified(r.zh), f"{r.zh} = {r.en}"))
    return spans


@dataclass
class Anchored:
    fields: dict[str, list[Segment]]  # each English field (claim, owner) cut into segments
    evidence: list[list[Segment]]  # one list per evidence sentence
    deadline_anchor: int | None = None  # the anchor of the deadline phrase, when the evidence states one
    in_file: list[str] = field(default_factory=list)  # per evidence sentence: its text in the file where that differs, else ""


def anchors(english: dict[str, str], evidence: list[str], doc: Document | None = None, facts: Facts | None = None,
            action: bool = False) -> Anchored:
    """English fields and evidence cut into segments, the partners of each fact sharing an anchor.
    For an action, the deadline phrase its evidence states is marked too (whether or not the action has it)."""
    spans_of = {name: _english_spans(text, facts) for name, text in english.items() if text}
    every = [e for spans in spans_of.values() for e in spans]
    numbering: dict[tuple[str, object], int] = {}
    evidence_spans: list[list[tuple]] = []
    wanted = {(e.kind, e.key) for e in every} | ({("deadline", "deadline")} if action else set())
    for sentence in evidence:
        simplified = doc.simplified_of(sentence) if doc is not None else to_simplified(sentence)
        if len(simplified) != len(sentence):  # offsets would not carry over to the original script
            evidence_spans.append([])
            continue
        found: list[_Span] = []
        found += [_Span(m.start, m.end, "date", v, m.text) for m in zh_dates(simplified) for v in m.values]
        found += [_Span(m.start, m.end, "number", v, m.text) for m in zh_numbers(simplified) for v in m.values
                  if _counts(simplified, m.start, m.end)]
        for key in {e.key for e in every if e.kind in ("name", "term") and e.key}:
            kind = next(e for e in every if e.key == key and e.kind in ("name", "term"))
            found += [_Span(at, at + len(key), kind.kind, key, kind.title) for at in _find_all(simplified, key)]
        if action:
            stated = find_deadline(simplified, facts.year if facts else None)
            if stated and stated.text_zh:
                found += [_Span(at, at + len(stated.text_zh), "deadline", "deadline", f"deadline: {stated.text_en}")
                          for at in _find_all(simplified, stated.text_zh)]
        spans = []
        for f in found:
            if (f.kind, f.key) in wanted:
                n = numbering.setdefault((f.kind, f.key), len(numbering) + 1)
                spans.append((f.start, f.end, n, f.kind, f.title))
        evidence_spans.append(spans)
    fields = {}
    for name, text in english.items():
        marks = []
        for e in spans_of.get(name, []):
            n = numbering.get((e.kind, e.key))
            if n is not None:
                marks.append((e.start, e.end, n, e.kind, e.title))
            elif e.kind in ("number", "date", "name"):
                marks.append((e.start, e.end, None, "miss", f"'{e.title}' is not in the evidence"))
        fields[name] = _segments(text or "", marks)
    found = [doc.sentence_with(s) for s in evidence] if doc is not None else []
    in_file = [doc.in_file(f) if f is not None else "" for f in found]
    return Anchored(fields, [_segments(s, sp) for s, sp in zip(evidence, evidence_spans)],
                    numbering.get(("deadline", "deadline")), [f if f != s else "" for f, s in zip(in_file, evidence)])
