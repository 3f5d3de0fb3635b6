"""Checks on the English wording: Chinese left in it, numbers, dates, person names, owners, terms."""

from __future__ import annotations

import re
from functools import cache
from typing import Iterable, Iterator

from ..facts.model import Facts
from ..facts.structure import lead_ins
from ..ingest import Document
from ..ingest.script import to_simplified
from ..schema import HAN, Brief, Check
from .kinds import severity
from .numbers import SourceFacts, en_dates, en_numbers

# overlapping pairs: in "Deputy District Head Zhang Wei" the pair "Zhang Wei" follows "Head Zhang"
_CAPWORD = re.compile(r"(?=\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b)")


def check(kind: str, target: str | None, message: str, detail: dict | None = None) -> Check:
    return Check(kind=kind, severity=severity(kind), target=target, message=message, detail=detail)


# ------------------------------------------------------------------ fields
def english_fields(brief: Brief) -> Iterator[tuple[str, str]]:
    """(JSON path, text) of every English field of a briefing."""
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


def model_written(brief: Brief) -> Iterator[tuple[str, str]]:
    """English the model wrote: the meeting facts and deadlines are the tool's and are not
    re-checked here (deadline checks compare a deadline with its source sentence)."""
    for path, text in english_fields(brief):
        if path.endswith(".deadline.text_en"):
            continue
        if path.startswith(("summary", "actions")) or path == "meeting.title_en":
            yield path, text


def evidence_of(brief: Brief, path: str) -> list[str] | None:
    """The evidence sentences of the item a field belongs to (None for meeting fields)."""
    m = re.match(r"(summary|actions)\[(\d+)\]", path)
    if not m:
        return None
    i = int(m.group(2))
    if m.group(1) == "summary":
        return list(brief.summary[i].evidence)
    return [brief.actions[i].evidence_zh] if brief.actions[i].evidence_zh else []


# ------------------------------------------------------------------ Chinese left in English
def check_han(brief: Brief) -> list[Check]:
    return [check("han_in_english", path,
                  f"Chinese characters left in an English field: {''.join(HAN.findall(text))[:20]}")
            for path, text in english_fields(brief) if HAN.search(text)]


# ------------------------------------------------------------------ numbers and dates
def check_numbers_and_dates(brief: Brief, doc: Document, source: SourceFacts) -> list[Check]:
    """Numbers and dates must occur in the item's evidence; if only elsewhere in the source, say so (info)."""
    index = {s.text: i for i, s in enumerate(doc.sentences)}
    out = []
    for path, text in model_written(brief):
        evidence = evidence_of(brief, path)
        cited = [index[e] for e in evidence or [] if e in index]
        for kind, mentions, pool, is_date in (
                ("unsupported_date", en_dates(text), source.dates, True),
                ("unsupported_number", en_numbers(text), source.numbers, False)):
            for mention in mentions:
                in_evidence = any(v in (source.dates_of if is_date else source.numbers_of)[i]
                                  for v in mention.values for i in cited)
                if in_evidence:
                    continue
                what = "date" if is_date else "number"
                if any(v in pool for v in mention.values):
                    if evidence is None:
                        continue  # a meeting field: the source is its evidence
                    # the sentences nearest to the cited ones first: most likely where the figure comes from
                    where = source.nearest(mention.values, cited, is_date)
                    out.append(check("fact_outside_evidence", path,
                                     f"{what} '{mention.text}' is in the source, but not in the sentences this "
                                     f"item cites", {"value": mention.text,
                                                     "found_in": [doc.sentences[i].text for i in where[:2]]}))
                else:
                    out.append(check(kind, path, f"{what} '{mention.text}' does not occur in the source"
                                     + (" (normalised Chinese numerals and dates included)" if doc.is_chinese
                                        else ""), {"value": mention.text}))
    return out


# ------------------------------------------------------------------ person names
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


