"""Split cleaned text into sentences with exact offsets.

Boundaries: 。！？； (and their ASCII forms) with any closing quotes/brackets that follow,
and line breaks. A sentence longer than ``MAX_CHARS`` is cut at its last comma before the
limit (or hard at the limit) so every sentence can be cited and fits a token budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 400
_END = "。！？；!?;"
_CLOSERS = "”’」』）)】》\"'"
_BOUNDARY = re.compile(rf"[{re.escape(_END)}]+[{re.escape(_CLOSERS)}]*|\n")
_SOFT = re.compile(r"[，,、：:]")
_CONTENT = re.compile(r"[\w\u3400-\u9fff]")
# section headings: 一、 二、 (一) （二） 1. 第一, and the 会议指出/强调/要求 paragraphs of readouts
HEADING = re.compile(r"^\s*([一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）]|\d{1,2}[、.．]\s*\S|第[一二三四五六七八九十]{1,3}[，,、部])")
TOPIC_OPENER = re.compile(r"^\s*(会议(指出|强调|要求|认为|决定|听取|审议|研究|传达|同意)|关于)")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    paragraph: int


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    while end - start > MAX_CHARS:
        window = text[start:start + MAX_CHARS]
        cut = max((m.end() for m in _SOFT.finditer(window) if m.end() > MAX_CHARS // 3), default=MAX_CHARS)
        out.append((start, start + cut))
        start += cut
    out.append((start, end))
    return out


def split_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    paragraph = 0
    cursor = 0
    for m in _BOUNDARY.finditer(text + "\n"):
        end = min(m.end(), len(text))
        start, stop = _trim(text, cursor, end)
        if start < stop and _CONTENT.search(text, start, stop):
            for s, e in _cut_long(text, start, stop):
                s, e = _trim(text, s, e)
                if s < e:
                    spans.append(Span(s, e, paragraph))
        elif start < stop and spans:  # stray punctuation: attach to the previous sentence
            last = spans[-1]
            spans[-1] = Span(last.start, stop, last.paragraph)
        if m.group() == "\n":
            paragraph += 1
        cursor = end
    return spans
