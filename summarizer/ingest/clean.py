"""Remove web boilerplate and converter debris by deleting spans of the original text.

Cleaning never rewrites text: it computes spans to delete, so every character of the
cleaned text is a character of the original and :class:`OffsetMap` maps cleaned offsets
back exactly. The boilerplate rules are data (``data/boilerplate.toml``); what is built in
here is only what a regular expression cannot decide:

- ``pinyin_annotation``: ``務(wù)``-style readings that some converters inject after each
  character. Deleted only when the syllable is a reading of the character before it (or,
  after converter debris such as ``?``/``^``, a tone-marked syllable of the pinyin
  inventory); ``（试行）`` or ``(撰稿人:…)`` are never readings.
- ``pinyin_debris``: the remains of an annotation whose character and ``(`` were lost
  (``?yún)``): the tone-marked syllable and ``)`` go, the ``?`` stays and is flagged.
- ``crlf``: the ``\\r`` of a ``\\r\\n`` line break, so the cleaned text has plain ``\\n``
  while offsets still point into the file as decoded.
- ``blank``: lines left holding only whitespace.

Lost characters (``??``, U+FFFD, a ``?`` inside a run of Chinese) are flagged, never
guessed.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PINYIN_DICT

from .script import to_simplified

_RULES_FILE = "boilerplate.toml"
SCOPES = {"line", "tail", "sentence", "span", "after", "account_name"}
_SENTENCE_END = "。！？!?"


@dataclass(frozen=True)
class Rule:
    name: str
    scope: str
    pattern: re.Pattern
    after: re.Pattern | None = None  # scope "after": the previous content line must match this
    handle: re.Pattern | None = None  # scope "account_name": finds the account handle (group "handle")
    example: str | None = None  # must be (partly) removed
    removed: str | None = None  # exactly what the rule removes from ``example`` (default: all of it)
    keep: tuple[str, ...] = ()  # must not be touched


def _compile_rule(entry: dict) -> Rule:
    name = entry.get("name", "?")
    scope = entry.get("scope")
    if scope not in SCOPES:
        raise ValueError(f"boilerplate rule {name}: unknown scope {scope!r}")
    if scope == "after" and "after" not in entry:
        raise ValueError(f"boilerplate rule {name}: scope 'after' needs an 'after' pattern")
    if scope == "account_name" and "handle" not in entry:
        raise ValueError(f"boilerplate rule {name}: scope 'account_name' needs a 'handle' pattern")
    keep = entry.get("keep", ())
    return Rule(
        name=name,
        scope=scope,
        pattern=re.compile(entry["pattern"], re.IGNORECASE),
        after=re.compile(entry["after"]) if "after" in entry else None,
        handle=re.compile(entry["handle"], re.MULTILINE) if "handle" in entry else None,
        example=entry.get("example"),
        removed=entry.get("removed"),
        keep=(keep,) if isinstance(keep, str) else tuple(keep),
    )


def parse_rules(toml_text: str) -> tuple[Rule, ...]:
    """Rules from the text of a ``boilerplate.toml``-style file (``[[rules]]`` tables)."""
    rules = tuple(_compile_rule(entry) for entry in tomllib.loads(toml_text)["rules"])
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"boilerplate rules: duplicate names {duplicates}")
    return rules


@cache
def load_rules() -> tuple[Rule, ...]:
    return parse_rules(resources.files(__package__).joinpath("data", _RULES_FILE).read_text(encoding="utf-8"))


@dataclass
class OffsetMap:
    """Kept segments ``(clean_start, orig_start, length)`` in order."""

    segments: list[tuple[int, int, int]] = field(default_factory=list)
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._starts = [s[0] for s in self.segments]

    def to_original(self, pos: int) -> int:
        """Offset in the original text of the character at cleaned offset ``pos``.

        ``pos`` equal to the cleaned length maps to just after the last kept character.
        """
        if not self.segments:
            return pos
        if len(self._starts) != len(self.segments):  # segments were replaced or extended
            self._starts = [s[0] for s in self.segments]
        i = max(bisect.bisect_right(self._starts, pos) - 1, 0)
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
_SYLLABLE = "[a-zü" + _TONED + "]{1,7}"
_ANNOTATION = re.compile(r"[(（](?P<py>" + _SYLLABLE + r")[)）]", re.IGNORECASE)
_NOT_ANNOTATED = re.compile(r"[\sA-Za-z0-9(（)）]")  # what an annotation never follows
_ORPHAN = re.compile(r"(?<=\?)(?P<py>" + _SYLLABLE + r")[)）]", re.IGNORECASE)
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@cache
def _readings(char: str) -> frozenset[str]:
    out = set()
    for style in (Style.TONE, Style.NORMAL):
        for group in pinyin(char, style=style, heteronym=True, errors="ignore"):
            out.update(r.lower() for r in group)
    return frozenset(out)


@cache
def toned_syllables() -> frozenset[str]:
    """Every tone-marked syllable of pypinyin's dictionary (``qū``, ``yún``…): ~1,500."""
    out = set()
    for readings in PINYIN_DICT.values():
        out.update(r for r in readings.split(",") if any(c in _TONED for c in r))
    return frozenset(out)