def pinyin_names(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, name) of capitalized word pairs that read as a Chinese name: surname + given name."""
    for m in _CAPWORD.finditer(text):
        surname, given = m.group(1), m.group(2)
        if is_pinyin_word(surname, 1) and is_pinyin_word(given, 2):
            name = f"{surname} {given}"
            yield m.start(), m.start() + len(surname) + (m.start(2) - m.end(1)) + len(given), name


def _known_names(facts: Facts) -> set[str]:
    return {p.name_en.lower() for p in facts.people} | {r.en.lower() for r in facts.renderings()}


def check_names(brief: Brief, doc: Document, facts: Facts) -> list[Check]:
    return name_checks(model_written(brief), doc, facts)


def name_checks(items: Iterable[tuple[str, str]], doc: Document, facts: Facts) -> list[Check]:
    """``unsupported_name`` for the romanized person names of (JSON path, English) items."""
    known = _known_names(facts)
    source_text = doc.text.lower()
    # a known person written given name first (Guoming Zhao for Zhao Guoming)
    reversed_names = {}
    for person in facts.people:
        parts = person.name_en.split()
        if len(parts) == 2 and " ".join(reversed(parts)).lower() not in known:
            reversed_names[person.name_en] = re.compile(rf"\b{re.escape(parts[1])}\s+{re.escape(parts[0])}\b",
                                                        re.IGNORECASE)
    out = []
    for path, text in items:
        for right, pattern in reversed_names.items():
            for m in pattern.finditer(text):
                out.append(check("unsupported_name", path,
                                 f"name '{m.group(0)}' matches none of the people in the source (given name first? "
                                 f"the source's {right} is written surname first)", {"name": m.group(0)}))
        for _, _, name in pinyin_names(text):
            lowered = name.lower()
            if lowered in known or any(lowered in k for k in known):
                continue
            if not doc.is_chinese and lowered in source_text:
                continue  # an English report: the name is written in it
            swapped = " ".join(reversed(name.split())).lower()
            hint = " (given name first? names are written surname first)" if swapped in known else ""
            out.append(check("unsupported_name", path,
                             f"name '{name}' matches none of the people in the source{hint}", {"name": name}))
    return out


# ------------------------------------------------------------------ places
_LEVEL_EN = r"(?:Autonomous County|Autonomous Prefecture|County|District|City|Province|Prefecture|Town|Township|Banner|League)"
_PLACE_EN = re.compile(rf"\b((?:[A-Z][a-z]+(?:'[a-z]+)?\s+){{1,2}}){_LEVEL_EN}\b")


def place_names(text: str) -> Iterator[tuple[str, str]]:
    """(name, 'Name Level') of romanized places in English text: Luxi County, Xing County, Xi'an City."""
    for m in _PLACE_EN.finditer(text):
        words = m.group(1).split()
        while words and not is_pinyin_word(words[0].replace("'", "")):  # "The Luxi County" -> Luxi
            words = words[1:]
        if words and all(is_pinyin_word(w.replace("'", "")) for w in words):
            name = " ".join(words)
            yield name, text[m.start(1) + m.group(1).index(words[0]):m.end()]


def check_places(brief: Brief, doc: Document, facts: Facts) -> list[Check]:
    """A romanized place (X County, X District ...) must be one the source names: the tool renders
    every place it finds, so any other is the model's (small models copy the prompt's example)."""
    return place_checks(model_written(brief), doc, facts)


def place_checks(items: Iterable[tuple[str, str]], doc: Document, facts: Facts) -> list[Check]:
    """``unsupported_place`` for the romanized places of (JSON path, English) items."""
    known = " | ".join([r.en.lower() for r in facts.renderings()] + [(facts.body_en or "").lower()])
    source_text = doc.text.lower()
    out = []
    for path, text in items:
        for name, phrase in place_names(text):
            if name.lower() in known or (not doc.is_chinese and name.lower() in source_text):
                continue
            out.append(check("unsupported_place", path,
                             f"place '{phrase}' matches none of the places in the source", {"place": phrase}))
    return out


# ------------------------------------------------------------------ owners
def _org_spans(text: str, facts: Facts) -> list[tuple[int, int, object]]:
    lowered = text.lower()
    spans = []
    for r in facts.renderings():
        if r.kind not in ("org", "place"):
            continue
        for en in (r.en, *r.variants):
            at = lowered.find(en.lower())
            if at >= 0 and len(en) >= 4:
                spans.append((at, at + len(en), r))
    return spans


def _plain_org(zh: str) -> str:
    """区人民政府 and 区政府 name the same body."""
    return to_simplified(zh).replace("人民政府", "政府")


