"""Automatic checks of a finished briefing against its source report: the only place they live.

``run_checks(brief, doc, facts)`` returns :class:`~summarizer.schema.Check` items (kind,
severity, one-line message, JSON path of the checked field, detail). Every kind is listed
with its meaning and what to do in ``kinds.KINDS`` (``kinds_markdown()`` prints the table).

- ``text``: Chinese left in English, numbers and dates, person names, owners, glossary terms;
- ``deadlines``: the deadline the evidence states against the action's, both ways;
- ``support``: cross-lingual similarity of each claim to its evidence; missing or wrong
  evidence is replaced by the best-matching verbatim source sentences (``run_checks``
  mutates ``brief`` only there, and records it in a check).

``recheck`` re-runs them on a briefing loaded from ``NAME.brief.json``; it needs the source
report, found through ``Brief.source.path`` (or given folders) and verified by sha256.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..errors import UserError
from ..facts import establish_facts
from ..facts.model import Facts
from ..files import resolve_path
from ..ingest import Document, file_sha256, find_reports, read_report
from ..schema import Brief, Check
from .deadlines import check_deadlines
from .kinds import FLAGGING, KINDS, OWNED, STICKY, Kind, kinds_markdown
from .numbers import SourceFacts
from .support import LOW_SUPPORT, SourceIndex, check_support, scores
from .text import (
    check_han,
    check_names,
    check_places,
    check_numbers_and_dates,
    check_owners,
    check_terms,
    english_fields,
    is_pinyin_word,
    pinyin_names,
)

__all__ = ["run_checks", "recheck", "load_brief", "locate_source", "Rechecked", "SourceMissing", "KINDS", "Kind",
           "FLAGGING", "LOW_SUPPORT", "kinds_markdown", "english_fields", "pinyin_names", "is_pinyin_word",
           "scores", "checks_for"]


def run_checks(brief: Brief, doc: Document, facts: Facts, glossary=None) -> list[Check]:
    """All automatic checks. Evidence is fixed first, so the other checks see the evidence shown."""
    index = SourceIndex(doc)
    support = check_support(brief, doc, index)
    source = SourceFacts([s.simplified for s in doc.sentences])
    found = (support + check_han(brief) + check_numbers_and_dates(brief, doc, source)
             + check_names(brief, doc, facts) + check_places(brief, doc, facts) + check_owners(brief, doc, facts) + check_deadlines(brief, doc, facts)
             + check_terms(brief, doc, facts))
    return sorted(found, key=lambda c: (_order(c.target), c.kind))


def _order(target: str | None) -> tuple:
    if not target:
        return (0, "", 0, "")
    m = re.match(r"(meeting|summary|actions)(?:\[(\d+)\])?(.*)", target)
    if not m:
        return (9, target, 0, "")
    return ({"meeting": 1, "summary": 2, "actions": 3}[m.group(1)], "", int(m.group(2) or 0), m.group(3))


def checks_for(brief: Brief) -> Callable[[str], list[Check]]:
    """A look-up of the checks on one item (``summary[2]``, ``actions[0]``) or field
    (``actions[0].deadline``), in the briefing's order; indexed once, so a briefing with
    thousands of items and checks is rendered in linear time."""
    index: dict[str, list[Check]] = {}
    for c in brief.checks:
        if c.target:
            parts = c.target.split(".")
            for n in range(1, len(parts) + 1):
                index.setdefault(".".join(parts[:n]), []).append(c)
    return lambda prefix: index.get(prefix, [])


# ------------------------------------------------------------------ existing briefings
class SourceMissing(UserError):
    """The source report of a briefing cannot be found, or has changed since."""


@dataclass
class Rechecked:
    path: Path | None
    brief: Brief
    doc: Document
    facts: Facts
    source: Path


def load_brief(path: Path) -> Brief:
    try:
        return Brief.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("briefing not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the briefing: {exc}", path=path) from None
    except ValueError as exc:
        first = str(exc).splitlines()
        raise UserError(f"not a briefing (NAME.brief.json): {' '.join(first[:3])[:300]}", path=path) from None


def locate_source(brief: Brief, brief_path: Path | None = None, search: Sequence[Path] = ()) -> Path:
    """The briefing's source report: ``source.path`` as recorded (absolute, or relative to the current
    folder or to the briefing's folder), else a file of the same name or the same sha256 under ``search``."""
    recorded = Path(brief.source.path)
    candidates = [recorded] if recorded.is_absolute() else [Path.cwd() / recorded]
    if brief_path is not None and not recorded.is_absolute():
        candidates.append(resolve_path(brief_path).parent / recorded)
    for folder in search:
        folder = Path(folder)
        if folder.is_file():
            candidates.append(folder)
            continue
        candidates.append(folder / recorded.name)
    changed = None
    for candidate in dict.fromkeys(candidates):
        if candidate.is_file():
            if file_sha256(candidate) == brief.source.sha256:
                return candidate
            changed = changed or candidate
    for folder in search:  # renamed or moved: match on content
        if Path(folder).is_dir():
            for report in find_reports(Path(folder)):
                if file_sha256(report) == brief.source.sha256:
                    return report
    where = f" (from {brief_path})" if brief_path else ""
    if changed is not None:
        raise SourceMissing(f"the source report {changed} has changed since it was briefed (sha256 differs){where}",
                            hint="re-run `summarizer brief` on it, or pass --sources with the original file")
    raise SourceMissing(f"source report not found: {brief.source.path}{where}",
                        hint="checks need the report the briefing was made from; pass --sources FOLDER where it is")


