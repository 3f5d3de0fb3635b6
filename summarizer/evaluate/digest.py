"""Scores of a digest against a reviewed reference (``evals/digest``): ``summarizer eval digest``.

- duplicates: precision and recall of the pairs of reports put in one meeting (a group of k reports
  is k(k-1)/2 pairs), against the reference groups;
- themes: per meeting, the themes its items went to (``other`` aside) against the themes the reference
  says it covers; precision and recall over all (meeting, theme) pairs;
- coverage: share of the digest's items in a theme other than "other matters";
- unsupported statements: overview and synthesis statements with a warning or error check, and their share.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

from ..errors import UserError
from ..digest.model import Digest
from ..digest.themes import OTHER


def _pairs(groups: list[list[str]]) -> set[frozenset]:
    return {frozenset(p) for g in groups for p in itertools.combinations(sorted(set(g)), 2)}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def score_digest(digest: Digest, dataset: Path) -> dict[str, float | int | None]:
    try:
        reference = tomllib.loads((dataset / "reference.toml").read_text(encoding="utf-8"))
        themes_ref = tomllib.loads((dataset / "themes_reference.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the digest reference: {exc}", path=dataset,
                        hint="the folder needs reference.toml and themes_reference.toml") from None
    predicted = _pairs([[Path(s).name for s in m.sources] for m in digest.meetings])
    wanted = _pairs([g["reports"] for g in reference.get("duplicates", [])])
    hits = len(predicted & wanted)
    covers = {m["report"]: set(m["themes"]) for m in themes_ref.get("meeting", [])}
    got_pairs = want_pairs = both = 0
    for m in digest.meetings:
        ref = next((covers[Path(s).name] for s in m.sources if Path(s).name in covers), None)
        if ref is None:
            continue
        got = {i.theme for i in digest.items if i.meeting == m.id and i.theme != OTHER}
        got_pairs, want_pairs, both = got_pairs + len(got), want_pairs + len(ref), both + len(got & ref)
    statements = len(digest.overview) + sum(len(t.synthesis) for t in digest.themes)
    flagged = {c.target for c in digest.checks if c.severity in ("warning", "error") and c.target
               and c.target != "overview" and not c.target.endswith(".synthesis")}
    return {
        "duplicate_precision": _ratio(hits, len(predicted)), "duplicate_recall": _ratio(hits, len(wanted)),
        "theme_precision": _ratio(both, got_pairs), "theme_recall": _ratio(both, want_pairs),
        "coverage": _ratio(sum(i.theme != OTHER for i in digest.items), len(digest.items)),
        "statements": statements, "unsupported_statements": len(flagged),
        "unsupported_share": _ratio(len(flagged), statements),
        "meetings": digest.counts.meetings, "reports": digest.counts.reports, "calls": digest.usage.calls,
    }
