"""Draw a reproducible, stratified sample of claims and actions from many briefings.

Population: every summary point and every action of every briefing. Strata: one per
briefing (a report x prompt x model) and flagged or not (a flag = a warning or error
check on the item). The allocation gives, in this order of priority,

1. every briefing at least one item (when the sample is at least as large as the briefings);
2. flagged items at least ``flagged_share`` of the sample (when there are that many);
3. the rest in proportion to stratum sizes (largest deficit first);

then draws within each stratum with ``random.Random(seed)`` from items sorted by id, so
the same briefings, size and seed give the same sample whatever order the files come in.
Each item carries ``weight`` = stratum size / items drawn from it: ``stats`` uses it to
turn the over-sampled flagged items back into estimates for all items.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .. import __version__
from ..checks import FLAGGING, SourceMissing, checks_for, load_brief, load_source, recheck, scores
from ..facts.model import Facts
from ..ingest import Document
from ..schema import Brief
from .highlight import Anchored, anchors
from .verdicts import Flag, Item, SampleInfo, Stratum, VerdictFile, now


@dataclass
class Loaded:
    """A briefing ready to sample: checks current, and its source when available."""

    path: Path
    brief: Brief
    doc: Document | None
    facts: Facts | None


def load(paths: Sequence[Path], *, sources: Sequence[Path] = (), do_recheck: bool = True,
         glossary=None) -> list[Loaded]:
    out = []
    read: dict = {}  # a report several briefings were made from is read once
    for path in paths:
        brief = load_brief(path)
        try:
            _, doc, facts = load_source(brief, path, sources, glossary, read)
        except SourceMissing:
            if do_recheck:
                raise
            out.append(Loaded(Path(path), brief, None, None))
            continue
        out.append(Loaded(Path(path), recheck(brief, doc, facts, glossary) if do_recheck else brief, doc, facts))
    return out


def item_id(brief: Brief, target: str) -> str:
    key = "\0".join([brief.source.sha256, brief.prompt.name, str(brief.prompt.version), brief.prompt.sha256,
                     brief.model.name, brief.model.endpoint, target])
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _deadline_text(action) -> str | None:
    d = action.deadline
    if not d:
        return None
    return d.text_en + (f" ({d.date})" if d.date else "") + (f" [{d.recurrence}]" if d.recurrence else "")


def population(loaded: Sequence[Loaded]) -> list[tuple[Item, Loaded]]:
    """Every claim and action as an unsampled item (stratum set, weight 1)."""
    out = []
    for entry in loaded:
        b = entry.brief
        support = scores(b, entry.doc) if entry.doc is not None else {}
        common = dict(brief=str(entry.path), source=b.source.path, source_sha256=b.source.sha256,
                      prompt=f"{b.prompt.name}@v{b.prompt.version}", prompt_sha256=b.prompt.sha256,
                      model=b.model.name, endpoint=b.model.endpoint)
        rows = [(f"summary[{i}]", "summary", s.text, None, None, None, list(s.evidence))
                for i, s in enumerate(b.summary)]
        rows += [(f"actions[{i}]", "action", a.task_en, a.owner_en, a.owner_zh, _deadline_text(a),
                  [a.evidence_zh] if a.evidence_zh else []) for i, a in enumerate(b.actions)]
        on = checks_for(b)
        for target, kind, claim, owner, owner_zh, deadline, evidence in rows:
            flags = [Flag(kind=c.kind, severity=c.severity, message=c.message, target=c.target)
                     for c in on(target)]
            flagged = any(f.severity in FLAGGING for f in flags)
            out.append((Item(id=item_id(b, target), kind=kind, target=target, claim=claim, owner=owner,
                             owner_zh=owner_zh, deadline=deadline, evidence_zh=evidence,
                             evidence_en=[b.evidence_en.get(e) for e in evidence] if b.evidence_en else [],
                             support=support.get(target), flags=flags,
                             stratum=f"{entry.path}|{'flagged' if flagged else 'unflagged'}", weight=1.0,
                             **common), entry))
    return out


def allocate(sizes: dict[tuple[str, bool], int], n: int, flagged_share: float,
             rng: random.Random) -> dict[tuple[str, bool], int]:
    """How many items to draw from each (briefing, flagged) stratum."""
    strata = sorted(k for k, size in sizes.items() if size > 0)
    total = sum(sizes[k] for k in strata)
    n = min(n, total)
    flagged_total = sum(sizes[k] for k in strata if k[1])
    quota = {True: min(flagged_total, max(math.ceil(n * flagged_share), round(n * flagged_total / total) if total
                                          else 0))}
    quota[False] = n - quota[True]
    if quota[False] > total - flagged_total:  # not enough unflagged items: give the rest to flagged
        quota[False] = total - flagged_total
        quota[True] = n - quota[False]
    super_size = {flag: sum(sizes[k] for k in strata if k[1] == flag) for flag in (True, False)}
    tiebreak = {k: rng.random() for k in strata}
    alloc = dict.fromkeys(strata, 0)
    per_brief: dict[str, int] = {}
    per_flag = {True: 0, False: 0}
    for _ in range(n):
        def priority(k):
            brief, flag = k
            target = quota[flag] * sizes[k] / super_size[flag] if super_size[flag] else 0
            return (per_brief.get(brief, 0) == 0, per_flag[flag] < quota[flag], target - alloc[k], tiebreak[k])

        open_strata = [k for k in strata if alloc[k] < sizes[k]]
        chosen = max(open_strata, key=priority)
        alloc[chosen] += 1
        per_brief[chosen[0]] = per_brief.get(chosen[0], 0) + 1
        per_flag[chosen[1]] += 1
    return alloc


def draw(loaded: Sequence[Loaded], n: int, seed: int, flagged_share: float = 0.5
         ) -> tuple[VerdictFile, dict[str, Anchored]]:
    """The sample as an unjudged verdict file, and the highlight anchors of each item."""
    if n < 1:
        raise ValueError("sample size must be at least 1")
    if not 0 <= flagged_share <= 1:
        raise ValueError("flagged_share must be between 0 and 1")
    everything = sorted(population(loaded), key=lambda pair: (pair[0].brief, pair[0].id))
    groups: dict[tuple[str, bool], list[tuple[Item, Loaded]]] = {}
    for item, entry in everything:
        groups.setdefault((item.brief, item.flagged), []).append((item, entry))
    for members in groups.values():
        members.sort(key=lambda pair: pair[0].id)
    rng = random.Random(seed)
    alloc = allocate({k: len(v) for k, v in groups.items()}, n, flagged_share, rng)
    chosen: list[tuple[Item, Loaded]] = []
    strata = []
    for key in sorted(groups):
        members, k = groups[key], alloc.get(key, 0)
        picked = rng.sample(members, k) if k else []
        weight = len(members) / k if k else 0.0
        for item, entry in picked:
            chosen.append((item.model_copy(update={"weight": round(weight, 6)}), entry))
        strata.append(Stratum(key=f"{key[0]}|{'flagged' if key[1] else 'unflagged'}", brief=key[0],
                              flagged=key[1], population=len(members), sampled=k))
    rng.shuffle(chosen)  # the reviewer sees flagged and unflagged items mixed, not grouped
    info = SampleInfo(seed=seed, requested=n, population=len(everything), flagged_share=flagged_share,
                      created=now(), tool_version=__version__, briefs=sorted({str(e.path) for e in loaded}),
                      strata=strata)
    marks = {}
    for item, entry in chosen:
        marks[item.id] = anchors({"claim": item.claim, "owner": item.owner or ""}, item.evidence_zh, entry.doc,
                                 entry.facts, action=item.kind == "action")
    return VerdictFile(sample=info, items=[item for item, _ in chosen]), marks