def _is_reading(char: str, annotation: str) -> bool:
    annotation = annotation.lower()
    if _HAN_CHAR.match(char):
        readings = _readings(char)
        if readings:
            return annotation in readings or annotation.replace("v", "ü") in readings
    # debris (the annotated character was lost) or a character pypinyin does not know
    return annotation in toned_syllables()


def pinyin_annotations(text: str) -> list[Removal]:
    """``(wù)``-style readings injected after a character by some converters, and their debris."""
    out = [
        Removal(m.start(), m.end(), "pinyin_annotation")
        for m in _ANNOTATION.finditer(text)
        if m.start() > 0 and not _NOT_ANNOTATED.match(text, m.start() - 1)
        and _is_reading(text[m.start() - 1], m.group("py"))
    ]
    out += [
        Removal(m.start(), m.end(), "pinyin_debris")
        for m in _ORPHAN.finditer(text)
        if m.group("py").lower() in toned_syllables()
    ]
    return sorted(out, key=lambda r: r.start)


# ------------------------------------------------------------------ lost characters
_LOST = re.compile(
    r"(?=[?\ufffd])(?:\?{2,}|\ufffd"
    r"|(?<=[\u3400-\u9fff])\?(?=[\u3400-\u9fffA-Za-z0-9\u00c0-\u024f^~])"
    r"|(?<=[A-Za-z0-9])\?(?=[\u3400-\u9fff]))"
)


def lost_characters(text: str) -> list[int]:
    """Offsets of ``??``, U+FFFD and ``?`` glued inside Chinese text: characters lost in conversion."""
    return [m.start() for m in _LOST.finditer(text)]


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


def _compact(s: str) -> str:
    return re.sub(r"[^a-z]", "", s.lower())


@cache
def _spellings(name: str) -> tuple[str, ...]:
    syllables = lazy_pinyin(name, errors="ignore")
    if len(syllables) != len(name):
        return ()
    return "".join(syllables), "".join(s[0] for s in syllables)


def spells_handle(name: str, handles) -> bool:
    """Whether ``name``'s pinyin, in full or by initials, is one of the account ``handles``."""
    compact = {_compact(h) for h in handles}
    return any(s in compact for s in _spellings(name))


class _Prefilter:
    """Whether any of ``rules`` can match a line, in two regex calls instead of one per rule.

    Rules anchored at the start of the line (``^…`` with no top-level alternative) are
    combined and tried with ``match`` (at the start only); the others are combined and
    searched. Most lines are content that no rule touches.
    """

    def __init__(self, rules: tuple[Rule, ...]):
        anchored = [r.pattern.pattern for r in rules if _anchored(r.pattern.pattern)]
        floating = [r.pattern.pattern for r in rules if not _anchored(r.pattern.pattern)]
        never = re.compile(r"(?!)")
        self._start = re.compile("|".join(f"(?:{p})" for p in anchored), re.IGNORECASE) if anchored else never
        self._anywhere = re.compile("|".join(f"(?:{p})" for p in floating), re.IGNORECASE) if floating else never

    def search(self, line: str) -> bool:
        return bool(self._start.match(line) or self._anywhere.search(line))


