"""The meetings of a digest: briefings read with their sources, places placed, duplicates found.

A briefing is one report of one meeting. Its source report (found as ``spotcheck recheck`` finds it,
checked by sha256) gives the place the meeting's body governs (``facts.place``) and the text for
duplicate detection; a briefing whose source is gone still counts, placed from its English body name.

Duplicates: the same meeting republished by several sites. Two reports are one meeting when
- their body, date and meeting number are all known and equal, or
- their cleaned texts are near-duplicates: MinHash signatures (``datasketch``, 128 permutations) of
  character 5-gram shingles of the Simplified text, paired by LSH at Jaccard >= 0.6. Cleaning already
  drops site boilerplate and injected pinyin, and Traditional text is compared in Simplified.
Groups are closed transitively (union-find); a Simplified report with the most text is kept, the rest listed.
LSH makes this linear in the number of reports (plus the pairs it finds), not quadratic. It runs twice:
on reports before they are briefed (only the kept one of a group is briefed: reposts cost no model
call), and on the briefings read, which may come from anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from ..checks import SourceMissing, load_source
from ..errors import UserError
from ..facts.glossary import Glossary
from ..facts.model import Facts
from ..ingest import Document
from ..ingest.script import to_simplified
from ..schema import Brief
from .model import Place

SHINGLE = 5
NUM_PERM = 128
JACCARD = 0.6


@dataclass
class Read:
    """One briefing and what the digest knows of its report."""

    path: Path
    brief: Brief
    doc: Document | None = None
    facts: Facts | None = None
    place: Place = field(default_factory=Place)
    text: str = ""  # Simplified cleaned text (or the briefing's evidence when the source is gone)
    also: list[str] = field(default_factory=list)  # reposts of this report found before briefing (not briefed)
    also_reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Copy:
    """What duplicate detection needs of a report: its meeting key (body, date, number) when all are
    known, its Simplified text, and whether it is a Traditional repost."""

    path: str
    key: tuple | None
    text: str
    traditional: bool = False

    @classmethod
    def of_read(cls, read: "Read") -> "Copy":
        m = read.brief.meeting
        body = m.body_en or read.place.name_en
        key = (body.lower(), m.date, m.number) if body and m.date and m.number else None
        return cls(read.brief.source.path, key, read.text, read.brief.source.script == "traditional")

    @classmethod
    def of_report(cls, path: Path, doc: Document, facts: Facts) -> "Copy":
        key = (facts.body_en.lower(), facts.date, facts.number) if facts.body_en and facts.date and facts.number \
            else None
        return cls(str(path), key, to_simplified(doc.text), doc.script == "traditional")


@cache
def hierarchy() -> dict[str, list[tuple[str, str]]]:
    """name -> [(prefecture, province)] from ``facts/data/hierarchy.tsv`` (a name may be several places)."""
    text = resources.files("summarizer.facts").joinpath("data", "hierarchy.tsv").read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str]]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, prefecture, province = (line.split("\t") + ["", ""])[:3]
            out.setdefault(name, []).append((prefecture, province))
    return out


def place_of(zh: str | None, en: str | None, text: str) -> Place:
    """The place with its prefecture and province; a name shared by several places is resolved by the
    one whose prefecture or province the report mentions, else left without them."""
    place = Place(name_zh=zh, name_en=en)
    if not zh:
        return place
    candidates = hierarchy().get(zh, [])
    if len(candidates) > 1:
        candidates = [c for c in candidates if (c[0] and c[0] in text) or (c[1] and c[1] in text)] or []
    if len(candidates) == 1:
        prefecture, province = candidates[0]
        place.prefecture_zh = prefecture or None
        place.province_zh = province or (zh if not prefecture and zh.endswith(("省", "自治区")) else None)
        if place.province_zh:
            from ..facts.romanize import romanize_place

            place.province_en = romanize_place(place.province_zh)
    return place


def read_briefings(paths: list[Path], glossary: Glossary, sources: list[Path] = ()) -> list[Read]:
    from ..checks import load_brief

    out, docs = [], {}
    for path in paths:
        brief = load_brief(path)
        read = Read(path=path, brief=brief)
        try:
            _, read.doc, read.facts = load_source(brief, path, sources, glossary, docs)
        except (SourceMissing, UserError):
            pass
        if read.doc is not None:
            read.text = to_simplified(read.doc.text)
            home = read.facts.place
            read.place = place_of(home.zh if home else None, home.en if home else None, read.text)
        else:
            read.text = to_simplified("\n".join([t for s in brief.summary for t in s.evidence]
                                                + [a.evidence_zh for a in brief.actions]))
            read.place = Place(name_en=_place_from_body(brief.meeting.body_en))
        out.append(read)
    return out


_BODY_PLACE = re.compile(r"^(.*?\b(?:County|District|City|Banner|Prefecture|Province|Township|Town))\b")


def _place_from_body(body_en: str | None) -> str | None:
    match = _BODY_PLACE.match(body_en or "")
    return match.group(1) if match else None


# ------------------------------------------------------------------ duplicates
def _shingles(text: str) -> set[bytes]:
    text = re.sub(r"\s+", "", text)
    return {text[i:i + SHINGLE].encode("utf-8") for i in range(max(1, len(text) - SHINGLE + 1))}


def duplicate_groups(copies: list[Copy]) -> list[tuple[list[int], list[str]]]:
    """Groups (indexes into ``copies``, the kept one first; reasons) of reports that are one meeting;
    singletons left out."""
    from datasketch import MinHash, MinHashLSH

    parent = list(range(len(copies)))
    reasons: dict[tuple[int, int], str] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int, why: str) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
            reasons[(min(i, j), max(i, j))] = why

    by_key: dict[tuple, int] = {}
    for i, c in enumerate(copies):
        if c.key is not None:
            if c.key in by_key:
                join(by_key[c.key], i, "same body, date and meeting number")
            else:
                by_key[c.key] = i
    lsh = MinHashLSH(threshold=JACCARD, num_perm=NUM_PERM)
    signatures = []
    for i, c in enumerate(copies):
        signature = MinHash(num_perm=NUM_PERM, seed=1)
        signature.update_batch(list(_shingles(c.text)))
        signatures.append(signature)
        for j in lsh.query(signature):
            similarity = signature.jaccard(signatures[j])
            if similarity >= JACCARD:
                join(j, i, f"near-duplicate text (estimated Jaccard {similarity:.2f})")
        lsh.insert(i, signature)
    groups: dict[int, list[int]] = {}
    for i in range(len(copies)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        if len(members) > 1:
            why = sorted({w for (a, b), w in reasons.items() if a in members and b in members})
            # kept: a Simplified copy before a Traditional repost, then the longest text
            out.append((sorted(members, key=lambda k: (copies[k].traditional, -len(copies[k].text), copies[k].path)),
                        why))
    return out
