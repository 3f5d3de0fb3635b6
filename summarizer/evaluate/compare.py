"""Compare two variants (A = baseline, B = candidate) item by item, with confidence intervals.

Pairing: an item of A and an item of B are paired when they share (case, repeat). A
metric's means and difference are over the pairs where both sides have a value (a failed
item only has ``ok``), so "mean B - mean A" is exactly the mean paired difference.

Confidence interval: a percentile bootstrap of the mean paired difference that resamples
*cases* (all repeats of a case travel together, since repeats of one report are not
independent; with ``--repeat 1`` this is the ordinary paired bootstrap), 10,000 resamples
from a fixed seed, so the same runs always give the same interval. With the 5 dev cases
the interval is wide and somewhat optimistic: read it as a guide, not a test.

Direction: every metric says whether higher or lower is better (``metrics.get_metric``).
"better"/"worse" verdicts, win/tie/loss and the regression gate all turn the difference so
that positive means B is better; for lower-is-better metrics (``check.*``, ``calls``,
``seconds``...) an *increase* is a regression. Metrics without a direction (length) get no
verdict and cannot be gated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from .metrics import HEADLINE, Metric, get_metric, metric_order
from .runs import Run

RESAMPLES = 10_000
LEVEL = 0.95
TIE = 1e-9


@dataclass
class Side:
    run: Run
    variant: str

    @property
    def label(self) -> str:
        return f"{self.run.id}:{self.variant}"

    def values(self, metric: str) -> dict[tuple[str, int], float]:
        out = {}
        for item in self.run.items_of(self.variant):
            value = item.value(metric)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                out[(item.case, item.repeat)] = float(value)
        return out


@dataclass
class CaseDelta:
    case: str
    a: float
    b: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass
class MetricComparison:
    metric: Metric
    n_pairs: int
    n_cases: int
    mean_a: float | None
    mean_b: float | None
    ci_low: float | None
    ci_high: float | None
    wins: int  # cases where B is better
    ties: int
    losses: int
    cases: list[CaseDelta] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def delta(self) -> float | None:
        return None if self.mean_a is None else self.mean_b - self.mean_a

    @property
    def verdict(self) -> str:
        """better / worse (the CI excludes 0), same (it does not), or '' (no direction or no data)."""
        if self.metric.direction == "none" or self.delta is None or self.ci_low is None:
            return ""
        low, high = self.metric.better(self.ci_low), self.metric.better(self.ci_high)
        low, high = min(low, high), max(low, high)
        if low > TIE:
            return "better"
        if high < -TIE:
            return "worse"
        return "same"


def bootstrap_ci(by_case: list[np.ndarray], *, resamples: int = RESAMPLES, seed: int = 0,
                 level: float = LEVEL) -> tuple[float, float]:
    """Percentile CI of the mean of all differences, resampling whole cases (clusters)."""
    sums = np.array([d.sum() for d in by_case], dtype=float)
    counts = np.array([len(d) for d in by_case], dtype=float)
    if len(by_case) == 1:
        mean = float(sums[0] / counts[0])
        return mean, mean
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(by_case), size=(resamples, len(by_case)))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def compare_metric(a: Side, b: Side, name: str, *, seed: int = 0, resamples: int = RESAMPLES) -> MetricComparison:
    metric = get_metric(name)
    va, vb = a.values(name), b.values(name)
    keys = sorted(set(va) & set(vb))
    if not keys:
        return MetricComparison(metric, 0, 0, None, None, None, None, 0, 0, 0)
    by_case: dict[str, list[tuple[float, float]]] = {}
    for key in keys:
        by_case.setdefault(key[0], []).append((va[key], vb[key]))
    cases = [CaseDelta(c, float(np.mean([x for x, _ in pairs])), float(np.mean([y for _, y in pairs])))
             for c, pairs in by_case.items()]
    diffs = [np.array([y - x for x, y in pairs]) for pairs in by_case.values()]
    low, high = bootstrap_ci(diffs, resamples=resamples, seed=seed)
    wins = ties = losses = 0
    for c in cases:
        oriented = metric.better(c.delta)
        if metric.direction == "none" or abs(c.delta) <= TIE:
            ties += 1
        elif oriented > 0:
            wins += 1
        else:
            losses += 1
    return MetricComparison(metric, len(keys), len(cases), float(np.mean([va[k] for k in keys])),
                            float(np.mean([vb[k] for k in keys])), low, high, wins, ties, losses, cases)


@dataclass
class Comparison:
    a: Side
    b: Side
    metrics: list[MetricComparison]
    notes: list[str]

    def get(self, name: str) -> MetricComparison:
        return next(m for m in self.metrics if m.name == name)

    def changed_cases(self, top: int = 5) -> list[tuple[str, float, list[tuple[str, float]]]]:
        """Cases that changed most: mean standardized change over the metrics with a direction.

        Each metric's per-case delta is divided by the spread (std) of that metric's values over
        both sides and all cases (so ROUGE and seconds weigh alike), turned so positive = B
        better, and averaged over the metrics per case.
        Returns (case, score, [(metric, delta), ...the metrics that moved it most]).
        """
        per_case: dict[str, list[tuple[str, float, float]]] = {}
        for m in self.metrics:
            if m.metric.direction == "none" or not m.cases:
                continue
            scale = float(np.std([v for c in m.cases for v in (c.a, c.b)]))
            if scale == 0.0:
                continue
            for c in m.cases:
                per_case.setdefault(c.case, []).append((m.name, c.delta, m.metric.better(c.delta) / scale))
        ranked = []
        for case, entries in per_case.items():
            overall = float(np.mean([z for _, _, z in entries]))
            movers = sorted(entries, key=lambda e: -abs(e[2]))[:3]
            ranked.append((case, overall, [(name, delta) for name, delta, z in movers if abs(z) > 0]))
        return sorted(ranked, key=lambda r: -abs(r[1]))[:top]


def compare(a: Side, b: Side, metrics: list[str] | None = None, *, seed: int = 0,
            resamples: int = RESAMPLES) -> Comparison:
    notes = []
    if a.run.manifest.dataset.sha256 != b.run.manifest.dataset.sha256:
        notes.append("the two runs used different versions of the dataset (hashes differ): only shared cases "
                     "and repeats are paired")
    cases_a = {i.case for i in a.run.items_of(a.variant)}
    cases_b = {i.case for i in b.run.items_of(b.variant)}
    if cases_a != cases_b:
        notes.append(f"cases only in A: {sorted(cases_a - cases_b) or '-'}; only in B: {sorted(cases_b - cases_a) or '-'}")
    names = metrics or metric_order(a.run.metric_names() | b.run.metric_names())
    for name in names:
        try:
            get_metric(name)
        except KeyError:
            raise UserError(f"unknown metric {name!r}", hint="`summarizer eval metrics` lists them") from None
    return Comparison(a, b, [compare_metric(a, b, n, seed=seed, resamples=resamples) for n in names], notes)


# ------------------------------------------------------------------ the regression gate
_GATE = re.compile(r"^(?P<metric>[\w.]+)(?::(?P<tol>[0-9]*\.?[0-9]+)(?P<pct>%)?)?$")


@dataclass
class Gate:
    metric: str
    tolerance: float = 0.0
    relative: bool = False  # tolerance is a percentage of A's mean

    @classmethod
    def parse(cls, spec: str) -> "Gate":
        m = _GATE.match(spec.strip())
        if not m:
            raise UserError(f"bad --fail-on-regression {spec!r}",
                            hint="write METRIC or METRIC:TOLERANCE, e.g. rougeL:0.02 or seconds:10%")
        try:
            metric = get_metric(m["metric"])
        except KeyError:
            raise UserError(f"unknown metric {m['metric']!r} in --fail-on-regression",
                            hint="`summarizer eval metrics` lists them") from None
        if metric.direction == "none":
            raise UserError(f"metric {metric.name} has no better direction and cannot gate a regression")
        return cls(metric.name, float(m["tol"] or 0), bool(m["pct"]))

    def spec(self) -> str:
        return f"{self.metric}:{self.tolerance:g}{'%' if self.relative else ''}"


@dataclass
class GateResult:
    gate: Gate
    passed: bool
    message: str


def check_gate(gate: Gate, comparison: MetricComparison) -> GateResult:
    """Fails when B is worse than A by more than the tolerance (in the metric's bad direction)."""
    m = comparison.metric
    if comparison.delta is None:
        return GateResult(gate, False, f"{m.name}: no paired values to compare (did every item fail, or is the "
                                       "metric missing from a run?)")
    allowed = gate.tolerance * abs(comparison.mean_a) / 100 if gate.relative else gate.tolerance
    worse_by = -m.better(comparison.delta)  # > 0: B is worse
    ci = f"95% CI [{comparison.ci_low:+.4g}, {comparison.ci_high:+.4g}]"
    where = "lower" if m.direction == "higher" else "higher"
    if worse_by > allowed + TIE:
        return GateResult(gate, False, f"{m.name}: B is {where} by {abs(comparison.delta):.4g} "
                                       f"({comparison.mean_a:.4g} -> {comparison.mean_b:.4g}, {ci}), "
                                       f"over the tolerance {allowed:.4g}")
    return GateResult(gate, True, f"{m.name}: {comparison.mean_a:.4g} -> {comparison.mean_b:.4g} "
                                  f"(delta {comparison.delta:+.4g}, {ci}) within tolerance {allowed:.4g}")


def headline_first(names: list[str]) -> list[str]:
    return [n for n in HEADLINE if n in names] + [n for n in names if n not in HEADLINE]