def recheck(brief: Brief, doc: Document, facts: Facts, glossary=None) -> Brief:
    """A copy of ``brief`` with the automatic checks recomputed (pipeline and ingest checks kept as
    recorded, and earlier evidence_added/evidence_replaced records kept: they describe changes
    already made to the evidence)."""
    fresh = brief.model_copy(deep=True)
    kept = [c for c in fresh.checks if c.kind not in OWNED or c.kind in STICKY]
    fresh.checks = []
    new = run_checks(fresh, doc, facts, glossary)
    seen = {(c.kind, c.target) for c in kept}
    fresh.checks = kept + [c for c in new if (c.kind, c.target) not in seen or c.kind not in STICKY]
    return fresh


def load_source(brief: Brief, brief_path: Path | None, sources: Sequence[Path] = (), glossary=None,
                cache: dict | None = None) -> tuple[Path, Document, Facts]:
    """The briefing's source report, read and its facts established; ``cache`` (keyed by the
    report's path) spares re-reading a report several briefings were made from."""
    source = locate_source(brief, brief_path, sources)
    key = resolve_path(source)
    if cache is not None and key in cache:
        return cache[key]
    doc = read_report(source)
    loaded = (source, doc, establish_facts(doc, glossary))
    if cache is not None:
        cache[key] = loaded
    return loaded


def recheck_file(path: Path, *, sources: Sequence[Path] = (), glossary=None, cache: dict | None = None) -> Rechecked:
    brief = load_brief(path)
    source, doc, facts = load_source(brief, path, sources, glossary, cache)
    return Rechecked(Path(path), recheck(brief, doc, facts, glossary), doc, facts, source)


def find_briefs(targets: Iterable[Path]) -> list[Path]:
    """``NAME.brief.json`` files: given files, and those under given folders (recursive), sorted."""
    found: list[Path] = []
    for target in targets:
        target = Path(target)
        if target.is_dir():
            found += sorted(target.rglob("*.brief.json"))
        elif target.is_file():
            found.append(target)
        else:
            raise UserError("no such file or folder", path=target)
    if not found:
        raise UserError("no briefings found", hint="give NAME.brief.json files or folders containing them")
    return list(dict.fromkeys(found))
