"""Command line: ``summarizer brief | translate | digest | serve | schema | prompts | cache | eval | spotcheck | batch``."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape

from . import __version__
from .errors import UserError

if TYPE_CHECKING:
    from .config import Settings
from .batch.cli import batch_app
from .evaluate.cli import eval_app
from .spotcheck.cli import spotcheck_app

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Chinese local-government reports -> English briefings with grounded action lists.")
prompts_app = typer.Typer(no_args_is_help=True, help="List, show and lock versioned prompts.")
cache_app = typer.Typer(no_args_is_help=True, help="Inspect or clear the response cache.")
app.add_typer(prompts_app, name="prompts")
app.add_typer(cache_app, name="cache")
app.add_typer(eval_app, name="eval")
app.add_typer(batch_app, name="batch")
app.add_typer(spotcheck_app, name="spotcheck")

from .console import BaseUrlOpt, ConfigOpt, ModelOpt, PromptOpt, Verbose, console, gather_reports, out, setup_logging


def settings_from(config: Path | None, **flags) -> "Settings":
    from .config import load_settings

    return load_settings(config, **flags)


# ------------------------------------------------------------------ brief
@app.command()
def brief(
    targets: Annotated[list[Path], typer.Argument(help="Report files or folders (recursive: .txt .md .html).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: current folder).")] = None,
    prompt: PromptOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    glossary: Annotated[Optional[list[Path]], typer.Option("--glossary", help="Extra glossary TSV (repeatable).")] = None,
    grounding: Annotated[bool, typer.Option("--grounding/--no-grounding", help="Give the model the tool's "
                                            "renderings of names and terms.")] = True,
    revise: Annotated[Optional[bool], typer.Option("--revise/--no-revise", help="Re-ask once a point or task "
                      "with a number, date or name the source lacks. [default: no-revise]")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", "-j", help="Reports in flight; for a "
                           "remote endpoint also requests in flight (the embedded model serves one at a time).")
                           ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the response cache.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Redo reports whose outputs are up to date.")] = False,
    max_attempts: Annotated[Optional[int], typer.Option("--max-attempts", min=1, help="Requests per model call "
                            "before giving up on transient failures (429, 5xx, timeouts, resets). [default: 6]",
                            show_default=False)] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.1, help="Seconds one request may take "
                       "before it counts as hung and is retried. [default: 600]", show_default=False)] = None,
    max_retry_seconds: Annotated[Optional[float], typer.Option("--max-retry-seconds", min=0, help="Seconds one "
                                 "model call may spend on attempts and waits, Retry-After included. "
                                 "[default: 300]", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print per report its tokens, the calls it needs "
                                          "and their estimated cost, and the totals; make no call.")] = False,
    prices: Annotated[Optional[Path], typer.Option("--prices", help="Price table (TOML) for --dry-run "
                                                   "(default: the packaged example prices).")] = None,
    translate: Annotated[bool, typer.Option("--translate", help="Also translate each report (NAME.en.md, "
                         "NAME.bilingual.html, NAME.translation.json; an up-to-date translation is reused) and "
                         "put the English of every cited sentence beside its Chinese.")] = False,
    translation_prompt: Annotated[Optional[str], typer.Option("--translation-prompt", help="Translation prompt "
                                  "for --translate. [default: translation@v1]", show_default=False)] = None,
    config: ConfigOpt = None,
    verbose: Verbose = 0,
) -> None:
    """Write NAME.brief.md and NAME.brief.json for each report.

    Exit code 0: every report is done (written now or already up to date); 2: some reports
    failed (each is listed with its reason; re-run the same command to redo only those);
    1: nothing could start (bad arguments, configuration or input).
    """
    from .prompts import load_prompt

    settings = settings_from(config, model=model, base_url=base_url, prompt=prompt, concurrency=concurrency,
                             use_cache=False if no_cache else None, grounding=grounding, revise=revise,
                             glossaries=glossary or None, max_attempts=max_attempts, timeout=timeout,
                             max_retry_seconds=max_retry_seconds, translate=translate or None,
                             translation_prompt=translation_prompt)
    setup_logging(verbose, settings)
    the_prompt = load_prompt(settings.prompt, kind="briefing")
    if settings.translate:
        load_prompt(settings.translation_prompt, kind="translation")  # a bad reference fails before any work
    _run_reports(targets, settings, the_prompt, out_dir=out_dir, force=force, dry_run=dry_run, prices=prices,
                 doing="briefing")


# ------------------------------------------------------------------ translate
@app.command()
def translate(
    targets: Annotated[list[Path], typer.Argument(help="Report files or folders (recursive: .txt .md .html).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: current folder).")] = None,
    prompt: Annotated[Optional[str], typer.Option("--prompt", "-p", help="Translation prompt NAME[@vN] or a prompt "
                      "file. [default: translation@v1]", show_default=False)] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    glossary: Annotated[Optional[list[Path]], typer.Option("--glossary", help="Extra glossary TSV (repeatable); "
                        "its renderings override the packaged ones.")] = None,
    grounding: Annotated[bool, typer.Option("--grounding/--no-grounding", help="Give the model the tool's "
                                            "renderings of names and terms.")] = True,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", "-j", help="Reports in flight; for a "
                           "remote endpoint also requests in flight.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the response cache.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Redo reports whose outputs are up to date.")] = False,
    max_attempts: Annotated[Optional[int], typer.Option("--max-attempts", min=1, help="Requests per model call "
                            "before giving up on transient failures. [default: 6]", show_default=False)] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.1, help="Seconds one request may take "
                       "before it counts as hung and is retried. [default: 600]", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print per report its tokens, the calls it needs "
                                          "and their estimated cost, and the totals; make no call.")] = False,
    prices: Annotated[Optional[Path], typer.Option("--prices", help="Price table (TOML) for --dry-run.")] = None,
    config: ConfigOpt = None,
    verbose: Verbose = 0,
) -> None:
    """Write NAME.en.md, NAME.bilingual.html and NAME.translation.json for each report.

    Sentence by sentence, in windows of whole paragraphs with their neighbours as context; names and
    terms in the tool's renderings; every sentence checked (count, Chinese left, numbers, renderings).
    Exit codes as for `brief`: 0 done, 2 some reports failed (re-run to redo only those), 1 nothing
    could start.
    """
    from .prompts import load_prompt

    settings = settings_from(config, model=model, base_url=base_url, translation_prompt=prompt,
                             concurrency=concurrency, use_cache=False if no_cache else None, grounding=grounding,
                             glossaries=glossary or None, max_attempts=max_attempts, timeout=timeout)
    setup_logging(verbose, settings)
    the_prompt = load_prompt(settings.translation_prompt, kind="translation")
    _run_reports(targets, settings, the_prompt, out_dir=out_dir, force=force, dry_run=dry_run, prices=prices,
                 doing="translating")


# ------------------------------------------------------------------ digest
@app.command()
def digest(
    targets: Annotated[list[Path], typer.Argument(help="Briefings (NAME.brief.json) and reports, files or folders; "
                                                       "reports without a briefing are briefed first.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: current folder); "
                                                     "new briefings go to its briefings/ folder.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only meetings on or after this date "
                                                 "(YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Only meetings on or before this date.")] = None,
    place: Annotated[Optional[str], typer.Option("--place", help="Only meetings of this place (Chinese or English; "
                                                 "a county, its prefecture or province, or a body).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The digest's title.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Deadlines on or after this date are upcoming "
                                                 "(YYYY-MM-DD). [default: today]", show_default=False)] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: md, html, docx, json.")
                       ] = "md,html,docx,json",
    name: Annotated[str, typer.Option("--name", help="Output name: NAME.digest.md ...")] = "digest",
    prompt: Annotated[Optional[str], typer.Option("--prompt", "-p", help="Digest prompt. [default: digest@v1]",
                                                  show_default=False)] = None,
    briefing_prompt: Annotated[Optional[str], typer.Option("--briefing-prompt", help="Prompt for reports that "
                               "need a briefing. [default: briefing@v6]", show_default=False)] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    glossary: Annotated[Optional[list[Path]], typer.Option("--glossary", help="Extra glossary TSV "
                                                             "(repeatable).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the response cache.")] = False,
    config: ConfigOpt = None,
    verbose: Verbose = 0,
) -> None:
    """Write one digest of many meetings: NAME.digest.md, .html, .docx and .json.

    Overview, themes across places, a table of meetings, actions by deadline and duplicates, every
    statement citing the briefing items (and so the source sentences) it rests on. Model calls: one per
    theme and one for the overview. Exit code 2 when some reports could not be briefed (the digest is
    written from the rest); 1 when nothing could start.
    """
    import asyncio
    import datetime as dt

    from .brief import brief_many
    from .checks import find_briefs
    from .digest import Options, build_digest
    from .digest.meetings import read_briefings
    from .digest.render import FORMATS, write_digest
    from .embed import default_embedder
    from .facts.glossary import Glossary
    from .ingest import file_sha256
    from .llm import connect, model_ref
    from .prompts import load_prompt

    for label, value in (("--since", since), ("--until", until), ("--as-of", as_of)):
        if value is not None:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise UserError(f"{label} {value!r} is not a date", hint="write it as YYYY-MM-DD") from None
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    if not chosen or set(chosen) - set(FORMATS):
        raise UserError(f"unknown --format {formats!r}", hint="any of md, html, docx, json, comma-separated")
    settings = settings_from(config, model=model, base_url=base_url, prompt=briefing_prompt,
                             use_cache=False if no_cache else None, glossaries=glossary or None)
    setup_logging(verbose, settings)
    the_prompt = load_prompt(prompt or "digest@v1", kind="digest")
    out_dir = out_dir or Path.cwd()
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError("the output folder is a file", path=out_dir, hint="give --out a folder")
    for target in targets:
        if not target.exists():
            raise UserError("no such file or folder", path=target)
    gloss = Glossary.load(settings.glossaries)
    briefs = []
    for target in targets:
        if target.is_dir() or target.name.endswith(".brief.json"):
            try:
                briefs += find_briefs([target])
            except UserError:
                pass  # a folder of reports only
    briefed_sources = set()
    for path in briefs:
        try:
            briefed_sources.add(json.loads(path.read_text(encoding="utf-8"))["source"]["sha256"])
        except (OSError, ValueError, KeyError):
            raise UserError("not a briefing (NAME.brief.json)", path=path) from None
    reports = [(p, root) for p, root in gather_reports([t for t in targets if not t.name.endswith(".json")])
               if file_sha256(p) not in briefed_sources]
    if not briefs and not reports:
        raise UserError("nothing to digest", hint="give NAME.brief.json files, reports, or folders holding them")
    brief_prompt = load_prompt(settings.prompt, kind="briefing")
    failed = []
    reposts = _reposts_before_briefing(reports, gloss)
    reposted = {p for group in reposts.values() for p, _ in group}

    async def main():
        async with connect(settings) as llm:
            made = []
            by_root: dict = {}
            for path, root in reports:
                if path not in reposted:  # a repost of another report costs no model call
                    by_root.setdefault(root, []).append(path)
            for root, paths in by_root.items():
                for o in await brief_many(paths, root=root, out_dir=out_dir / "briefings", settings=settings,
                                          prompt=brief_prompt, llm=llm, model=model_ref(settings), glossary=gloss):
                    if o.status == "failed":
                        failed.append(o)
                        console.print(f"[red]failed[/] {escape(str(o.path))}: {escape(o.reason or '')}",
                                      highlight=False)
                    else:
                        made += [p for p in o.outputs if p.name.endswith(".brief.json")]
            sources = sorted({p.parent for p, _ in reports} | {t for t in targets if t.is_dir()})
            reads = read_briefings(list(dict.fromkeys(briefs + made)), gloss, sources)
            kept = {file_sha256(p): group for p, group in reposts.items()}
            for read in reads:
                for path, why in kept.get(read.brief.source.sha256, []):
                    read.also.append(str(path))
                    read.also_reasons.append(why)
            return await build_digest(reads, Options(title=title, since=since, until=until, place=place, as_of=as_of),
                                      prompt=the_prompt, runner=llm, model=model_ref(settings),
                                      embedder=default_embedder())

    result = _run_async(main())
    written = write_digest(result, out_dir, name, chosen)
    c = result.counts
    console.print(f"digest of {c.meetings} meetings ({c.duplicates} duplicates counted once, {c.left_out} outside "
                  f"the filters), {len(result.themes)} themes, {result.usage.calls} model calls, "
                  f"{sum(ch.severity in ('warning', 'error') for ch in result.checks)} checks to read", highlight=False)
    for path in written:
        out.print(str(path), highlight=False)
    if failed:
        console.print(f"[red]{len(failed)} reports could not be briefed[/]; the digest leaves them out")
        raise typer.Exit(2)


def _reposts_before_briefing(reports: list[tuple[Path, Optional[Path]]], glossary) -> dict[Path, list]:
    """kept report -> [(repost, reason)] among reports read before briefing (no model: text and facts)."""
    from .digest.meetings import Copy, duplicate_groups
    from .facts import establish_facts
    from .ingest import read_report

    copies, paths = [], []
    for path, _ in reports:
        try:
            doc = read_report(path)
        except UserError:
            continue  # briefing will report it
        copies.append(Copy.of_report(path, doc, establish_facts(doc, glossary)))
        paths.append(path)
    return {paths[members[0]]: [(paths[i], "; ".join(why)) for i in members[1:]]
            for members, why in duplicate_groups(copies)}


def _run_reports(targets: list[Path], settings: "Settings", the_prompt, *, out_dir: Path | None, force: bool,
                 dry_run: bool, prices: Path | None, doing: str) -> None:
    """``brief`` and ``translate``: gather the reports, then the dry run, or every report through
    :func:`~summarizer.brief.brief_many` with progress, the end-of-batch table and the exit code."""
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from .brief import brief_many
    from .facts.glossary import Glossary
    from .llm import connect, model_ref

    gloss = Glossary.load(settings.glossaries)
    out_dir = out_dir or Path.cwd()
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError("the output folder is a file", path=out_dir, hint="give --out a folder (it is created "
                        "if missing)")
    jobs = gather_reports(targets, warn=console)
    if not jobs:
        raise UserError(f"no reports to {'translate' if doing == 'translating' else 'brief'}",
                        hint="give report files or folders containing .txt, .md or .html")
    if dry_run:
        from .plan import plan_reports, print_plan

        rows = plan_reports([p for p, _ in jobs], settings, the_prompt, prices=prices, glossary=gloss)
        print_plan(rows, settings, the_prompt, prices=prices, console=out)
        if any(r.error for r in rows):
            raise typer.Exit(2)
        return

    roots = {path: root for path, root in jobs}
    stats = {}

    def shown(text: str) -> str:
        """File names and reasons as printed: markup escaped, control and bidi characters made visible
        (a hostile file name must not drive the terminal)."""
        import unicodedata

        return escape("".join(c if c == " " or unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs")
                              else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text))

    async def main() -> list:
        outcomes = []
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=False, disable=not console.is_terminal) as progress:
            task = progress.add_task(doing, total=len(jobs))
            calls = progress.add_task("model calls", total=None)

            async def follow_calls(llm) -> None:
                """The second bar: calls done of planned within the reports under way, and the model's pace."""
                while True:
                    s = llm.stats
                    speed = s.tokens_per_second()
                    progress.update(calls, total=max(s.planned, s.done) or None, completed=s.done,
                                    description=f"model calls{f' ({speed:.1f} tok/s)' if speed else ''}")
                    await asyncio.sleep(0.5)

            def done(outcome) -> None:
                progress.advance(task)
                if outcome.status == "failed":
                    reason = outcome.reason or ""
                    if not reason.startswith(str(outcome.path)):  # input errors already name the file
                        reason = f"{_display(outcome.path, roots.get(outcome.path))}: {reason}"
                    console.print(f"[red]failed[/] {shown(reason)}", highlight=False, soft_wrap=True)

            async with connect(settings) as llm:
                by_root: dict[Path | None, list[Path]] = {}
                for path, root in jobs:
                    by_root.setdefault(root, []).append(path)
                follower = asyncio.ensure_future(follow_calls(llm))
                try:
                    for root, paths in by_root.items():
                        outcomes += await brief_many(paths, root=root, out_dir=out_dir, settings=settings,
                                                     prompt=the_prompt, llm=llm, model=model_ref(settings),
                                                     glossary=gloss, force=force, on_done=done)
                finally:
                    follower.cancel()
                    stats["llm"] = llm.stats
        return outcomes

    outcomes = _run_async(main())
    table = Table(title=f"{the_prompt.ref} on {settings.model_name}", show_lines=False)
    for column, justify in (("file", "left"), ("status", "left"), ("calls", "right"), ("prompt tok", "right"),
                            ("completion tok", "right"), ("seconds", "right")):
        table.add_column(column, justify=justify, overflow="fold")
    for o in outcomes:
        status = {"ok": "[green]ok[/]", "skipped": "[cyan]up to date[/]"}.get(
            o.status, f"[red]failed[/]: {shown(o.reason or '')}")
        table.add_row(shown(_display(o.path, roots.get(o.path))), status, str(o.usage.calls),
                      str(o.usage.prompt_tokens), str(o.usage.completion_tokens), f"{o.usage.seconds:.1f}")
    out.print(table)
    failed = sum(o.status == "failed" for o in outcomes)
    written = [str(p) for o in outcomes for p in o.outputs if o.status == "ok"]
    if written:
        console.print(f"wrote {len(written)} files under {out_dir}")
    if "llm" in stats:
        s = stats["llm"]
        console.print(f"model calls: {s.calls} answered, {s.retries} retries, {s.reasks} re-asks, "
                      f"{s.widened} with a bigger max_tokens, {s.cache_hits} from the cache", highlight=False)
    if failed:
        console.print(f"[red]{failed} of {len(outcomes)} reports failed[/]; re-run the same command to retry them "
                      "(finished reports are skipped)")
        raise typer.Exit(2)


