"""``summarizer eval``: validate a dataset, run prompts over it, compare runs, write a report.

Registered in the main CLI with ``app.add_typer(eval_app, name="eval")``.

Exit codes: 0 fine; 1 an error you can fix (message on stderr); 2 ``run`` where every item
failed; 3 ``compare --fail-on-regression`` found a regression.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..console import user_errors
from ..errors import UserError
from . import DEFAULT_RUNS_DIR

eval_app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                       help="Score briefings against references and compare prompt versions with confidence.")

REGRESSION_EXIT = 3
ALL_FAILED_EXIT = 2

RunsDir = Annotated[Path, typer.Option("--runs-dir", envvar="SUMMARIZER_EVAL_RUNS",
                                       help="Where runs are stored.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap (and of the judge's pair order).")]


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _out() -> Console:
    return Console()




def _logging(verbose: int) -> None:
    from rich.logging import RichHandler

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root = logging.getLogger()
    if not any(isinstance(h, RichHandler) for h in root.handlers):
        root.addHandler(RichHandler(console=_err(), show_path=False, markup=False))
    logging.getLogger("summarizer").setLevel(level)


# ------------------------------------------------------------------ validate
@eval_app.command()
@user_errors
def validate(dataset: Annotated[Path, typer.Argument(help="Dataset folder, e.g. evals/datasets/dev.")]) -> None:
    """Check a dataset: schema, unique ids, and every evidence_zh verbatim in its report."""
    from .cases import validate as check

    result = check(dataset)
    out = _out()
    ds = result.dataset
    out.print(f"dataset [bold]{escape(ds.name)}[/] at {escape(str(ds.path))}: {len(ds.cases)} cases, "
              f"sha256 {ds.sha256[:12]}")
    if result.problems:
        table = Table("severity", "case", "problem", show_lines=False)
        for p in result.problems:
            colour = "red" if p.severity == "error" else "yellow"
            table.add_row(f"[{colour}]{p.severity}[/]", escape(p.case or "-"), escape(p.message))
        out.print(table)
    for case in ds.cases:
        if case.reference is not None:
            r = case.reference
            out.print(f"  {escape(case.id)}: {len(r.key_facts)} key facts, {len(r.actions)} actions, "
                      f"{len(r.negatives)} negatives", highlight=False)
    if result.errors:
        out.print(f"[red]invalid[/]: {len(result.errors)} error(s), {len(result.warnings)} warning(s)")
        raise typer.Exit(1)
    out.print(f"[green]valid[/] ({len(result.warnings)} warning(s))")


# ------------------------------------------------------------------ metrics
@eval_app.command("metrics")
def list_metrics() -> None:
    """The metrics, their direction and what they measure."""
    from .metrics import METRICS

    table = Table("metric", "better", "group", "what it measures")
    for m in METRICS.values():
        table.add_row(m.name, {"higher": "higher ↑", "lower": "lower ↓", "none": "—"}[m.direction], m.group,
                      m.description)
    table.add_row("check.KIND", "lower ↓", "faithfulness", "count of the briefing's checks of that kind "
                  "(e.g. check.unsupported_number)")
    _out().print(table)


# ------------------------------------------------------------------ run
@eval_app.command()
@user_errors
def run(
    dataset: Annotated[Path, typer.Option("--dataset", "-d", help="Dataset folder.")],
    prompt: Annotated[list[str], typer.Option("--prompt", "-p", help="Prompt NAME@vN or file (repeatable).")],
    model: Annotated[Optional[list[str]], typer.Option("--model", "-m", help="Model at the endpoint "
                                                       "(repeatable; default: the configured one).")] = None,
    repeat: Annotated[int, typer.Option("--repeat", "-n", min=1, help="Runs of each case (repeats do not share "
                                        "the cache).")] = 1,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible endpoint URL.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the response cache.")] = False,
    grounding: Annotated[bool, typer.Option("--grounding/--no-grounding", help="Give the model the tool's "
                                            "renderings of names and terms.")] = True,
    revise: Annotated[Optional[bool], typer.Option("--revise/--no-revise", help="Re-ask once a point or task "
                      "with a number, date or name the source lacks. [default: no-revise]")] = None,
    translate: Annotated[bool, typer.Option("--translate", help="Briefings also get the English of their "
                         "evidence (as `brief --translate`), shown in `eval report`.")] = False,
    semantic: Annotated[bool, typer.Option("--semantic/--no-semantic", help="Embedding metrics (loads the "
                                           "offline USE model, a few seconds).")] = True,
    judge: Annotated[bool, typer.Option("--judge", help="Also ask an LLM judge (rubric scores, and pairwise "
                                        "preferences between prompts).")] = False,
    judge_model: Annotated[Optional[str], typer.Option("--judge-model", help="Judge model at the same endpoint "
                                                       "(default: the first --model).")] = None,
    case: Annotated[Optional[list[str]], typer.Option("--case", help="Only this case (repeatable).")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", "-j", help="Items in flight at once.")] = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    run_id: Annotated[Optional[str], typer.Option("--run-id", help="Name of the run folder "
                                                  "(default: date-time-prompts-random).")] = None,
    seed: Seed = 0,
    config: Annotated[Optional[Path], typer.Option("--config", help="TOML config file.")] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    """Brief every case with every prompt (and model), score, and store the run."""
    from .runner import RunOptions, run_eval
    from .runs import load_run

    _logging(verbose)
    if run_id is not None and (not run_id.strip() or "/" in run_id or run_id.startswith(".")):
        raise UserError(f"bad --run-id {run_id!r}", hint="a plain folder name")
    opts = RunOptions(dataset=dataset, prompts=prompt, models=model or [], repeat=repeat, base_url=base_url,
                      config=config, use_cache=not no_cache, grounding=grounding, revise=revise, translate=translate, concurrency=concurrency,
                      semantic=semantic, judge=judge, judge_model=judge_model, seed=seed, runs_dir=runs_dir,
                      run_id=run_id, cases=case)
    err = _err()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = {}

        def started(path: Path, total: int) -> None:
            task["id"] = progress.add_task(f"eval {path.name}", total=total)

        def done(item) -> None:
            progress.advance(task["id"])
            if item.status == "failed":
                err.print(f"[red]failed[/] {escape(item.variant)} {escape(item.case)}#{item.repeat}: "
                          f"{escape(item.reason or '')}", highlight=False)

        try:
            path = asyncio.run(run_eval(opts, on_item=done, on_start=started))
        except KeyboardInterrupt:
            err.print("[yellow]interrupted[/]: finished items are kept in the run folder (status 'interrupted')")
            raise typer.Exit(130) from None
    the_run = load_run(path)
    print_run_summary(the_run, seed=seed)
    ok = sum(i.status == "ok" for i in the_run.items)
    if the_run.items and ok == 0:
        err.print("[red]every item failed[/]: see the reasons above")
        raise typer.Exit(ALL_FAILED_EXIT)


def print_run_summary(the_run, seed: int = 0) -> None:
    from .compare import headline_first
    from .metrics import get_metric, metric_order
    from .report import Side, fmt, variant_stat

    out = _out()
    sides = [Side(the_run, v) for v in the_run.variants]
    m = the_run.manifest
    table = Table(title=f"run {m.run_id} · {m.dataset.name} ({len(m.dataset.cases)} cases × {m.repeat} repeat"
                        f"{'s' if m.repeat > 1 else ''})", show_lines=False)
    table.add_column("metric")
    table.add_column("", justify="center")
    for s in sides:
        table.add_column(s.variant, justify="right")
    names = headline_first(metric_order(the_run.metric_names()))
    from .metrics import HEADLINE

    for name in [n for n in names if n in HEADLINE or n.startswith("judge.")]:
        metric = get_metric(name)
        cells = []
        for s in sides:
            st = variant_stat(s, name, seed)
            cells.append("–" if st.mean is None else f"{fmt(st.mean, metric)} [dim]±{fmt((st.high - st.low) / 2, metric)}[/]")
        table.add_row(name, metric.arrow, *cells)
    out.print(table)
    failed = [i for i in the_run.items if i.status == "failed"]
    if failed:
        out.print(f"[red]{len(failed)} of {len(the_run.items)} items failed[/] (recorded in items.jsonl):")
        for item in failed[:10]:
            out.print(f"  {escape(item.variant)} {escape(item.case)}#{item.repeat}: {escape(item.reason or '')}",
                      highlight=False)
    for p in _pairwise_rows(the_run):
        out.print(f"judge pairwise {escape(p['a'])} vs {escape(p['b'])}: A {p['a_wins']}, B {p['b_wins']}, "
                  f"tie {p['ties']}" + (f", errors {p['errors']}" if p["errors"] else ""))
    out.print(f"stored in {escape(str(the_run.path))}")
    if len(sides) == 2:
        out.print(f"next: summarizer eval compare {the_run.id}   ·   summarizer eval report {the_run.id} "
                  f"-o report.html", highlight=False)


def _pairwise_rows(the_run) -> list[dict]:
    from .report import _pairwise_summary

    return _pairwise_summary([the_run])


# ------------------------------------------------------------------ compare
def _sides(refs: list[str], runs_dir: Path):
    from .compare import Side
    from .runs import resolve_run

    if not 1 <= len(refs) <= 2:
        raise UserError("give one run with two variants, or two runs (RUN[:VARIANT] each)")
    resolved = [resolve_run(r, runs_dir) for r in refs]
    if len(resolved) == 1:
        the_run, selector = resolved[0]
        if selector is not None or len(the_run.variants) != 2:
            raise UserError(f"run {the_run.id} has {len(the_run.variants)} variant(s); one run compares only "
                            "when it has exactly two",
                            hint="give two: RUN:VARIANT RUN:VARIANT, variants: " + ", ".join(the_run.variants))
        return Side(the_run, the_run.variants[0]), Side(the_run, the_run.variants[1])
    (run_a, sel_a), (run_b, sel_b) = resolved
    return Side(run_a, run_a.select(sel_a)), Side(run_b, run_b.select(sel_b))


@eval_app.command()
@user_errors
def compare(
    runs: Annotated[list[str], typer.Argument(help="A then B: RUN[:VARIANT] each (a run folder, a run id, or "
                                              "'latest'); or one run with exactly two variants.")],
    metric: Annotated[Optional[list[str]], typer.Option("--metric", help="Only these metrics (repeatable).")] = None,
    fail_on_regression: Annotated[Optional[list[str]], typer.Option(
        "--fail-on-regression", help="METRIC[:TOLERANCE] (repeatable): exit 3 if B is worse than A by more than "
        "TOLERANCE (absolute, or N% of A's mean). 'Worse' follows the metric's direction: lower for ↑ metrics, "
        "higher for ↓ ones (check.*, calls, seconds).")] = None,
    top: Annotated[int, typer.Option("--top", help="Cases listed under 'changed most'.")] = 5,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the comparison as JSON.")] = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    seed: Seed = 0,
) -> None:
    """Per metric: means, paired difference B - A with a 95% bootstrap CI, win/tie/loss per case."""
    from .compare import Gate, check_gate, compare_metric
    from .compare import compare as do_compare

    gates = [Gate.parse(spec) for spec in fail_on_regression or []]
    a, b = _sides(runs, runs_dir)
    names = list(dict.fromkeys((metric or []) + [g.metric for g in gates])) if metric else None
    result = do_compare(a, b, names, seed=seed)
    out = _out()
    print_comparison(result, out, top=top)
    by_name = {mc.name: mc for mc in result.metrics}
    results = [check_gate(g, by_name.get(g.metric) or compare_metric(a, b, g.metric, seed=seed)) for g in gates]
    if json_out:
        json_out.write_text(json.dumps(comparison_json(result, results), indent=2) + "\n", encoding="utf-8")
    failed = [r for r in results if not r.passed]
    for r in results:
        mark = "[green]pass[/]" if r.passed else "[red]REGRESSION[/]"
        out.print(f"{mark} {escape(r.gate.spec())}: {escape(r.message)}", highlight=False)
    if failed:
        _err().print(f"[red]{len(failed)} regression gate(s) failed[/]")
        raise typer.Exit(REGRESSION_EXIT)


def print_comparison(result, out: Console, top: int = 5) -> None:
    from .metrics import get_metric

    a, b = result.a, result.b
    out.print(f"A = [bold]{escape(a.label)}[/]   B = [bold]{escape(b.label)}[/]")
    for note in result.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
    table = Table(show_lines=False)
    for col, justify in (("metric", "left"), ("", "center"), ("A", "right"), ("B", "right"), ("Δ B−A", "right"),
                         ("95% CI", "right"), ("W/T/L", "right"), ("n", "right"), ("verdict", "left")):
        table.add_column(col, justify=justify)
    from .report import fmt

    for mc in result.metrics:
        m = mc.metric
        verdict = {"better": "[green]better[/]", "worse": "[red]worse[/]", "same": "[dim]no clear change[/]"}.get(
            mc.verdict, "")
        ci = "–" if mc.ci_low is None else f"[{fmt(mc.ci_low, m, True)}, {fmt(mc.ci_high, m, True)}]"
        wtl = "–" if m.direction == "none" or mc.delta is None else f"{mc.wins}/{mc.ties}/{mc.losses}"
        table.add_row(m.name, m.arrow, fmt(mc.mean_a, m), fmt(mc.mean_b, m), fmt(mc.delta, m, True), ci, wtl,
                      str(mc.n_pairs), verdict)
    out.print(table)
    changed = result.changed_cases(top)
    if changed:
        t = Table(title="cases that changed most (standardized; + = B better)")
        t.add_column("case")
        t.add_column("overall", justify="right")
        t.add_column("largest moves (B − A)")
        for case, overall, movers in changed:
            colour = "green" if overall > 0 else "red" if overall < 0 else "dim"
            moves = "; ".join(f"{n} {format(d, '+' + get_metric(n).fmt)}" for n, d in movers)
            t.add_row(escape(case), f"[{colour}]{overall:+.2f}[/]", escape(moves))
        out.print(t)


def comparison_json(result, gates) -> dict:
    return {
        "a": result.a.label, "b": result.b.label, "notes": result.notes,
        "metrics": [{"metric": mc.name, "direction": mc.metric.direction, "mean_a": mc.mean_a, "mean_b": mc.mean_b,
                     "delta": mc.delta, "ci95": [mc.ci_low, mc.ci_high], "wins": mc.wins, "ties": mc.ties,
                     "losses": mc.losses, "pairs": mc.n_pairs, "verdict": mc.verdict,
                     "cases": [{"case": c.case, "a": c.a, "b": c.b, "delta": c.delta} for c in mc.cases]}
                    for mc in result.metrics],
        "gates": [{"gate": g.gate.spec(), "passed": g.passed, "message": g.message} for g in gates],
    }


# ------------------------------------------------------------------ report
@eval_app.command()
@user_errors
def report(
    runs: Annotated[list[str], typer.Argument(help="Runs (folder, id or 'latest'); their variants are compared.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path("report.html"),
    baseline: Annotated[Optional[str], typer.Option("--baseline", "-a", help="Variant A (default: the first).")] = None,
    candidate: Annotated[Optional[str], typer.Option("--candidate", "-b", help="Variant B (default: the "
                                                     "second).")] = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    seed: Seed = 0,
) -> None:
    """One self-contained HTML report: metrics with CIs, charts, outputs side by side."""
    from .report import write_report
    from .runs import resolve_run

    loaded = []
    for ref in runs:
        the_run, selector = resolve_run(ref, runs_dir)
        if selector is not None:
            raise UserError(f"{ref}: give runs here, and pick variants with --baseline/--candidate")
        loaded.append(the_run)
    path = write_report(loaded, output, baseline=baseline, candidate=candidate, seed=seed)
    _out().print(f"wrote {escape(str(path))} ({path.stat().st_size // 1024} KiB)")


def main() -> None:  # python -m summarizer.evaluate.cli, before it is wired into the main CLI
    eval_app(prog_name="summarizer eval")


if __name__ == "__main__":
    sys.exit(main())


@eval_app.command("digest")
def digest_cmd(
    digest_json: Annotated[Path, typer.Argument(help="NAME.digest.json made by `summarizer digest` from the "
                                                    "dataset's reports.")],
    dataset: Annotated[Path, typer.Option("--dataset", help="Folder with reference.toml and "
                                          "themes_reference.toml.")] = Path("evals/digest"),
) -> None:
    """Score a digest: duplicate pairs, themes per meeting, coverage, unsupported statements."""
    from ..digest.model import Digest
    from .digest import score_digest

    try:
        digest = Digest.model_validate_json(digest_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"not a digest (NAME.digest.json): {str(exc)[:200]}", path=digest_json) from None
    scores = score_digest(digest, dataset)
    from rich.table import Table

    table = Table("metric", "value", title=f"{digest_json.name} against {dataset}")
    for name, value in scores.items():
        table.add_row(name, "—" if value is None else str(value))
    _out().print(table)
