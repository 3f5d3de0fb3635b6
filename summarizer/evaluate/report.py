"""``eval report``: one self-contained HTML file (inline CSS, JS and SVG; nothing fetched).

Sections: the runs and variants; a table of every metric (mean and 95% CI per variant, the
paired difference B - A with its CI, win/tie/loss, verdict); per-metric bar charts with
confidence intervals; per-case differences for a chosen metric; pairwise judge verdicts
when the run has them; and for each case the source (reference evidence marked), the
reference summary and the two variants' briefings side by side, word differences
highlighted (difflib), with their actions and which key facts each states.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..errors import UserError
from .cases import _report_file
from .compare import Comparison, Side, bootstrap_ci, compare, headline_first
from .dataset import Reference
from .metrics import HEADLINE, Metric, get_metric, metric_order
from .runs import Run

TEMPLATES = Path(__file__).resolve().parent / "templates"
COLOURS = ["#3b6fb6", "#e07b39", "#4a9c5d", "#8e5ea2", "#c44e52", "#7f7f7f"]
GOOD, BAD, NEUTRAL = "#3c8d4f", "#c4453c", "#8a8f98"


# ------------------------------------------------------------------ numbers
@dataclass
class Stat:
    mean: float | None
    low: float | None
    high: float | None
    n: int


def variant_stat(side: Side, metric: str, seed: int = 0) -> Stat:
    values = side.values(metric)
    if not values:
        return Stat(None, None, None, 0)
    by_case: dict[str, list[float]] = {}
    for (case, _), v in values.items():
        by_case.setdefault(case, []).append(v)
    arrays = [np.array(v) for v in by_case.values()]
    low, high = bootstrap_ci(arrays, seed=seed)
    return Stat(float(np.mean(list(values.values()))), low, high, len(values))


def fmt(value: float | None, metric: Metric, signed: bool = False) -> str:
    if value is None:
        return "–"
    spec = ("+" if signed else "") + metric.fmt
    return format(value, spec)


# ------------------------------------------------------------------ SVG
def _nice_domain(lows: list[float], highs: list[float], metric: Metric) -> tuple[float, float]:
    lo, hi = min([0.0, *lows]), max([0.0, *highs])
    if metric.fmt in (".3f",) and hi <= 1.0 and lo >= -1.0:  # shares and cosines
        hi = 1.0
    if hi == lo:
        hi = lo + 1.0
    return lo, hi + (hi - lo) * 0.04


def bar_chart(metric: Metric, labels: list[str], stats: list[Stat]) -> Markup:
    """Horizontal bars (one per variant) with 95% CI whiskers."""
    width, left, right, row = 360, 150, 56, 26
    height = 28 + row * len(labels)
    known = [s for s in stats if s.mean is not None]
    lo, hi = _nice_domain([s.low for s in known], [s.high for s in known], metric)
    plot = width - left - right

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot

    parts = [f'<svg class="metric-chart" data-metric="{escape(metric.name)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(metric.name)} by variant">',
             f'<title>{escape(metric.name)}: {escape(metric.description)}</title>',
             f'<text x="4" y="15" class="chart-title">{escape(metric.name)} {metric.arrow}</text>',
             f'<line x1="{x(0):.1f}" y1="22" x2="{x(0):.1f}" y2="{height - 4}" class="axis"/>']
    for i, (label, s) in enumerate(zip(labels, stats, strict=True)):
        y = 24 + i * row
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<text x="{left - 6}" y="{y + 15}" class="bar-label" text-anchor="end">'
                     f'{escape(_short(label, 24))}</text>')
        if s.mean is None:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" class="bar-value">no data</text>')
            continue
        x0, x1 = sorted((x(0), x(s.mean)))
        parts.append(f'<rect class="bar" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="14" '
                     f'fill="{colour}"><title>{escape(label)}: {fmt(s.mean, metric)} '
                     f'[{fmt(s.low, metric)}, {fmt(s.high, metric)}], n={s.n}</title></rect>')
        if s.low is not None and s.high is not None:
            cy = y + 11
            parts.append(f'<g class="ci"><line x1="{x(s.low):.1f}" y1="{cy}" x2="{x(s.high):.1f}" y2="{cy}"/>'
                         f'<line x1="{x(s.low):.1f}" y1="{cy - 5}" x2="{x(s.low):.1f}" y2="{cy + 5}"/>'
                         f'<line x1="{x(s.high):.1f}" y1="{cy - 5}" x2="{x(s.high):.1f}" y2="{cy + 5}"/></g>')
        parts.append(f'<text x="{width - right + 4}" y="{y + 15}" class="bar-value">{fmt(s.mean, metric)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def delta_chart(comparison: Comparison, name: str) -> Markup:
    """Per-case difference B - A, centred on zero; green where B is better, red where worse."""
    mc = comparison.get(name)
    metric = mc.metric
    cases = sorted(mc.cases, key=lambda c: c.delta)
    width, left, right, row = 640, 190, 70, 22
    height = 30 + row * max(len(cases), 1)
    span = max([abs(c.delta) for c in cases] + [1e-9])
    mid = left + (width - left - right) / 2
    half = (width - left - right) / 2

    def x(v: float) -> float:
        return mid + v / span * half

    parts = [f'<svg class="delta-chart" data-metric="{escape(name)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="per-case change in {escape(name)}">',
             f'<text x="4" y="16" class="chart-title">{escape(name)} {metric.arrow}: B − A per case</text>',
             f'<line x1="{mid:.1f}" y1="22" x2="{mid:.1f}" y2="{height - 2}" class="axis"/>']
    if not cases:
        parts.append(f'<text x="{left}" y="40" class="bar-value">no paired values</text>')
    for i, c in enumerate(cases):
        y = 24 + i * row
        better = metric.better(c.delta)
        colour = NEUTRAL if metric.direction == "none" or c.delta == 0 else GOOD if better > 0 else BAD
        x0, x1 = sorted((mid, x(c.delta)))
        parts.append(f'<text x="{left - 6}" y="{y + 14}" class="bar-label" text-anchor="end">'
                     f'<a href="#case-{escape(_anchor(c.case))}">{escape(_short(c.case, 28))}</a></text>')
        parts.append(f'<rect class="bar delta" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="13" '
                     f'fill="{colour}"><title>{escape(c.case)}: {fmt(c.a, metric)} → {fmt(c.b, metric)} '
                     f'({fmt(c.delta, metric, True)})</title></rect>')
        parts.append(f'<text x="{width - right + 6}" y="{y + 14}" class="bar-value">'
                     f'{fmt(c.delta, metric, True)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _anchor(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text)


# ------------------------------------------------------------------ text views
_TOKENS = re.compile(r"\S+\s*|\s+")  # a word with the space after it


def word_diff(a: str, b: str) -> tuple[Markup, Markup]:
    """(A with <del> on words B dropped or changed, B with <ins> on words it added or changed)."""
    ta, tb = _TOKENS.findall(a), _TOKENS.findall(b)
    matcher = difflib.SequenceMatcher(a=[t.strip().lower() for t in ta], b=[t.strip().lower() for t in tb],
                                      autojunk=False)
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        chunk_a, chunk_b = escape("".join(ta[i1:i2])), escape("".join(tb[j1:j2]))
        if op == "equal":
            out_a.append(chunk_a)
            out_b.append(chunk_b)
            continue
        if i2 > i1:
            out_a.append(Markup("<del>") + chunk_a + Markup("</del>"))
        if j2 > j1:
            out_b.append(Markup("<ins>") + chunk_b + Markup("</ins>"))
    return Markup("").join(out_a), Markup("").join(out_b)


def marked_source(text: str, quotes: list[str]) -> Markup:
    """The source with every reference evidence passage wrapped in <mark>."""
    spans = []
    for quote in quotes:
        if not quote:
            continue
        start = text.find(quote)
        while start >= 0:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + 1)
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out += [escape(text[pos:s]), Markup("<mark>"), escape(text[s:e]), Markup("</mark>")]
        pos = e
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def summary_of(brief: dict | None) -> str:
    if not brief:
        return ""
    if "sentences" in brief and "summary" not in brief:  # a translation item: its English
        return "\n".join(s.get("en") or "" for s in brief["sentences"])
    return "\n".join(item["text"] for item in brief.get("summary", []))


def dataset_dir(run: Run) -> Path:
    """The run's dataset folder: as recorded, or (a relative path) from the repository the run lives in."""
    recorded = Path(run.manifest.dataset.path)
    if recorded.is_dir() or recorded.is_absolute():
        return recorded
    for base in run.path.resolve().parents:  # evals/runs/RUN_ID -> the repository root holds evals/
        if (base / recorded).is_dir():
            return base / recorded
    return recorded


