"""The glossary: fixed English renderings of government terms, organs and official titles.

Everything here is data. The packaged tables are ``data/glossary.tsv`` (terms and organs),
``data/titles.tsv`` (titles of officials) and ``data/levels.tsv`` (administrative levels).
A user adds or overrides entries with TSV files of the same shape as ``glossary.tsv``::

    zh<TAB>en<TAB>kind<TAB>variants<TAB>note

``kind`` is term, org, title, place or person (default term); ``variants`` are other
acceptable English renderings separated by ``|``. A user row with kind ``title`` overrides
the title table; ``place`` and ``person`` rows override romanization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import UserError
from ..ingest.script import to_simplified
from .model import Rendering

KINDS = ("term", "org", "title", "place", "person")
GLOSSARY_COLUMNS = ("zh", "en", "kind", "variants", "note")
TITLE_SCOPES = ("local", "national", "group")
# 县委副书记、县长: titles joined by 、 (or 兼, "concurrently") are rendered part by part.
TITLE_JOINERS = "、兼"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SMALL_WORDS = {"of", "and", "the", "for", "in", "on", "at", "to", "a", "an"}
# Organs whose officials' titles are rendered without them: 县政府四级调研员 -> Fourth-level
# Researcher (the government is the convening body and needs no repeating).
_IMPLIED_ORGS = ("人民政府", "政府")


# ------------------------------------------------------------------ TSV tables
def _data_text(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def parse_tsv(text: str, columns: Sequence[str], *, source: str, required: int) -> list[tuple[int, dict[str, str]]]:
    """Rows of a tab-separated table as ``(line number, {column: value})``.

    Lines starting with ``#`` and blank lines are skipped, and so is a header row (first cell
    equal to the first column name). Missing optional cells are empty strings. A row with too
    few or too many cells raises :class:`UserError` naming ``source`` and the line.
    """
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if cells[0] == columns[0]:
            continue
        while len(cells) > required and not cells[-1]:
            cells.pop()
        if len(cells) < required:
            found = "no tab" if len(cells) == 1 else f"{len(cells)} column(s)"
            raise UserError(f"line {number}: expected at least {required} tab-separated columns "
                            f"({', '.join(columns[:required])}), found {found}: {line.strip()[:60]!r}",
                            path=source, hint=f"separate the columns {chr(9).join(columns)} with tabs")
        if len(cells) > len(columns):
            raise UserError(f"line {number}: {len(cells)} columns, at most {len(columns)} expected "
                            f"({', '.join(columns)})", path=source,
                            hint="remove the extra tabs, or put the text in the last (note) column")
        rows.append((number, dict(zip(columns, cells + [""] * (len(columns) - len(cells))))))
    return rows


def packaged_table(name: str, columns: Sequence[str], required: int = 2) -> list[dict[str, str]]:
    """A table shipped in ``data/``."""
    return [row for _, row in parse_tsv(_data_text(name), columns, source=f"summarizer/facts/data/{name}",
                                        required=required)]


@dataclass(frozen=True)
class Level:
    zh: str  # 县
    noun: str  # after a place name: Luxi County
    adjective: str  # before an organ: County People's Government
    party: bool  # has its own Party committee (title templates expand for it)


@cache
def levels() -> dict[str, Level]:
    """Administrative levels by suffix, longest suffix first."""
    rows = packaged_table("levels.tsv", ("zh", "noun", "adjective", "party", "note"), required=4)
    table = {r["zh"]: Level(r["zh"], r["noun"], r["adjective"], r["party"] == "yes") for r in rows}
    return dict(sorted(table.items(), key=lambda kv: -len(kv[0])))


def title_case(text: str) -> str:
    """'finance bureau' -> 'Finance Bureau' (small words stay lower case; capitals are kept)."""
    words = text.split(" ")
    return " ".join(w if (w in _SMALL_WORDS and i) else w[:1].upper() + w[1:] for i, w in enumerate(words))


# ------------------------------------------------------------------ entries
@dataclass(frozen=True)
class Entry:
    zh: str
    en: str
    kind: str = "term"
    variants: tuple[str, ...] = ()
    note: str = ""
    source: str = "packaged"

    def rendering(self) -> Rendering:
        return Rendering(self.zh, self.en, self.kind, self.variants)


@dataclass(frozen=True)
class Title:
    zh: str
    en: str
    scope: str = "local"  # local | national | group
    variants: tuple[str, ...] = ()

    @property
    def national(self) -> bool:
        return self.scope == "national"

    @property
    def group(self) -> bool:
        return self.scope == "group"


def _split_variants(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split("|") if v.strip())


def read_entries(text: str, *, source: str) -> list[Entry]:
    """Glossary rows of one file, checked. Raises :class:`UserError` on the first bad row."""
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for number, row in parse_tsv(text, GLOSSARY_COLUMNS, source=source, required=2):
        where = f"line {number}"
        zh, en, kind = row["zh"], row["en"], row["kind"] or "term"
        if not _HAN.search(zh):
            raise UserError(f"{where}: the first column must be the Chinese term, found {zh!r}", path=source,
                            hint="put the Chinese term first, then a tab, then its English rendering")
        if not en:
            raise UserError(f"{where}: {zh} has no English rendering", path=source,
                            hint="put the English rendering in the second column")
        if _HAN.search(en) or any(_HAN.search(v) for v in _split_variants(row["variants"])):
            raise UserError(f"{where}: the English rendering of {zh} contains Chinese characters: {en!r}",
                            path=source, hint="columns are zh, en, kind, variants, note, separated by tabs")
        if kind not in KINDS:
            raise UserError(f"{where}: unknown kind {kind!r} for {zh}", path=source,
                            hint=f"use one of: {', '.join(KINDS)}")
        zh = to_simplified(zh)
        if zh in seen:
            raise UserError(f"{where}: {zh} is already defined on line {seen[zh]}", path=source,
                            hint="keep one row per term; put other English forms in the variants column")
        seen[zh] = number
        entries.append(Entry(zh, en, kind, _split_variants(row["variants"]), row["note"], source))
    return entries


def _read_user_file(path: str | Path) -> list[Entry]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError("glossary file not found", path=path, hint="check the path given for the glossary") from None
    except IsADirectoryError:
        raise UserError("is a directory, not a glossary file", path=path) from None
    except UnicodeDecodeError as exc:
        raise UserError(f"glossary file is not UTF-8 (byte {exc.start})", path=path,
                        hint="save it as UTF-8 text") from None
    except OSError as exc:
        raise UserError(f"cannot read the glossary file: {exc.strerror}", path=path) from None
    return read_entries(text, source=str(path))


@cache
def _packaged_entries() -> tuple[Entry, ...]:
    return tuple(read_entries(_data_text("glossary.tsv"), source="summarizer/facts/data/glossary.tsv"))


@cache
def _packaged_titles() -> tuple[Title, ...]:
    """titles.tsv with its {L} templates expanded for every level that has a Party committee."""
    out = []
    for row in packaged_table("titles.tsv", ("zh", "en", "scope", "note")):
        scope = row["scope"] or "local"
        if scope not in TITLE_SCOPES:
            raise ValueError(f"titles.tsv: {row['zh']}: unknown scope {scope!r}")
        if "{L}" in row["zh"]:
            for level in levels().values():
                if level.party:
                    out.append(Title(row["zh"].replace("{L}", level.zh),
                                     row["en"].replace("{Level}", level.adjective), scope))
        else:
            out.append(Title(row["zh"], row["en"], scope))
    return tuple(out)


# ------------------------------------------------------------------ the glossary
class Glossary:
    """Terms, organs and titles with their renderings; user entries override packaged ones."""

    def __init__(self, entries: Iterable[Entry] = (), titles: Iterable[Title] = ()):
        self._entries: dict[str, Entry] = {}
        self._titles: dict[str, Title] = {t.zh: t for t in titles}
        for entry in entries:
            self._entries[entry.zh] = entry
            if entry.kind == "title":
                old = self._titles.get(entry.zh)
                self._titles[entry.zh] = Title(entry.zh, entry.en, old.scope if old else "local", entry.variants)

    @classmethod
    def load(cls, extra_files: Iterable[str | Path] = ()) -> "Glossary":
        """The packaged glossary, then each user file in order (later rows override earlier ones)."""
        entries = list(_packaged_entries())
        for path in extra_files or ():
            entries.extend(_read_user_file(path))
        return cls(entries, _packaged_titles())

    # ---------------------------------------------------------------- lookup
    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, zh: str) -> bool:
        return zh in self._entries

    def get(self, zh: str) -> Entry | None:
        return self._entries.get(zh)

    @property
    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def kind_of(self, kind: str) -> dict[str, Entry]:
        return {zh: e for zh, e in self._entries.items() if e.kind == kind}

    @cached_property
    def orgs(self) -> dict[str, Entry]:
        return self.kind_of("org")

    @cached_property
    def org_names(self) -> tuple[str, ...]:
        """Names of organs, longest first."""
        return tuple(sorted(self.orgs, key=lambda k: (-len(k), k)))

    # ---------------------------------------------------------------- finding terms in text
    @cached_property
    def _term_pattern(self) -> re.Pattern | None:
        # titles of two characters (区长, 书记, 主任) are left out: they occur inside other
        # words (园区长效, 全区长远); titles of the people found are added by establish_facts.
        keys = set(self._entries) | {zh for zh in self._titles if len(zh) >= 3}
        return _alternation(keys)

    def find(self, text: str) -> list[Rendering]:
        """Entries occurring in ``text``, in order of first occurrence.

        Matching is leftmost-longest and never overlaps, so an entry found only inside a longer
        one (县委 inside 县委书记, 民生 inside 民生实事) is not reported.
        """
        if self._term_pattern is None:
            return []
        found: dict[str, Rendering] = {}
        for m in self._term_pattern.finditer(text):
            zh = m.group(0)
            if zh not in found:
                found[zh] = self._rendering(zh)
        return list(found.values())

    def _rendering(self, zh: str) -> Rendering:
        entry = self._entries.get(zh)
        if entry is not None:
            return entry.rendering()
        title = self._titles[zh]
        return Rendering(zh, title.en, "title", title.variants)

    # ---------------------------------------------------------------- titles
    def title(self, zh: str) -> Title | None:
        """One title exactly as in the table (no compounds, no organ prefix)."""
        return self._titles.get(zh)

    @cached_property
    def title_pattern(self) -> re.Pattern:
        """All titles, longest first (a regex alternation, so matches are leftmost-longest)."""
        return _alternation(self._titles)

    def title_parts(self, title_zh: str) -> list[str]:
        return [p for p in re.split(f"[{TITLE_JOINERS}]", title_zh) if p]

    def is_national(self, title_zh: str | None) -> bool:
        return bool(title_zh) and any((t := self._core_title(p)) is not None and t[1].national
                                      for p in self.title_parts(title_zh))

    def is_group(self, title_zh: str | None) -> bool:
        return bool(title_zh) and all((t := self._core_title(p)) is not None and t[1].group
                                      for p in self.title_parts(title_zh))

    def _core_title(self, part: str) -> tuple[str, Title] | None:
        """(organ prefix, title) for the longest title that ``part`` ends with."""
        for i in range(len(part)):
            title = self._titles.get(part[i:])
            if title is not None:
                return part[:i], title
        return None

    def render_organ(self, organ_zh: str) -> str | None:
        """An organ written before a title: 县财政局 -> County Finance Bureau; None if unknown."""
        level = next((lv for zh, lv in levels().items() if organ_zh.startswith(zh) and len(organ_zh) > len(zh)), None)
        rest = organ_zh[len(level.zh):] if level else organ_zh
        entry = self.orgs.get(rest) or self.orgs.get(organ_zh)
        if entry is None and level is not None and rest.startswith("委") and rest[1:] in self.orgs:
            # 县委宣传部 -> Publicity Department of the County Party Committee
            return f"{title_case(self.orgs[rest[1:]].en)} of the {level.adjective} Party Committee"
        if entry is None:
            return None
        if entry.zh == organ_zh or level is None:
            return title_case(entry.en)
        return f"{level.adjective} {title_case(entry.en)}"

    def render_title(self, title_zh: str | None) -> str | None:
        """English for a title as written, compounds joined with " and ".

        县委副书记、县长 -> "Deputy Secretary of the County Party Committee and County Head";
        县先进制造业开发区党工委书记 -> "Secretary of the Party Working Committee of the County
        Advanced Manufacturing Development Zone"; 县政府四级调研员 -> "Fourth-level Researcher".
        An organ prefix that cannot be rendered is left out; a part that is no title at all
        makes the whole result None (so nothing is silently dropped).
        """
        if not title_zh:
            return None
        rendered = []
        for part in self.title_parts(title_zh):
            core = self._core_title(part)
            if core is None:
                return None
            organ, title = core
            organ_en = None
            if organ and not organ.endswith(_IMPLIED_ORGS):
                organ_en = self.render_organ(organ)
            rendered.append(f"{title.en} of the {organ_en}" if organ_en else title.en)
        return " and ".join(rendered)


def _alternation(keys: Iterable[str]) -> re.Pattern | None:
    ordered = sorted(set(keys), key=lambda k: (-len(k), k))
    if not ordered:
        return None
    return re.compile("|".join(re.escape(k) for k in ordered))
