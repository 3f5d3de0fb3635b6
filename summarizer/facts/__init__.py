"""Facts: what the tool knows about a report without a model, and the names it renders itself.

From a :class:`~summarizer.ingest.Document` (what ``ingest`` read), ``establish_facts`` finds the
meeting (``metadata``: date, number, convening body, kind, chair), the people and places
(``entities``, romanized surname-first by ``romanize`` with the surname and place tables) and the
government terms (``glossary``); ``structure`` finds the report's topics and the sentences that
assign tasks. The types are in ``model``. Data files are in ``data/``; dates and numerals are read by
:mod:`summarizer.zh`. Nothing here calls a model.
"""

from __future__ import annotations

from ..ingest import Document
from .entities import find_companies, find_people, find_places
from .glossary import Glossary
from .metadata import meeting_metadata
from .model import Facts, PersonFact, Rendering

__all__ = ["Facts", "PersonFact", "Rendering", "establish_facts"]


def establish_facts(doc: "Document", glossary: "Glossary | None" = None) -> Facts:
    """All facts for ``doc``, found once; the result does not change. Chinese documents only (English
    documents get empty facts)."""
    if not doc.is_chinese:
        return Facts()
    glossary = glossary or Glossary.load()
    meeting = meeting_metadata(doc, glossary)
    people = find_people(doc, glossary)  # the chair is the first person the report says presided
    chair = next((p for p in people if p.role == "chair"), None)
    terms = glossary.find(" ".join(s.simplified for s in doc.sentences))
    if meeting["body_zh"] and meeting["body_en"]:  # 区人民政府 = Dongchuan District People's Government
        terms = [Rendering(meeting["body_zh"], meeting["body_en"], "org"),
                 *(r for r in terms if r.zh != meeting["body_zh"])]
    # the titles of the people found, part by part (县委副书记、县长 -> 县委副书记, 县长)
    known = {r.zh for r in terms}
    for person in people:
        for part in glossary.title_parts(person.title_zh or ""):
            en = glossary.render_title(part)
            if en and part not in known:
                terms.append(Rendering(part, en, "title"))
                known.add(part)
    terms += [r for r in find_companies(doc, glossary) if r.zh not in known]  # 城投集团: the tool's English
    return Facts(**meeting, chair=chair, people=people, places=find_places(doc, glossary), terms=terms)
