"""Split cleaned text into sentences with exact offsets.

Chinese: boundaries are 。！？； (and ASCII ``;``) with any closing quotes/brackets that
follow, ASCII ``!``/``?`` when they end a sentence (not the ``?`` left where a character
was lost, which is glued to the next character), and line breaks of every kind
(``str.splitlines``). English: sentencex (abbreviations, decimals, initials) within each
line. A sentence longer than ``MAX_CHARS`` is cut at its last comma before the limit (or
its last space, or hard at the limit) so every sentence can be cited and fits a budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sentencex

MAX_CHARS = 400
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on
_CLOSERS = "”’」』）)】》\"'"
_BOUNDARY = re.compile(rf"(?:[。！？；;]|[!?](?![\w^~]))+[{re.escape(_CLOSERS)}]*|[{LINE_BREAKS}]")
_LINE = re.compile(rf"[^{LINE_BREAKS}]+")
_SOFT = re.compile(r"[，,、：:；;]")
_SPACE = re.compile(r"\s")
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
        cut = max((m.end() for m in _SOFT.finditer(window) if m.end() > MAX_CHARS // 3), default=0)
        if not cut:
            cut = max((m.end() for m in _SPACE.finditer(window) if m.end() > MAX_CHARS // 3), default=MAX_CHARS)
        out.append((start, start + cut))
        start += cut
    out.append((start, end))
    return out


def _pieces(text: str, language: str):
    """``(start, end, new_paragraph_after)`` candidate sentences, in order."""
    if language == "en":
        for line in _LINE.finditer(text):
            base = line.start()
            body = line.group()
            bounds = list(sentencex.get_sentence_boundaries("en", body))
            if bounds and all(body[b["start_index"]:b["end_index"]] == b["text"] for b in bounds):
                for b in bounds:
                    yield base + b["start_index"], base + b["end_index"], False
            else:  # offsets not as documented: fall back to the punctuation rule for this line
                yield from ((base + s, base + e, False) for s, e, _ in _pieces(body, "zh"))
            yield line.end(), line.end(), True
        return
    cursor = 0
    for m in _BOUNDARY.finditer(text):
        yield cursor, m.end(), m.group() in LINE_BREAKS
        cursor = m.end()
    yield cursor, len(text), False


def split_spans(text: str, language: str = "zh") -> list[Span]:
    """Sentences of ``text`` as offsets; ``language`` "en" uses English sentence rules."""
    spans: list[Span] = []
    paragraph = 0
    for cursor, end, breaks in _pieces(text, language):
        start, stop = _trim(text, cursor, end)
        if start < stop and _CONTENT.search(text, start, stop):
            for s, e in _cut_long(text, start, stop):
                s, e = _trim(text, s, e)
                if s < e:
                    spans.append(Span(s, e, paragraph))
        elif start < stop and spans and spans[-1].paragraph == paragraph:
            last = spans[-1]  # stray punctuation: attach to the previous sentence of the paragraph
            spans[-1] = Span(last.start, stop, last.paragraph)
        if breaks:
            paragraph += 1
    return spans