def _display(path: Path, root: Path | None) -> str:
    """A report's name for the table: relative to its folder argument, else as given."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)


def _run_async(coro):
    """asyncio.run, with Ctrl-C turned into a clean exit (context managers still stop servers)."""
    import asyncio

    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]: finished reports are kept; re-run to continue")
        raise typer.Exit(130) from None


# ------------------------------------------------------------------ serve
@app.command()
def serve(config: ConfigOpt = None, verbose: Verbose = 0) -> None:
    """Run the embedded model server in the foreground; other runs reuse it until you stop it."""
    from .config import EMBEDDED
    from .llm.local import EmbeddedServer

    settings = settings_from(config, base_url=EMBEDDED)
    setup_logging(max(verbose, 1), settings)
    server = EmbeddedServer(settings, publish=True)
    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with server:
        out.print(f"embedded model serving at {server.base_url} (OpenAI-compatible); Ctrl-C to stop")
        out.print(f"other terminals: `summarizer brief ...` reuses it; or OPENAI_BASE_URL={server.base_url}")
        while not stop["now"] and server.process and server.process.poll() is None:
            time.sleep(0.5)
    out.print("stopped")


# ------------------------------------------------------------------ schema
@app.command()
def schema(which: Annotated[str, typer.Argument(help="brief (NAME.brief.json), translation "
                                                 "(NAME.translation.json) or digest (NAME.digest.json).")
                             ] = "brief") -> None:
    """Print the JSON Schema of NAME.brief.json, NAME.translation.json or NAME.digest.json."""
    from .schema import Brief, TranslatedReport

    from .digest.model import Digest

    models = {"brief": Brief, "translation": TranslatedReport, "digest": Digest}
    if which not in models:
        raise UserError(f"no schema {which!r}", hint="brief, translation or digest")
    out.print_json(json.dumps(models[which].model_json_schema()))


# ------------------------------------------------------------------ prompts
@prompts_app.command("list")
def prompts_list() -> None:
    """Prompt versions available, with their hashes and lock state."""
    from rich.table import Table

    from .generate.outputs import calls_when_fitting
    from .prompts import available, parse_prompt, prompts_dir, read_lock

    lock = read_lock(prompts_dir())
    table = Table("prompt", "steps", "calls per report", "sha256", "locked", "description")
    for path in available():
        p = parse_prompt(path)
        state = "yes" if lock.get(p.ref) == p.sha256 else ("EDITED" if p.ref in lock else "no (draft)")
        table.add_row(p.ref, ", ".join(s.name for s in p.meta.steps), calls_when_fitting(p), p.sha256[:12], state,
                      " ".join(p.meta.description.split())[:60])
    out.print(table)


@prompts_app.command("show")
def prompts_show(ref: str) -> None:
    """Print a prompt file."""
    from .prompts import load_prompt

    out.print(load_prompt(ref).path.read_text(encoding="utf-8"), markup=False, highlight=False)


@prompts_app.command("lock")
def prompts_lock(refs: Annotated[Optional[list[str]], typer.Argument(help="Re-lock these edited versions "
                                                                         "(only if never released).")] = None) -> None:
    """Record the hash of new prompt versions in prompts.lock.json."""
    from .prompts import lock

    changed = lock(refs or [])
    for ref, sha in changed.items():
        out.print(f"locked {ref} {sha[:12]}")
    if not changed:
        out.print("nothing to lock")


# ------------------------------------------------------------------ cache
@cache_app.command("stats")
def cache_stats(config: ConfigOpt = None) -> None:
    """Cached responses per endpoint, model, prompt and step."""
    from rich.table import Table

    from .llm.cache import Store

    settings = settings_from(config)
    store = Store(settings.db_path)
    table = Table("endpoint", "model", "prompt", "step", "entries", "prompt tok", "completion tok",
                  title=str(settings.db_path))
    for row in store.stats():
        table.add_row(*(str(c) for c in row[:2]), row[2].split(":")[0], *(str(c) for c in row[3:]))
    out.print(table)


@cache_app.command("clear")
def cache_clear(older_than_days: Annotated[Optional[float], typer.Option(help="Only entries older than this.")] = None,
                config: ConfigOpt = None) -> None:
    """Delete cached responses."""
    from .llm.cache import Store

    settings = settings_from(config)
    out.print(f"deleted {Store(settings.db_path).clear(older_than_days)} cached responses")


@app.callback(invoke_without_command=True)
def _version(version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False) -> None:
    if version:
        out.print(f"summarizer {__version__}")
        raise typer.Exit()


def _is(exc: BaseException, name: str) -> bool:
    """Is ``exc`` click's ``name`` (ClickException, Abort)? By class name: newer typer releases vendor
    click as ``typer._click``, older ones use click itself."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def main() -> None:
    """The console script. Exit codes (README, "Exit codes"): 0 done; 1 nothing could start (bad
    arguments, configuration, input or environment); 2 some reports failed; 130 interrupted."""
    try:
        code = app(standalone_mode=False)
    except ImportError as exc:  # a dependency broken at import (commands import what they need lazily)
        from .errors import MissingDependency

        package = (getattr(exc, "name", None) or "a dependency").split(".")[0]
        error = MissingDependency.from_import(exc, package=package, needed_for="this command")
        console.print(f"[red]error:[/] {escape(error.render())}", highlight=False)
        sys.exit(error.exit_code)
    except UserError as exc:
        console.print(f"[red]error:[/] {escape(exc.render())}", highlight=False)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _is(exc, "Abort"):
            console.print("[yellow]interrupted[/]", highlight=False)
            sys.exit(130)
        if not _is(exc, "ClickException"):
            raise
        # bad arguments: one line, exit 1 (2 means "some reports failed")
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "summarizer"
        message = " ".join(exc.format_message().split())
        if message:  # empty when the help was shown instead (a group called with no command)
            console.print(f"[red]error:[/] {escape(message)} (see `{escape(where)} --help`)", highlight=False)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
