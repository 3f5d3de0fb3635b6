"""``summarizer batch prepare | submit | status | collect``: the Batch API (or vLLM run_batch) path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..console import ConfigOpt, Verbose, gather_reports, setup_logging, user_errors
from ..errors import UserError

batch_app = typer.Typer(no_args_is_help=True, help="Brief many reports through the OpenAI Batch API "
                        "(/v1/files + /v1/batches), or offline with vLLM's run_batch.")

err = Console(stderr=True, soft_wrap=True)
out = Console()

JobOpt = Annotated[Path, typer.Option("--job", "-J", help="Job folder (state, request and result files).")]


def _settings_for_job(job_dir: Path, config: Path | None, verbose: int):
    from .jobs import job_settings, load_job

    job = load_job(job_dir)
    settings = job_settings(job, config)
    setup_logging(verbose, settings)
    return job, settings


# ------------------------------------------------------------------ prepare
@batch_app.command()
@user_errors
def prepare(
    targets: Annotated[list[Path], typer.Argument(help="Report files or folders (recursive: .txt .md .html).")],
    job_dir: JobOpt,
    prompt: Annotated[Optional[str], typer.Option("--prompt", "-p", help="Prompt NAME[@vN] or a prompt file.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (for vLLM: the model it "
                                                 "serves).")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="Endpoint with /v1/files and /v1/batches "
                                                    "(default: $OPENAI_BASE_URL, else OpenAI with a key).")] = None,
    glossary: Annotated[Optional[list[Path]], typer.Option("--glossary", help="Extra glossary TSV "
                                                           "(repeatable).")] = None,
    grounding: Annotated[bool, typer.Option("--grounding/--no-grounding", help="Give the model the tool's "
                                            "renderings of names and terms.")] = True,
    mode: Annotated[Optional[str], typer.Option("--mode", help="Structured output in the requests: json_schema "
                                                "(OpenAI, vLLM), json_object or prompted (default: what the "
                                                "endpoint is known to accept, else json_schema).")] = None,
    prices: Annotated[Optional[Path], typer.Option("--prices", help="Price table TOML (default: the packaged "
                                                   "example prices).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Start over in a folder that holds a job.")] = False,
    config: ConfigOpt = None,
    verbose: Verbose = 0,
) -> None:
    """Write the first round of requests (JSONL, one line per report and step) and the job's state."""
    from ..config import load_settings
    from ..plan import print_plan
    from ..prompts import load_prompt
    from .jobs import prepare as do_prepare

    if mode is not None and mode not in ("json_schema", "json_object", "prompted"):
        raise UserError(f"unknown --mode {mode!r}", hint="json_schema, json_object or prompted")
    settings = load_settings(config, model=model, base_url=base_url, prompt=prompt, grounding=grounding,
                             glossaries=glossary or None)
    setup_logging(verbose, settings)
    the_prompt = load_prompt(settings.prompt, kind=("briefing", "translation"))
    reports = gather_reports(targets, warn=err)
    if not reports:
        raise UserError("no reports to prepare", hint="give report files or folders containing .txt, .md or .html")
    done = do_prepare(reports, settings, the_prompt, job_dir, mode=mode, prices=prices, force=force)
    print_plan(done.rows, settings, the_prompt, prices=prices, console=out, batch=True,
               title=f"batch plan: {the_prompt.ref} on {settings.model_name} ({done.job.mode})")
    round_ = done.job.current
    count = sum(p.requests for p in round_.parts)
    failed = [r for r in done.job.reports if r.status == "failed"]
    for entry in failed:
        err.print(f"[red]skipped[/] {escape(entry.path)}: {escape(entry.reason or '')}", highlight=False)
    if not count:
        err.print(f"every reply is already cached: `summarizer batch collect --job {escape(str(job_dir))}` "
                  "writes the briefings")
        return
    files = ", ".join(str(Path(job_dir) / p.file) for p in round_.parts)
    err.print(f"round 1: {count} requests for {len(done.job.reports) - len(failed)} reports in {escape(files)}",
              highlight=False)
    err.print(f"next: `summarizer batch submit --job {escape(str(job_dir))}` (or run the file with vLLM's run_batch "
              "and `summarizer batch collect --results FILE`)", highlight=False)