def check_owners(brief: Brief, doc: Document, facts: Facts) -> list[Check]:
    """An owner must be someone the action's evidence sentence mentions."""
    if not doc.is_chinese:
        return []
    people = {p.name_en.lower(): p for p in facts.people}
    lead_in = {doc.sentence(item).text: doc.sentence(lead).simplified
               for item, lead in lead_ins(doc, facts).items() if item != lead}
    out = []
    for i, action in enumerate(brief.actions):
        if not action.owner_en:
            continue
        evidence = doc.simplified_of(action.evidence_zh) if action.evidence_zh else ""
        if action.evidence_zh in lead_in:  # an enumerated item: its lead-in names whom it is for
            evidence += lead_in[action.evidence_zh]
        missing: list[str] = []
        for _, _, name in pinyin_names(action.owner_en):
            person = people.get(name.lower())
            if person and person.name_zh not in evidence:
                missing.append(f"{name} ({person.name_zh})")
        # bodies and places: a rendering in the owner whose Chinese the evidence lacks, unless a
        # rendering the evidence does contain covers the same words (区人民政府 within 人民政府)
        spans = _org_spans(action.owner_en, facts)
        plain = _plain_org(evidence)
        present = [(a, b) for a, b, r in spans if _plain_org(r.zh) in plain]
        for a, b, r in spans:
            if _plain_org(r.zh) in plain:
                continue
            if any(pa <= a and b <= pb for pa, pb in present):
                continue
            if any(a <= pa and pb <= b and (pb - pa) >= (b - a) * 0.6 for pa, pb in present):
                continue
            missing.append(f"{r.en} ({r.zh})")
        detail = {"owner_en": action.owner_en, "owner_zh": action.owner_zh}
        if missing:
            out.append(check("owner_not_in_evidence", f"actions[{i}].owner_en",
                             f"owner {', '.join(dict.fromkeys(missing))} is not mentioned in the action's evidence "
                             "sentence", detail))
            continue
        # the source names a person as the actor: the owner must be that person
        actor = to_simplified(action.owner_zh or "")
        named = [p for p in facts.people if p.name_zh and p.name_zh in actor and p.name_zh in evidence]
        owner = action.owner_en.lower()
        if named and not any(p.name_en.lower() in owner or " ".join(reversed(p.name_en.split())).lower() in owner
                             for p in named):
            who = ", ".join(f"{p.name_zh} ({p.name_en})" for p in named)
            out.append(check("owner_not_in_evidence", f"actions[{i}].owner_en",
                             f"the source gives this task to {who}, but the owner is '{action.owner_en}'", detail))
    return out


# ------------------------------------------------------------------ glossary terms
_STOP = frozenset("with from that this than into their there these those over under upon about".split())


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[-‐–/]", " ", text.lower()).split())


def _content_words(text: str) -> set[str]:
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w
            for w in re.findall(r"[a-z]{4,}", _normal(text)) if w not in _STOP}


def _longest_terms(zh: str, facts: Facts) -> list:
    return longest_renderings(zh, facts, ("term",))


def longest_renderings(zh: str, facts: Facts, kinds: tuple[str, ...] | None = None) -> list:
    """Renderings of ``zh`` as the tool annotates it (of ``kinds``, all when None): longest match, no
    overlaps (乡镇 inside 各乡镇(街道) is not a term of its own)."""
    renderings = facts.renderings()  # longest Chinese first
    taken = [False] * len(zh)
    found = []
    for r in renderings:
        start = zh.find(r.zh)
        while start >= 0:
            end = start + len(r.zh)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                if kinds is None or r.kind in kinds:
                    found.append(r)
            start = zh.find(r.zh, end)
    return list(dict.fromkeys(found))


def check_terms(brief: Brief, doc: Document, facts: Facts) -> list[Check]:
    """A term of the evidence that the English evidently renders (three quarters of the content words
    of its standard rendering, at least two) but not in any accepted wording."""
    out = []
    items = [(f"summary[{i}].text", s.text, s.evidence) for i, s in enumerate(brief.summary)]
    items += [(f"actions[{i}].task_en", a.task_en, [a.evidence_zh]) for i, a in enumerate(brief.actions)]
    for path, text, evidence in items:
        zh = "\n".join(doc.simplified_of(e) for e in evidence)
        normal = _normal(text)
        words = _content_words(text)
        for term in _longest_terms(zh, facts):
            if any(_normal(a) in normal for a in (term.en, *term.variants)):
                continue
            wanted = _content_words(term.en)
            if len(wanted) >= 2 and len(wanted & words) >= max(2, -(-3 * len(wanted) // 4)):
                out.append(check("term_rendering", path,
                                 f"{term.zh} is rendered '{term.en}' elsewhere; this text words it differently",
                                 {"zh": term.zh, "en": term.en}))
    return out
