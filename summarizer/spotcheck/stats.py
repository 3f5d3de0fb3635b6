"""``summarizer spotcheck stats``: accuracy from human verdicts, and how far to trust each flag.

Accuracy = correct / (correct + wrong); ``unsure`` verdicts are counted but left out of
it. Every rate comes with a Wilson 95% interval (Wilson, 1927), which stays inside [0, 1]
and behaves at small n and at 0% or 100%, unlike the normal approximation.

The sample over-represents flagged items on purpose, so two accuracies are shown: the
*sample* accuracy (of the items judged) and the *estimated* accuracy of all items in the
briefings, weighting each item by its stratum's size / items drawn (``Item.weight``); its
interval uses Kish's effective sample size (sum w)^2 / sum w^2.

A flag's precision is the share of flagged items that the reviewer judged wrong; its
recall the share of wrong items it flagged (both weighted the same way). A kind with high
precision is worth acting on without reading; one with low precision is noise to fix.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from . import verdicts as vf

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n is 0. ``n`` may be fractional."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes <= 0 else max(0.0, centre - half)  # exact at the ends, not 0.9999999999999999
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


@dataclass
class Rate:
    """successes of n, as a proportion with a Wilson 95% interval."""

    successes: float
    n: float
    value: float | None
    low: float
    high: float

    @classmethod
    def of(cls, successes: float, n: float) -> "Rate":
        low, high = wilson(successes, n)
        return cls(successes, n, successes / n if n else None, low, high)

    @classmethod
    def weighted(cls, pairs: Sequence[tuple[bool, float]]) -> "Rate":
        """(success, weight) pairs: the weighted share, with n = Kish's effective sample size."""
        total = sum(w for _, w in pairs)
        if not pairs or total <= 0:
            return cls(0, 0, None, 0.0, 1.0)
        p = sum(w for ok, w in pairs if ok) / total
        n_eff = total * total / sum(w * w for _, w in pairs)
        low, high = wilson(p * n_eff, n_eff)
        return cls(round(p * n_eff, 3), round(n_eff, 3), p, low, high)

    def show(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.0%} ({self.low:.0%}–{self.high:.0%})"


@dataclass
class Group:
    name: str
    items: int
    correct: int
    wrong: int
    unsure: int
    unjudged: int
    sample_accuracy: Rate
    estimated_accuracy: Rate
    median_support_correct: float | None = None
    median_support_wrong: float | None = None


@dataclass
class FlagStats:
    kind: str
    flagged: int  # judged items carrying it
    flagged_wrong: int
    flagged_correct: int
    wrong_unflagged: int
    precision: Rate
    recall: Rate


@dataclass
class Stats:
    files: list[str]
    items: int
    judged: int
    duplicates: int  # items judged in more than one file (the last file's verdict counts)
    disagreements: int  # of those, how many verdicts differed
    groups: list[Group] = field(default_factory=list)
    flags: list[FlagStats] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return round(values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2, 3)


def _group(name: str, items: list[vf.Item]) -> Group:
    judged = [i for i in items if i.verdict in ("correct", "wrong")]
    correct = sum(i.verdict == "correct" for i in judged)
    return Group(
        name=name, items=len(items), correct=correct, wrong=len(judged) - correct,
        unsure=sum(i.verdict == "unsure" for i in items), unjudged=sum(i.verdict is None for i in items),
        sample_accuracy=Rate.of(correct, len(judged)),
        estimated_accuracy=Rate.weighted([(i.verdict == "correct", i.weight) for i in judged]),
        median_support_correct=_median([i.support for i in judged if i.verdict == "correct" and i.support is not None]),
        median_support_wrong=_median([i.support for i in judged if i.verdict == "wrong" and i.support is not None]),
    )


ANY_FLAG = "(any warning or error)"


def _flag_stats(kind: str, judged: list[vf.Item], has) -> FlagStats:
    flagged = [i for i in judged if has(i)]
    wrong = [i for i in judged if i.verdict == "wrong"]
    return FlagStats(
        kind=kind, flagged=len(flagged), flagged_wrong=sum(i.verdict == "wrong" for i in flagged),
        flagged_correct=sum(i.verdict == "correct" for i in flagged),
        wrong_unflagged=sum(not has(i) for i in wrong),
        precision=Rate.weighted([(i.verdict == "wrong", i.weight) for i in flagged]),
        recall=Rate.weighted([(has(i), i.weight) for i in wrong]),
    )


def merge(files: Iterable[vf.VerdictFile]) -> tuple[list[vf.Item], int, int]:
    """Items of several verdict files, one per id: the last file with a verdict wins."""
    by_id: dict[str, vf.Item] = {}
    duplicates = disagreements = 0
    for file in files:
        for item in file.items:
            previous = by_id.get(item.id)
            if previous is not None and previous.verdict and item.verdict:
                duplicates += 1
                disagreements += previous.verdict != item.verdict
            if previous is None or item.verdict is not None:
                by_id[item.id] = item
    return list(by_id.values()), duplicates, disagreements


def compute(paths: Sequence[Path]) -> Stats:
    files = [vf.load(p) for p in paths]
    items, duplicates, disagreements = merge(files)
    judged = [i for i in items if i.verdict in ("correct", "wrong")]
    stats = Stats(files=[str(p) for p in paths], items=len(items), judged=len(judged), duplicates=duplicates,
                  disagreements=disagreements)
    stats.groups.append(_group("all items", items))
    for key in sorted({(i.prompt, i.model) for i in items}):
        stats.groups.append(_group(f"{key[0]} · {key[1]}", [i for i in items if (i.prompt, i.model) == key]))
    for kind, label in (("summary", "summary points"), ("action", "actions")):
        members = [i for i in items if i.kind == kind]
        if members:
            stats.groups.append(_group(label, members))
    kinds = sorted({f.kind for i in judged for f in i.flags})
    stats.flags.append(_flag_stats(ANY_FLAG, judged, lambda i: i.flagged))
    for kind in kinds:
        stats.flags.append(_flag_stats(kind, judged, lambda i, k=kind: any(f.kind == k for f in i.flags)))
    return stats