# ------------------------------------------------------------------ submit / status
@batch_app.command()
@user_errors
def submit(job_dir: JobOpt, config: ConfigOpt = None, verbose: Verbose = 0) -> None:
    """Upload the current round's requests and create its batch (/v1/files, /v1/batches)."""
    from .jobs import submit as do_submit

    _job, settings = _settings_for_job(job_dir, config, verbose)
    job = do_submit(job_dir, settings)
    for part in job.current.parts:
        out.print(f"round {job.current.number}: {part.file} ({part.requests} requests) -> batch {part.batch_id} "
                  f"[{part.status}]", highlight=False)
    err.print(f"check with `summarizer batch status --job {escape(str(job_dir))}`; when completed, "
              f"`summarizer batch collect --job {escape(str(job_dir))} --out DIR`", highlight=False)


@batch_app.command()
@user_errors
def status(job_dir: JobOpt, config: ConfigOpt = None, verbose: Verbose = 0) -> None:
    """The current round's batches, and where each report stands."""
    from .jobs import status as do_status

    _job, settings = _settings_for_job(job_dir, config, verbose)
    job = do_status(job_dir, settings)
    table = Table(title=f"job {job_dir}: {job.prompt_ref} on {job.model}, round {job.current.number}")
    for column in ("requests file", "requests", "batch", "status", "completed", "failed"):
        table.add_column(column, justify="right" if column in ("requests", "completed", "failed") else "left")
    for part in job.current.parts:
        table.add_row(part.file, str(part.requests), part.batch_id or "(not submitted)", part.status or "",
                      str(part.counts.get("completed", "")), str(part.counts.get("failed", "")))
    out.print(table)
    states = {s: sum(r.status == s for r in job.reports) for s in ("pending", "written", "failed")}
    out.print(f"reports: {states['written']} written, {states['pending']} pending, {states['failed']} failed",
              highlight=False)


# ------------------------------------------------------------------ collect
@batch_app.command()
@user_errors
def collect(
    job_dir: JobOpt,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: current "
                                                    "folder).")] = None,
    results: Annotated[Optional[list[Path]], typer.Option("--results", help="Read the replies from this output "
                                                          "JSONL (e.g. vLLM run_batch -o) instead of the API "
                                                          "(repeatable).")] = None,
    config: ConfigOpt = None,
    verbose: Verbose = 0,
) -> None:
    """Validate and cache the replies, write finished briefings, and write the next round's requests."""
    from .jobs import collect as do_collect

    _job, settings = _settings_for_job(job_dir, config, verbose)
    done = do_collect(job_dir, out_dir or Path.cwd(), settings, results=results)
    table = Table(title=f"round {done.job.rounds[-2].number if done.next_round else done.job.current.number} "
                        f"collected: {done.stored} replies cached, {done.invalid} unusable")
    for column in ("report", "status"):
        table.add_column(column, overflow="fold")
    for report in done.reports:
        label = {"written": "[green]written[/]", "next round": "[cyan]next round[/]"}.get(
            report.status, f"[red]failed[/]: {escape(report.reason or '')}")
        table.add_row(escape(report.path), label)
    out.print(table)
    if done.unknown:
        err.print(f"[yellow]warning:[/] {done.unknown} result lines are not requests of this round (ignored)")
    if done.next_round:
        count = sum(p.requests for p in done.job.current.parts)
        err.print(f"round {done.next_round}: {count} requests (steps that needed this round's replies); next: "
                  f"`summarizer batch submit --job {escape(str(job_dir))}`, then collect again", highlight=False)
    if any(r.status == "failed" for r in done.reports):
        err.print("[red]some reports failed[/]: their valid replies are cached; `summarizer brief REPORT` with the "
                  "same --base-url/--model redoes only the failed calls, online")
        raise typer.Exit(2)