def _anchored(pattern: str) -> bool:
    """``^…`` with no top-level ``|`` (so every match starts at the start of the line)."""
    if not pattern.startswith("^"):
        return False
    depth, escaped, in_class = 0, False, False
    for c in pattern:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
    return True


@cache
def _prefilter(rules: tuple[Rule, ...]) -> _Prefilter:
    return _Prefilter(rules)


def _rule_spans(text: str, rules: tuple[Rule, ...]) -> list[Removal]:
    spans: list[Removal] = []
    handles = {
        rule.name: {_compact(m.group("handle")) for m in rule.handle.finditer(text)}
        for rule in rules if rule.scope == "account_name"
    }
    active = [r for r in rules if r.scope != "account_name" or handles[r.name]]
    any_rule = _prefilter(tuple(r for r in active if r.scope not in ("after", "account_name")))
    account = any(r.scope == "account_name" for r in active)
    afters = [r.after for r in active if r.scope == "after"]
    previous_content_line = ""
    for pos, line in _lines(text):
        body = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        if not body.strip():
            continue
        # most lines are content: one search tells that no rule applies (instead of one per rule)
        if not (account or any_rule.search(body) or any(a.search(previous_content_line) for a in afters)):
            previous_content_line = body
            continue
        whole = False
        for rule in active:
            if rule.scope == "after":
                if rule.after.search(previous_content_line) and rule.pattern.search(body):
                    spans.append(Removal(pos, pos + len(line), rule.name))
                    whole = True
                    break
                continue
            if rule.scope == "account_name":
                m = rule.pattern.search(body)
                if m and spells_handle(m.group("name"), handles[rule.name]):
                    spans.append(Removal(pos + m.start("name"), pos + m.end("name"), rule.name))
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
        previous_content_line = body
    return spans


def _merge(spans: list[Removal]) -> list[Removal]:
    merged: list[Removal] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= span.start:
            continue
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


def _crlf(text: str) -> list[Removal]:
    return [Removal(m.start(), m.start() + 1, "crlf") for m in re.finditer(r"\r(?=\n)", text)]


def clean_text(text: str, rules: tuple[Rule, ...] | None = None) -> Cleaned:
    """Delete boilerplate lines/spans, pinyin annotations and blank lines from ``text``."""
    rules = load_rules() if rules is None else rules
    debris = _merge(pinyin_annotations(text) + _crlf(text))
    # rules are written in Simplified and must see 發布于 as 发布于 and 發(fā)布 as 發布:
    # match them on an annotation-free, same-length Simplified projection, then map back
    stage, stage_map = _apply(text, debris)
    probe = _simplified_projection(stage)
    removals = debris + [
        Removal(*stage_map.span_to_original(r.start, r.end), r.rule) for r in _rule_spans(probe, rules)
    ]
    merged = _merge(removals)
    # lines left holding only whitespace (blank, or emptied by a rule) go too
    merged = _merge(merged + _blank_lines_after(text, merged))
    cleaned, offsets = _apply(text, merged)
    return Cleaned(original=text, text=cleaned, offsets=offsets, removals=merged, flags=_flags(cleaned))


def _flags(cleaned: str) -> list[str]:
    lost = lost_characters(cleaned)
    if not lost:
        return []
    at = lost[0]
    excerpt = cleaned[max(0, at - 8): at + 8].replace("\n", " ")
    return [f"lost_characters: {len(lost)} place(s) where a character was lost in conversion "
            f"('??', U+FFFD or '?' inside Chinese text), e.g. “{excerpt}”; left as is, not guessed"]


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
