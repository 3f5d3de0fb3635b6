"""Grounding checks on a finished briefing, against the source and the tool's own facts.

Each check yields :class:`~summarizer.schema.Check` items (kind, severity, one-line
message, JSON path of the field). Kinds:

- ``han_in_english`` (error): Chinese characters in an English field.
- ``unsupported_number`` (warning): a number in the English that the source never states
  (Chinese numerals in the source are normalised first: 第八十七次 = 87).
- ``unsupported_date`` (warning): a date in the English the source does not state.
- ``unsupported_name`` (warning): a romanized person name that matches none of the source's people.
- ``term_rendering`` (info): a glossary term in the cited source sentence whose standard
  rendering the English does not use.
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from typing import Iterator

from .ingest import Document
from .ingest.facts import Facts
from .schema import HAN, Brief, Check

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], 1)}
_MONTH_RE = "|".join(MONTHS)
_EN_DATE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})\s+({_MONTH_RE})\b",
                      re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# numbers standing alone (not inside COVID-19, G20, 5G)
_EN_NUMBER = re.compile(r"(?<![\w.\-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:st|nd|rd|th)?(?![\w\-])")
_ZH_DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_ZH_STAMP = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_CAPWORD = re.compile(r"\b([A-Z][a-z]+)(?:\s+([A-Z][a-z]+))\b")


# ------------------------------------------------------------------ source-side normalisation
def source_numbers(doc: Document) -> set[int]:
    """Every number the source states, Chinese numerals included."""
    import cn2an

    numbers: set[int] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sentence in doc.sentences:
            try:
                text = cn2an.transform(sentence.simplified, "cn2an")
            except Exception:  # cn2an rejects some odd numerals; keep the digits we have
                text = sentence.simplified
            numbers.update(int(n) for n in re.findall(r"\d+", text) if len(n) < 10)
    return numbers


def source_dates(doc: Document) -> set[tuple[int, int]]:
    """(month, day) pairs the source states."""
    import cn2an

    dates: set[tuple[int, int]] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sentence in doc.sentences:
            try:
                text = cn2an.transform(sentence.simplified, "cn2an")
            except Exception:
                text = sentence.simplified
            dates.update((int(m), int(d)) for m, d in _ZH_DATE.findall(text))
            dates.update((int(m), int(d)) for _, m, d in _ZH_STAMP.findall(text))
    return dates


@cache
def pinyin_syllables() -> frozenset[str]:
    from pypinyin import Style, pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for code in pinyin_dict:
        for group in pinyin(chr(code), style=Style.NORMAL, heteronym=True, errors="ignore"):
            out.update(s for s in group if s.isascii() and s.isalpha())
    out.discard("")
    return frozenset(out)


def is_pinyin_word(word: str, max_syllables: int = 3) -> bool:
    """``Henglin`` -> True (heng+lin); ``Secretary`` -> False."""
    syllables = pinyin_syllables()
    word = word.lower()

    @cache
    def split(i: int, left: int) -> bool:
        if i == len(word):
            return True
        if left == 0:
            return False
        return any(word[i:j] in syllables and split(j, left - 1) for j in range(min(len(word), i + 6), i, -1))

    return split(0, max_syllables)


def pinyin_names(text: str) -> Iterator[str]:
    """Capitalized word pairs that read as a Chinese name: a one-syllable surname + a given name."""
    for m in _CAPWORD.finditer(text):
        surname, given = m.group(1), m.group(2)
        if is_pinyin_word(surname, 1) and is_pinyin_word(given, 2):
            yield f"{surname} {given}"


# ------------------------------------------------------------------ the checks
def english_fields(brief: Brief) -> Iterator[tuple[str, str]]:
    m = brief.meeting
    for name in ("title_en", "body_en"):
        if getattr(m, name):
            yield f"meeting.{name}", getattr(m, name)
    if m.chair and m.chair.name_en:
        yield "meeting.chair.name_en", m.chair.name_en
    if m.chair and m.chair.title_en:
        yield "meeting.chair.title_en", m.chair.title_en
    for i, attendee in enumerate(m.attendees_en):
        yield f"meeting.attendees_en[{i}]", attendee
    for i, item in enumerate(brief.summary):
        yield f"summary[{i}].text", item.text
    for i, action in enumerate(brief.actions):
        if action.owner_en:
            yield f"actions[{i}].owner_en", action.owner_en
        yield f"actions[{i}].task_en", action.task_en
        if action.deadline:
            yield f"actions[{i}].deadline.text_en", action.deadline.text_en


def check_han(brief: Brief) -> list[Check]:
    return [Check(kind="han_in_english", severity="error", target=path,
                  message=f"Chinese characters left in an English field: {''.join(HAN.findall(text))[:20]}")
            for path, text in english_fields(brief) if HAN.search(text)]


def _model_written(brief: Brief) -> Iterator[tuple[str, str]]:
    """English the model wrote (meeting facts come from the tool and are not re-checked)."""
    for path, text in english_fields(brief):
        if path.startswith(("summary", "actions")) or path == "meeting.title_en":
            yield path, text


def check_numbers_and_dates(brief: Brief, doc: Document) -> list[Check]:
    numbers = source_numbers(doc)
    dates = source_dates(doc)
    out = []
    for path, text in _model_written(brief):
        for m in _EN_DATE.finditer(text):
            month = MONTHS[(m.group(1) or m.group(4)).lower()]
            day = int(m.group(2) or m.group(3))
            if (month, day) not in dates:
                out.append(Check(kind="unsupported_date", severity="warning", target=path,
                                 message=f"date '{m.group(0)}' is not stated in the source"))
        for y, mo, d in _ISO.findall(text):
            if (int(mo), int(d)) not in dates:
                out.append(Check(kind="unsupported_date", severity="warning", target=path,
                                 message=f"date '{y}-{mo}-{d}' is not stated in the source"))
        stripped = _ISO.sub(" ", _EN_DATE.sub(" ", text))
        for m in _EN_NUMBER.finditer(stripped):
            value = int(m.group(1).replace(",", ""))
            if value not in numbers:
                out.append(Check(kind="unsupported_number", severity="warning", target=path,
                                 message=f"number '{m.group(0)}' does not occur in the source"))
    return out


def check_names(brief: Brief, facts: Facts) -> list[Check]:
    known = {p.name_en.lower() for p in facts.people}
    known |= {r.en.lower() for r in facts.renderings()}
    out = []
    for path, text in _model_written(brief):
        for name in pinyin_names(text):
            if name.lower() in known or any(name.lower() in k for k in known):
                continue
            swapped = " ".join(reversed(name.split())).lower()
            hint = " (given name first? names are written surname first)" if swapped in known else ""
            out.append(Check(kind="unsupported_name", severity="warning", target=path,
                             message=f"name '{name}' matches none of the people in the source{hint}"))
    return out


def check_terms(brief: Brief, doc: Document, facts: Facts) -> list[Check]:
    out = []
    items = [(f"summary[{i}].text", s.text, s.evidence) for i, s in enumerate(brief.summary)]
    items += [(f"actions[{i}].task_en", a.task_en, [a.evidence_zh]) for i, a in enumerate(brief.actions)]
    for path, text, evidence in items:
        zh = "".join(doc.simplified_of(e) for e in evidence)
        lowered = text.lower()
        for term in facts.terms:
            if term.kind != "term" or term.zh not in zh:
                continue
            accepted = (term.en, *term.variants)
            # only judge terms the English talks about: some word of the rendering is present
            words = {w for a in accepted for w in re.findall(r"[a-z]{4,}", a.lower())}
            if words and any(w in lowered for w in words) and not any(a.lower() in lowered for a in accepted):
                out.append(Check(kind="term_rendering", severity="info", target=path,
                                 message=f"{term.zh} is rendered '{term.en}' elsewhere; this text words it differently"))
    return out


def run_checks(brief: Brief, doc: Document, facts: Facts, glossary=None) -> list[Check]:
    return (check_han(brief) + check_numbers_and_dates(brief, doc) + check_names(brief, facts)
            + check_terms(brief, doc, facts))
