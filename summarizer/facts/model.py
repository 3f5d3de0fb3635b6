"""The facts of a report, as the pipeline and the checks see them: the meeting, its people,
places and terms, and the renderings the model must use (built by :func:`summarizer.facts.establish_facts`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property


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


@dataclass(frozen=True)
class Facts:
    """Established once (``establish_facts``) and not changed after: the renderings and the
    annotation pattern derived from it are computed on first use and kept."""

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
        """Everything the model should render a fixed way, longest Chinese first."""
        return self._renderings

    @cached_property
    def _renderings(self) -> list[Rendering]:
        out: dict[str, Rendering] = {}
        for person in self.people:
            out.setdefault(person.name_zh, Rendering(person.name_zh, person.name_en, "person"))
        for r in [*self.places, *self.terms]:
            out.setdefault(r.zh, r)
        return sorted(out.values(), key=lambda r: (-len(r.zh), r.zh))

    def annotate(self, text: str, seen: set[str] | None = None) -> str:
        """``text`` with ``[English]`` after each rendered term: 泸溪县 -> 泸溪县[Luxi County].

        Longest match wins and matches never overlap, so 泸溪县 is annotated once, not
        also as 泸溪; a term already followed by an annotation is left as it is, so annotating
        twice changes nothing. With ``seen`` (shared across the lines of one prompt), only a
        term's first occurrence is annotated: the model needs the rendering once, not every time.
        """
        pattern, by_zh = self._annotation
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

    @cached_property
    def _annotation(self) -> tuple[re.Pattern | None, dict[str, str]]:
        renderings = self.renderings()
        by_zh = {r.zh: r.en for r in renderings}
        if not renderings:
            return None, by_zh
        terms = "|".join(re.escape(r.zh) for r in renderings)
        # an already annotated term is matched whole and kept, so nothing inside it is annotated again
        return re.compile(rf"(?P<done>(?:{terms})\[[^\[\]]*\])|(?P<term>{terms})"), by_zh