@dataclass
class CaseView:
    id: str
    source: Markup | None
    reference: Reference | None
    a: dict | None  # the item (as a dict) of each side, repeat 0
    b: dict | None
    a_text: Markup
    b_text: Markup
    facts: list[dict]
    scores: list[tuple[str, str, str, str]]  # metric, A, B, class


def _case_views(sides: list[Side], a: Side, b: Side | None, headline: list[str]) -> list[CaseView]:
    from ..ingest import read_report

    dataset_path = dataset_dir(a.run)
    items_a = {i.case: i for i in a.run.items_of(a.variant) if i.repeat == 0}
    items_b = {i.case: i for i in b.run.items_of(b.variant) if i.repeat == 0} if b else {}
    views = []
    for case in sorted(set(items_a) | set(items_b)):
        ia, ib = items_a.get(case), items_b.get(case)
        reference = source = None
        case_dir = dataset_path / case
        try:
            reference = Reference.model_validate_json((case_dir / "reference.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        report = _report_file(case_dir) if case_dir.is_dir() else None
        if report is not None:
            try:
                quotes = [f.evidence_zh for f in reference.key_facts] + [x.evidence_zh for x in reference.actions] \
                    if reference else []
                source = marked_source(read_report(report).text, quotes)
            except UserError:
                source = None
        ta, tb = summary_of(ia.brief if ia else None), summary_of(ib.brief if ib else None)
        if b is not None:
            a_text, b_text = word_diff(ta, tb)
        else:
            a_text, b_text = escape(ta), Markup("")
        facts = []
        if reference:
            da = {f["id"]: f for f in (ia.details.get("facts", []) if ia else [])}
            db = {f["id"]: f for f in (ib.details.get("facts", []) if ib else [])}
            for f in reference.key_facts:
                facts.append({"id": f.id, "fact": f.fact, "keywords": f.keywords, "importance": f.importance,
                              "a": da.get(f.id), "b": db.get(f.id)})
        scores = []
        for name in headline:
            metric = get_metric(name)
            va = ia.value(name) if ia else None
            vb = ib.value(name) if ib else None
            cls = ""
            if va is not None and vb is not None and metric.direction != "none" and va != vb:
                cls = "better" if metric.better(vb - va) > 0 else "worse"
            scores.append((name, fmt(va, metric), fmt(vb, metric), cls))
        views.append(CaseView(case, source, reference, ia.model_dump() if ia else None,
                              ib.model_dump() if ib else None, a_text, b_text, facts, scores))
    return views


# ------------------------------------------------------------------ the page
def pick_sides(runs: list[Run], baseline: str | None, candidate: str | None) -> tuple[list[Side], Side, Side | None]:
    sides = [Side(run, v) for run in runs for v in run.variants]
    if not sides:
        raise UserError("the runs have no variants")

    def find(selector: str) -> Side:
        found = [s for s in sides if selector in (s.label, s.variant, s.run.id)
                 or selector in (s.run.variant(s.variant).prompt, s.run.variant(s.variant).model)]
        if len(found) != 1:
            raise UserError(f"{'no' if not found else 'several'} variants match {selector!r}",
                            hint="variants: " + ", ".join(s.label for s in sides))
        return found[0]

    a = find(baseline) if baseline else sides[0]
    rest = [s for s in sides if s is not a]
    b = find(candidate) if candidate else (rest[0] if rest else None)
    return sides, a, b


def render_report(runs: list[Run], *, baseline: str | None = None, candidate: str | None = None,
                  seed: int = 0) -> str:
    sides, a, b = pick_sides(runs, baseline, candidate)
    multi_run = len(runs) > 1
    label = (lambda s: s.label) if multi_run else (lambda s: s.variant)
    names = metric_order(set().union(*(r.metric_names() for r in runs)))
    names = headline_first(names)
    metrics = [get_metric(n) for n in names]
    stats = {n: [variant_stat(s, n, seed) for s in sides] for n in names}
    comparison = compare(a, b, names, seed=seed) if b is not None else None
    charts = [bar_chart(m, [label(s) for s in sides], stats[m.name]) for m in metrics]
    deltas = [(m.name, delta_chart(comparison, m.name)) for m in metrics] if comparison else []
    default_delta = next((n for n in ("keyfact_recall", "rougeL") if n in names), names[0] if names else None)
    rows = []
    for m in metrics:
        row = {"metric": m, "stats": [(fmt(s.mean, m), fmt(s.low, m), fmt(s.high, m), s.n) for s in stats[m.name]]}
        if comparison:
            mc = comparison.get(m.name)
            row.update(delta=fmt(mc.delta, m, True), ci=f"[{fmt(mc.ci_low, m, True)}, {fmt(mc.ci_high, m, True)}]"
                       if mc.ci_low is not None else "–", wtl="–" if m.direction == "none" else
                       f"{mc.wins}/{mc.ties}/{mc.losses}", verdict=mc.verdict, n=mc.n_pairs)
        rows.append(row)
    headline = [n for n in HEADLINE if n in names and n != "ok"]
    pairwise = _pairwise_summary(runs)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["anchor"] = _anchor
    template = env.get_template("report.html.j2")
    return template.render(
        runs=runs, sides=sides, label=label, a=a, b=b, colours=COLOURS, rows=rows, charts=charts, deltas=deltas,
        default_delta=default_delta, comparison=comparison, cases=_case_views(sides, a, b, headline),
        changed=comparison.changed_cases() if comparison else [], pairwise=pairwise,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), tool_version=__version__,
    )


def _pairwise_summary(runs: list[Run]) -> list[dict]:
    out = []
    for run in runs:
        groups: dict[tuple[str, str], list] = {}
        for r in run.pairwise:
            groups.setdefault((r.a, r.b), []).append(r)
        for (va, vb), records in groups.items():
            judged = [r for r in records if r.winner]
            out.append({"run": run.id, "a": va, "b": vb, "n": len(judged),
                        "a_wins": sum(r.winner == "a" for r in judged), "b_wins": sum(r.winner == "b" for r in judged),
                        "ties": sum(r.winner == "tie" for r in judged),
                        "errors": sum(r.error is not None for r in records),
                        "first_shown_wins": sum(r.winner == r.shown_first for r in judged)})
    return out


def write_report(runs: list[Run], out: Path, **kw) -> Path:
    text = render_report(runs, **kw)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
