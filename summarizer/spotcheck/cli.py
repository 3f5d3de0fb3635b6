"""``summarizer spotcheck``: sample claims for human review, serve the page, score the verdicts.

Registered in ``summarizer.cli`` with ``app.add_typer(spotcheck_app, name="spotcheck")``.
``summarizer spotcheck BRIEFS... --sample N`` (no subcommand) is ``spotcheck sample``.
"""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from ..errors import UserError

console = Console(stderr=True, soft_wrap=True)  # long paths stay on one line, copyable
out = Console(soft_wrap=True)


class _SampleByDefault(TyperGroup):
    """A group whose default command is ``sample``: any first argument that is not a subcommand
    (a briefing path, or an option such as --sample) starts a ``sample`` invocation."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["sample", *args]
        return super().parse_args(ctx, args)


spotcheck_app = typer.Typer(
    cls=_SampleByDefault, no_args_is_help=True, add_completion=False,
    help="Spot-check briefings: draw a sample of claims and actions, review them in a browser page, "
         "and measure accuracy (and how far to trust each automatic flag) from the verdicts.")

Sources = Annotated[Optional[list[Path]], typer.Option(
    "--sources", help="Folder (or file) holding the source reports, when a briefing's source.path no longer "
                      "points at them (matched by name, then by sha256). Repeatable.")]


GlossaryOpt = Annotated[Optional[list[Path]], typer.Option(
    "--glossary", help="Extra glossary TSV the briefings were made with (repeatable), so names and terms are "
                       "checked against the same renderings.")]


def _glossary(paths: list[Path] | None):
    from ..facts.glossary import Glossary

    return Glossary.load(paths or [])


def _briefs(targets: list[Path]) -> list[Path]:
    from ..checks import find_briefs

    return find_briefs(targets)


# ------------------------------------------------------------------ sample
@spotcheck_app.command("sample")
def sample_cmd(
    briefs: Annotated[list[Path], typer.Argument(help="NAME.brief.json files, or folders of them (recursive).")],
    size: Annotated[int, typer.Option("--sample", "-n", min=1, help="How many claims and actions to draw.")] = 20,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed: the same briefings, size and seed "
                                                           "draw the same sample.")] = 0,
    output: Annotated[Path, typer.Option("--out", "-o", help="The review page to write.")] = Path("review.html"),
    sources: Sources = None,
    flagged_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of the sample reserved for "
                                                 "flagged items (when there are that many).")] = 0.5,
    recheck: Annotated[bool, typer.Option("--recheck/--no-recheck", help="Re-run the automatic checks against "
                                          "the source (--no-recheck: use the checks stored in the briefing; "
                                          "works without the source).")] = True,
    glossary: GlossaryOpt = None,
) -> None:
    """Draw a reproducible, stratified sample and write a self-contained HTML review page."""
    from ..files import write_atomic
    from .page import render_page
    from .sample import draw, load

    paths = _briefs(briefs)
    loaded = load(paths, sources=sources or [], do_recheck=recheck, glossary=_glossary(glossary))
    verdicts, marks = draw(loaded, size, seed, flagged_share)
    write_atomic(output, render_page(verdicts, marks))
    flagged = sum(i.flagged for i in verdicts.items)
    no_source = [str(e.path) for e in loaded if e.doc is None]
    if no_source:
        console.print(f"[yellow]note:[/] no source report for {len(no_source)} briefing(s); their evidence is shown "
                      "without highlights", highlight=False)
    out.print(f"wrote {escape(str(output))}: {len(verdicts.items)} of {verdicts.sample.population} items from "
              f"{len(paths)} briefing(s), {flagged} flagged, seed {seed}", highlight=False)
    out.print(f"open it in a browser (verdicts download as JSON), or: summarizer spotcheck serve {escape(str(output))}",
              highlight=False)


# ------------------------------------------------------------------ serve
@spotcheck_app.command("serve")
def serve_cmd(
    page: Annotated[Path, typer.Argument(help="A review page made by `spotcheck sample`.")],
    verdicts: Annotated[Optional[Path], typer.Option("--verdicts", help="Where to save the verdicts "
                                                     "(default: PAGE with .verdicts.json).")] = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the page in a browser.")] = False,
) -> None:
    """Serve the review page on 127.0.0.1 and save the verdicts it posts."""
    from .serve import ReviewServer

    if not page.is_file():
        raise UserError("review page not found", path=page)
    target = verdicts or page.with_suffix(".verdicts.json")
    server = ReviewServer(page, target, port)
    out.print(f"review page at {server.url} — verdicts are saved to {escape(str(target))}; Ctrl-C to stop",
              highlight=False)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.print("stopped")


# ------------------------------------------------------------------ stats
@spotcheck_app.command("stats")
def stats_cmd(
    files: Annotated[list[Path], typer.Argument(help="Verdict files (downloaded from the page or saved by serve).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the numbers as JSON.")] = False,
) -> None:
    """Accuracy with Wilson 95% intervals per prompt and model, and precision/recall of each flag."""
    from .stats import compute

    stats = compute(files)
    if as_json:
        out.print_json(json.dumps(stats.to_dict()))
        return
    if not stats.judged:
        console.print("[yellow]no item has a correct/wrong verdict yet[/]")
    table = Table(title=f"Accuracy ({stats.judged} of {stats.items} items judged correct/wrong)")
    for column in ("group", "items", "correct", "wrong", "unsure", "not judged", "accuracy in sample (95% CI)",
                   "estimated accuracy (95% CI)", "support correct/wrong"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for g in stats.groups:
        support = "/".join("—" if s is None else f"{s:.2f}" for s in (g.median_support_correct,
                                                                         g.median_support_wrong))
        table.add_row(escape(g.name), str(g.items), str(g.correct), str(g.wrong), str(g.unsure), str(g.unjudged),
                      g.sample_accuracy.show(), g.estimated_accuracy.show(), support)
    out.print(table)
    flags = Table(title="Automatic flags against the verdicts (precision: flagged items judged wrong; "
                        "recall: wrong items flagged)")
    for column in ("flag", "flagged", "of them wrong", "wrong, not flagged", "precision (95% CI)", "recall (95% CI)"):
        flags.add_column(column, justify="left" if column == "flag" else "right")
    for f in stats.flags:
        flags.add_row(escape(f.kind), str(f.flagged), str(f.flagged_wrong), str(f.wrong_unflagged),
                      f.precision.show(), f.recall.show())
    out.print(flags)
    if stats.duplicates:
        console.print(f"{stats.duplicates} item(s) were judged in more than one file ({stats.disagreements} "
                      "disagreeing); the last file's verdict counts", highlight=False)
    console.print("estimates weight each item by its stratum (flagged items are over-sampled); "
                  "support = median claim-evidence similarity", highlight=False)


# ------------------------------------------------------------------ to-eval
@spotcheck_app.command("to-eval")
def to_eval_cmd(
    files: Annotated[list[Path], typer.Argument(help="Verdict files.")],
    dataset: Annotated[Optional[Path], typer.Option("--dataset", help="Eval dataset folder: add each wrong claim "
                                                    "to the `negatives` of the case with the same report.")] = None,
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="File for negatives with no matching case "
                                                   "(format summarizer-negatives/1).")] = None,
) -> None:
    """Turn claims judged wrong into negative examples for the eval dataset."""
    from .to_eval import file_negatives, negatives, write_pending

    found = negatives(files)
    if not found:
        out.print("no item is judged wrong: nothing to add")
        return
    filed = file_negatives(found, dataset)
    for case, count in filed.cases.items():
        out.print(f"added {count} negative(s) to {escape(case)}", highlight=False)
    if filed.already:
        out.print(f"{filed.already} negative(s) were already in their case", highlight=False)
    if filed.pending:
        if output is None:
            raise UserError(f"{len(filed.pending)} negative(s) match no case"
                            + (" of the dataset" if dataset else ""),
                            hint="give --out FILE to keep them in a negatives file"
                                 + ("" if dataset else ", or --dataset DIR to file them in its cases"))
        added = write_pending(filed.pending, output)
        out.print(f"wrote {added} new negative(s) to {escape(str(output))} ({len(filed.pending) - added} "
                  "already there)", highlight=False)


# ------------------------------------------------------------------ recheck
@spotcheck_app.command("recheck")
def recheck_cmd(
    briefs: Annotated[list[Path], typer.Argument(help="NAME.brief.json files, or folders of them (recursive).")],
    sources: Sources = None,
    write: Annotated[bool, typer.Option("--write", help="Rewrite NAME.brief.json and NAME.brief.md with the new "
                                        "checks (and any evidence the checks fixed).")] = False,
    glossary: GlossaryOpt = None,
) -> None:
    """Re-run the automatic checks on existing briefings against their source reports."""
    from collections import Counter

    from ..checks import recheck_file
    from ..files import write_atomic
    from ..render import to_markdown

    table = Table(title="Checks")
    for column in ("briefing", "errors", "warnings", "info", "kinds"):
        table.add_column(column, justify="left" if column in ("briefing", "kinds") else "right")
    gloss = _glossary(glossary)
    for path in _briefs(briefs):
        result = recheck_file(path, sources=sources or [], glossary=gloss)
        checks = result.brief.checks
        count = Counter(c.severity for c in checks)
        kinds = Counter(c.kind for c in checks)
        table.add_row(escape(str(path)), str(count["error"]), str(count["warning"]), str(count["info"]),
                      escape(", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))))
        if write:
            md = path.with_name(path.name[: -len(".json")] + ".md") if path.name.endswith(".json") else None
            if md is not None:
                write_atomic(md, to_markdown(result.brief))
            write_atomic(path, result.brief.model_dump_json(indent=2) + "\n")
    out.print(table)
    if not write:
        console.print("(nothing written: add --write to update the briefings)")
