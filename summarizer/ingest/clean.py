"""Remove web boilerplate and converter debris by deleting spans of the original text.

Cleaning never rewrites text: it computes spans to delete, so every character of the
cleaned text is a character of the original and :class:`OffsetMap` maps cleaned offsets
back exactly. The boilerplate rules are data (``data/boilerplate.toml``).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from pypinyin import Style, pinyin

from .script import to_simplified

_RULES_FILE = "boilerplate.toml"
SCOPES = {"line", "tail", "sentence", "span", "after"}
_SENTENCE_END = "。！？!?"


@dataclass(frozen=True)
class Rule:
    name: str
    scope: str
    pattern: re.Pattern
    after: re.Pattern | None = None
    example: str | None = None
    keep: str | None = None


@cache
def load_rules() -> tuple[Rule, ...]:
    raw = tomllib.loads(resources.files(__package__).joinpath("data", _RULES_FILE).read_text(encoding="utf-8"))
    rules = []
    for entry in raw["rules"]:
        if entry["scope"] not in SCOPES:
            raise ValueError(f"boilerplate rule {entry['name']}: unknown scope {entry['scope']!r}")
        rules.append(
            Rule(
                name=entry["name"],
                scope=entry["scope"],
                pattern=re.compile(entry["pattern"], re.IGNORECASE),
                after=re.compile(entry["after"]) if "after" in entry else None,
                example=entry.get("example"),
                keep=entry.get("keep"),
            )
        )
    return tuple(rules)


@dataclass
class OffsetMap:
    """Kept segments ``(clean_start, orig_start, length)`` in order."""

    segments: list[tuple[int, int, int]] = field(default_factory=list)

    def to_original(self, pos: int) -> int:
        """Offset in the original text of the character at cleaned offset ``pos``."""
        if not self.segments:
            return pos
        starts = [s[0] for s in self.segments]
        i = max(bisect.bisect_right(starts, pos) - 1, 0)
        clean_start, orig_start, length = self.segments[i]
        if pos - clean_start > length:  # past the end: clamp to the end of the last segment
            return orig_start + length
        return orig_start + (pos - clean_start)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            o = self.to_original(start)
            return o, o
        return self.to_original(start), self.to_original(end - 1) + 1


@dataclass
class Removal:
    start: int
    end: int
    rule: str


@dataclass
class Cleaned:
    original: str
    text: str
    offsets: OffsetMap
    removals: list[Removal]
    flags: list[str]


# ------------------------------------------------------------------ pinyin annotations
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_ANNOTATION = re.compile(r"(?P<han>[\u4e00-\u9fff])[(（](?P<py>[a-zü" + _TONED + r"]{1,7})[)）]", re.IGNORECASE)


@cache
def _readings(char: str) -> frozenset[str]:
    out = set()
    for style in (Style.TONE, Style.NORMAL):
        for group in pinyin(char, style=style, heteronym=True, errors="ignore"):
            out.update(r.lower() for r in group)
    return frozenset(out)


def _is_reading(char: str, annotation: str) -> bool:
    annotation = annotation.lower()
    readings = _readings(char)
    if readings:
        return annotation in readings or annotation.replace("v", "ü") in readings
    # unknown character: accept a single syllable carrying a tone mark
    return any(c in _TONED for c in annotation) and len(annotation) <= 6


def pinyin_annotations(text: str) -> list[tuple[int, int]]:
    """Spans of ``(wù)``-style readings injected after a character by some converters."""
    return [
        (m.start("han") + 1, m.end())
        for m in _ANNOTATION.finditer(text)
        if _is_reading(m.group("han"), m.group("py"))
    ]


# ------------------------------------------------------------------ rule application
def _lines(text: str):
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line
        pos += len(line)


def _sentence_bounds(line: str, at: int) -> tuple[int, int]:
    start = at
    while start > 0 and line[start - 1] not in _SENTENCE_END:
        start -= 1
    end = at
    body = line.rstrip("\r\n")
    while end < len(body) and body[end] not in _SENTENCE_END:
        end += 1
    if end < len(body):
        end += 1
    return start, end


def _rule_spans(text: str, rules: tuple[Rule, ...]) -> list[Removal]:
    spans: list[Removal] = []
    previous_content_line = ""
    for pos, line in _lines(text):
        body = line.rstrip("\r\n")
        whole = False
        for rule in rules:
            if rule.scope == "after":
                if rule.after.search(previous_content_line) and rule.pattern.search(body):
                    spans.append(Removal(pos, pos + len(line), rule.name))
                    whole = True
                    break
                continue
            for m in rule.pattern.finditer(body):
                if rule.scope == "line":
                    spans.append(Removal(pos, pos + len(line), rule.name))
                    whole = True
                elif rule.scope == "tail":
                    spans.append(Removal(pos + m.start(), pos + len(body), rule.name))
                elif rule.scope == "sentence":
                    s, e = _sentence_bounds(line, m.start())
                    spans.append(Removal(pos + s, pos + e, rule.name))
                elif m.end() > m.start():  # span
                    spans.append(Removal(pos + m.start(), pos + m.end(), rule.name))
                if whole or rule.scope == "tail":
                    break
            if whole:
                break
        if body.strip():
            previous_content_line = body
    return spans


def _merge(spans: list[Removal]) -> list[Removal]:
    merged: list[Removal] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Removal(merged[-1].start, span.end, merged[-1].rule)
        else:
            merged.append(span)
    return merged


def _apply(text: str, removals: list[Removal]) -> tuple[str, OffsetMap]:
    pieces, segments = [], []
    cursor = clean_len = 0
    for r in removals:
        if r.start > cursor:
            pieces.append(text[cursor:r.start])
            segments.append((clean_len, cursor, r.start - cursor))
            clean_len += r.start - cursor
        cursor = max(cursor, r.end)
    if cursor < len(text):
        pieces.append(text[cursor:])
        segments.append((clean_len, cursor, len(text) - cursor))
    return "".join(pieces), OffsetMap(segments)


def clean_text(text: str, rules: tuple[Rule, ...] | None = None) -> Cleaned:
    """Delete boilerplate lines/spans, pinyin annotations and blank lines from ``text``."""
    rules = load_rules() if rules is None else rules
    annotations = [Removal(s, e, "pinyin_annotation") for s, e in pinyin_annotations(text)]
    # rules are written in Simplified and must see 發布于 as 发布于 and 發(fā)布 as 發布:
    # match them on an annotation-free, same-length Simplified projection, then map back
    stage, stage_map = _apply(text, annotations)
    probe = _simplified_projection(stage)
    removals = annotations + [
        Removal(*stage_map.span_to_original(r.start, r.end), r.rule) for r in _rule_spans(probe, rules)
    ]
    merged = _merge(removals)
    # lines left holding only whitespace (blank, or emptied by a rule) go too
    merged = _merge(merged + _blank_lines_after(text, merged))
    cleaned, offsets = _apply(text, merged)
    flags = []
    if "??" in cleaned or "\ufffd" in cleaned:
        flags.append("lost_characters: '??' or U+FFFD in the text; a character was lost in conversion "
                     "(left as is, not guessed)")
    return Cleaned(original=text, text=cleaned, offsets=offsets, removals=merged, flags=flags)


def _simplified_projection(text: str) -> str:
    """``text`` in Simplified characters, character for character (same length)."""
    out = []
    for line in text.splitlines(keepends=True):
        converted = to_simplified(line)
        if len(converted) != len(line):  # a phrase conversion changed the length
            converted = "".join(c if len(t := to_simplified(c)) != 1 else t for c in line)
        out.append(converted)
    return "".join(out)


def _blank_lines_after(text: str, removals: list[Removal]) -> list[Removal]:
    """Lines of the original whose surviving characters are all whitespace."""
    out = []
    idx = 0
    for pos, line in _lines(text):
        end = pos + len(line)
        kept = []
        cursor = pos
        while idx < len(removals) and removals[idx].end <= pos:
            idx += 1
        j = idx
        while j < len(removals) and removals[j].start < end:
            r = removals[j]
            if r.start > cursor:
                kept.append(text[cursor:r.start])
            cursor = max(cursor, r.end)
            j += 1
        if cursor < end:
            kept.append(text[cursor:end])
        if not "".join(kept).strip():
            out.append(Removal(pos, end, "blank"))
    return out
