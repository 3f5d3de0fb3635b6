"""Facts the tool establishes without a model, and the renderings the model must use.

This module is the interface the pipeline and the checks rely on; ``establish_facts``
is implemented with ``metadata.py`` (date, ordinal, convening body, kind, chair),
``entities.py`` (people with titles, places; romanized surname-first with a surname
reading table) and ``glossary.py`` (government terms, user-extensible).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Document
    from .glossary import Glossary


@dataclass(frozen=True)
class Rendering:
    zh: str  # Simplified form, as in the analysis text
    en: str  # the rendering to use
    kind: str  # person | place | org | title | term
    variants: tuple[str, ...] = ()  # other acceptable English renderings (for consistency checks)


@dataclass
class PersonFact:
    name_zh: str  # Simplified
    name_en: str  # surname first, e.g. "Xiang Henglin"
    title_zh: str | None = None  # as written (Simplified), e.g. "县委副书记、县长"
    title_en: str | None = None  # e.g. "Deputy Secretary of the County Party Committee and County Head"
    role: str = "mentioned"  # chair | speaker | attendee | assignee | mentioned
    sentence_ids: list[int] = field(default_factory=list)


@dataclass
class Facts:
    date: str | None = None  # YYYY-MM-DD, or MM-DD when no year can be established
    year: int | None = None  # year context used (from the date itself, a dateline or a publication stamp)
    number: int | None = None  # meeting ordinal: 第87次 -> 87
    body_zh: str | None = None  # convening body, e.g. 县政府, 区人民政府, 县委常委会
    body_en: str | None = None  # e.g. "Luxi County People's Government"
    kind: str = "other"  # schema.MeetingKind
    chair: PersonFact | None = None
    people: list[PersonFact] = field(default_factory=list)
    places: list[Rendering] = field(default_factory=list)
    terms: list[Rendering] = field(default_factory=list)  # glossary entries found in the report
    term: int | None = None  # the body's term: 区五届人民政府 -> 5
    place: Rendering | None = None  # the place the report is about, e.g. 泸溪县 = Luxi County
    meeting_zh: str | None = None  # the meeting as the report names it: 县政府第87次常务会议

    def renderings(self) -> list[Rendering]:
        """Everything the model should render a fixed way, longest Chinese first (computed once while the
        people, places and terms stay as they are: it is asked for per sentence)."""
        key = (id(self.people), len(self.people), id(self.places), len(self.places), id(self.terms), len(self.terms),
               tuple(p.name_en for p in self.people[:1]))
        cached = self.__dict__.get("_renderings_cache")
        if cached and cached[0] == key:
            return cached[1]
        out: dict[str, Rendering] = {}
        for person in self.people:
            out.setdefault(person.name_zh, Rendering(person.name_zh, person.name_en, "person"))
        for r in [*self.places, *self.terms]:
            out.setdefault(r.zh, r)
        result = sorted(out.values(), key=lambda r: (-len(r.zh), r.zh))
        self.__dict__["_renderings_cache"] = (key, result)
        return result

    def annotate(self, text: str, seen: set[str] | None = None) -> str:
        """``text`` with ``[English]`` after each rendered term: 泸溪县 -> 泸溪县[Luxi County].

        Longest match wins and matches never overlap, so 泸溪县 is annotated once, not
        also as 泸溪; a term already followed by an annotation is left as it is, so annotating
        twice changes nothing. With ``seen`` (shared across the lines of one prompt), only a
        term's first occurrence is annotated: the model needs the rendering once, not every time.
        """
        pattern, by_zh = self._annotation_pattern()
        if pattern is None:
            return text

        def sub(m: re.Match) -> str:
            if m.group("done"):
                return m.group(0)
            term = m.group(0)
            if seen is not None:
                if term in seen:
                    return term
                seen.add(term)
            return f"{term}[{by_zh[term]}]"

        return pattern.sub(sub, text)

    def _annotation_pattern(self) -> tuple[re.Pattern | None, dict[str, str]]:
        renderings = self.renderings()
        key = id(renderings)  # a new list whenever the renderings change
        cached = self.__dict__.get("_pattern_cache")
        if cached and cached[0] == key:
            return cached[1], cached[2]
        by_zh = {r.zh: r.en for r in renderings}
        pattern = None
        if renderings:
            terms = "|".join(re.escape(r.zh) for r in renderings)
            # an already annotated term is matched whole and kept, so nothing inside it is annotated again
            pattern = re.compile(rf"(?P<done>(?:{terms})\[[^\[\]]*\])|(?P<term>{terms})")
        self.__dict__["_pattern_cache"] = (key, pattern, by_zh)
        return pattern, by_zh


def establish_facts(doc: "Document", glossary: "Glossary | None" = None) -> Facts:
    """All facts for ``doc``. Chinese documents only; English documents get empty facts."""
    from .entities import find_people, find_places
    from .glossary import Glossary
    from .metadata import meeting_metadata

    if not doc.is_chinese:
        return Facts()
    glossary = glossary or Glossary.load()
    facts = meeting_metadata(doc, glossary)
    facts.people = find_people(doc, glossary, chair=facts.chair)
    if facts.chair is not None:
        for person in facts.people:
            if person.name_zh == facts.chair.name_zh:
                person.role = "chair"
                facts.chair = person
    facts.places = find_places(doc, glossary)
    facts.terms = glossary.find(" ".join(s.simplified for s in doc.sentences))
    if facts.body_zh and facts.body_en:  # 区人民政府 = Dongchuan District People's Government, not the generic term
        facts.terms = [Rendering(facts.body_zh, facts.body_en, "org"),
                       *(r for r in facts.terms if r.zh != facts.body_zh)]
    # the titles of the people found, part by part (县委副书记、县长 -> 县委副书记, 县长)
    known = {r.zh for r in facts.terms}
    for person in facts.people:
        for part in glossary.title_parts(person.title_zh or ""):
            en = glossary.render_title(part)
            if en and part not in known:
                facts.terms.append(Rendering(part, en, "title"))
                known.add(part)
    return facts
