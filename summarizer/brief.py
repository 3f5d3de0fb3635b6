"""Brief many reports: ingest -> facts -> generate -> check -> render, one outcome per report.

Reports run concurrently (bounded by the endpoint's concurrency); one report's failure
never stops the others, and every report ends as ok, skipped (up to date) or failed with
a one-line reason. Outputs are written atomically, the Markdown first and the JSON last:
the JSON is the commit marker, so a report whose JSON is up to date (same source, prompt
and model, with its Markdown beside it) is skipped unless ``force``, and anything less is
redone. Output names come from input names but never leave the output folder.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import os
import re
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import guard
from .checks import run_checks
from .config import Settings
from .errors import ModelError, UserError
from .files import resolve_path
from .generate import generate
from .ingest import file_sha256, read_report
from .ingest.facts import establish_facts
from .ingest.glossary import Glossary
from .llm.client import LLM
from .prompts import Prompt
from .render import to_markdown, write_atomic
from .schema import Brief, ModelRef, Usage

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    path: Path
    status: str  # ok | skipped | failed
    reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    outputs: list[Path] = field(default_factory=list)
    brief: Brief | None = None


# path separators, characters Windows forbids, and every control/format/unassigned code point
# (NUL, newlines, C1 controls, RTL/LTR overrides, zero-width characters, lone surrogates)
_UNSAFE = re.compile(r"[/\\:*?\"<>|]")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.IGNORECASE)
MAX_NAME_BYTES = 150  # leaves room for ".brief.json" and a temporary-file prefix under the usual 255


def _safe_part(part: str) -> str:
    """One path component that is safe to create on Linux, macOS and Windows, and readable."""
    part = unicodedata.normalize("NFC", part)
    part = "".join("_" if unicodedata.category(c) in _INVISIBLE else c for c in part)
    part = _UNSAFE.sub("_", part).strip().lstrip(".").rstrip(". ")
    if _RESERVED.match(part):
        part = "_" + part
    if len(part.encode("utf-8")) > MAX_NAME_BYTES:  # cut on a character boundary, keep it distinct
        digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cut = part.encode("utf-8")[:MAX_NAME_BYTES - 9].decode("utf-8", "ignore")
        part = f"{cut.rstrip('. ')}~{digest}"
    return part or "_"


def output_base(report: Path, root: Path | None, out_dir: Path) -> Path:
    """``out_dir/<relative path>/<stem>.brief`` — never outside ``out_dir`` whatever the input name."""
    try:
        rel = resolve_path(report).relative_to(resolve_path(root)) if root else Path(report.name)
    except (ValueError, OSError):
        rel = Path(report.name)
    parts = [p for p in rel.parts if p not in ("", ".", "..") and p != rel.anchor]
    if not parts:
        parts = ["report"]
    stem = Path(parts[-1]).stem if Path(parts[-1]).suffix else parts[-1]
    base = out_dir.joinpath(*(_safe_part(p) for p in parts[:-1]), f"{_safe_part(stem)}.brief")
    resolved_out = resolve_path(out_dir)
    if resolved_out not in resolve_path(base).parents:  # e.g. a symlinked sub-folder pointing elsewhere
        base = out_dir / f"{_safe_part(stem)}.brief"
    return base


def output_bases(paths: list[Path], root: Path | None, out_dir: Path) -> dict[Path, Path]:
    """Output bases for a batch: inputs that would share one (``a.txt`` and ``a.md``, names that only
    differ in unsafe characters or in case) get a short hash of their name, in a stable order."""
    bases: dict[Path, Path] = {}
    taken: set[str] = set()
    for path in sorted(paths, key=str):
        base = output_base(path, root, out_dir)
        if str(base).casefold() in taken:
            digest = hashlib.sha256(str(path.name).encode("utf-8", "surrogatepass")).hexdigest()[:8]
            base = base.with_name(f"{base.name[:-len('.brief')]}~{digest}.brief")
        taken.add(str(base).casefold())
        bases[path] = base
    return bases


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")
STALE_TEMP_SECONDS = 3600


def remove_stale_temps(target: Path) -> int:
    """Remove temporary files ``render.write_atomic`` left next to ``target`` when its process died
    (killed mid-write). Files of a live process are kept unless an hour old."""
    removed = 0
    try:
        siblings = list(target.parent.glob(f".{glob_escape(target.name)}.*.tmp"))
    except OSError:
        return 0
    for tmp in siblings:
        m = _TEMP.match(tmp.name)
        if not m or m.group("name") != target.name:
            continue
        try:
            if _alive(int(m.group("pid"))) and time.time() - tmp.stat().st_mtime < STALE_TEMP_SECONDS:
                continue
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def run_options(settings: Settings) -> dict:
    """The options that change a briefing besides source, prompt and model (recorded in it)."""
    glossaries = []
    for path in settings.glossaries:
        try:
            glossaries.append(file_sha256(path))
        except OSError:
            glossaries.append(f"unreadable:{path}")
    return {"grounding": settings.grounding, "glossaries": glossaries}


def _up_to_date(json_path: Path, sha256: str, prompt: Prompt, model: ModelRef, options: dict) -> bool:
    if not json_path.with_name(json_path.name[:-len(".json")] + ".md").is_file():
        return False  # killed between the two writes (or the Markdown was deleted): redo
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (data.get("source", {}).get("sha256") == sha256
            and data.get("prompt", {}).get("sha256") == prompt.sha256
            and data.get("model") == model.model_dump()
            and data.get("options", {}) == options)


# Reading, checking and writing a report is CPU work; done on the event loop it would stall every
# request in flight (and make their timeouts fire). One worker thread: the steps stay in order and
# the text libraries are never used from two threads at once.
_WORKER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-cpu")


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_WORKER, fn, *args)


async def brief_one(path: Path, *, root: Path | None, out_dir: Path | None, settings: Settings, prompt: Prompt,
                    llm: LLM, model: ModelRef, glossary: Glossary, force: bool = False, epoch: int = 0,
                    base: Path | None = None) -> Outcome:
    """One report, start to finish. Never raises (except cancellation): the outcome says what happened.

    ``base`` overrides the output name derived from ``path`` (``brief_many`` resolves clashes).
    """
    started = time.monotonic()
    try:
        doc = await _off_loop(read_report, path)
        if base is None and out_dir is not None:
            base = output_base(path, root, out_dir)
        json_path = base.with_name(base.name + ".json") if base else None
        md_path = base.with_name(base.name + ".md") if base else None
        if base is not None:
            for target in (json_path, md_path):
                remove_stale_temps(target)
        options = run_options(settings)
        if json_path and not force and _up_to_date(json_path, doc.sha256, prompt, model, options):
            return Outcome(path, "skipped", "outputs are up to date (use --force to redo)",
                           outputs=[md_path, json_path])
        facts = await _off_loop(establish_facts, doc, glossary)
        brief = await generate(doc, facts, prompt, llm, model=model, context_tokens=settings.context_budget,
                               grounding=settings.grounding, epoch=epoch)
        brief.options = options

        def finish() -> list[Path]:
            findings = guard.scan(doc)
            # first drop what obeyed an injection (so later checks point at the items that stay)
            brief.checks.extend(guard.guard_output(brief, findings, prompt.render("system")))
            brief.checks.extend(run_checks(brief, doc, facts, glossary))
            brief.checks.extend(guard.injection_checks(findings))
            brief.usage.seconds = round(time.monotonic() - started, 3)
            if base is None:
                return []
            # Markdown first, JSON last: an up-to-date JSON means both files are complete
            write_atomic(md_path, to_markdown(brief))
            write_atomic(json_path, brief.model_dump_json(indent=2) + "\n")
            return [md_path, json_path]

        outputs = await _off_loop(finish)
        return Outcome(path, "ok", usage=brief.usage, outputs=outputs, brief=brief)
    except UserError as exc:
        return Outcome(path, "failed", settings.scrub(exc.render()))
    except ModelError as exc:
        usage = exc.usage or Usage()
        usage.seconds = round(time.monotonic() - started, 3)
        return Outcome(path, "failed", settings.scrub(f"{exc.kind}: {exc}"), usage=usage)
    except OSError as exc:  # writing outputs: disk full, permissions
        return Outcome(path, "failed", settings.scrub(f"cannot write outputs: {exc}"))
    except Exception as exc:  # a bug: keep going, report it, keep the traceback for --verbose
        log.info("internal error on %s:\n%s", path, settings.scrub(traceback.format_exc()))
        return Outcome(path, "failed", settings.scrub(f"internal error: {type(exc).__name__}: {exc} "
                                                      "(run with -v for the traceback)"))


async def brief_many(paths: list[Path], *, root: Path | None, out_dir: Path | None, settings: Settings,
                     prompt: Prompt, llm: LLM, model: ModelRef, glossary: Glossary, force: bool = False,
                     on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    gate = asyncio.Semaphore(max(1, settings.effective_concurrency))
    bases = output_bases(paths, root, out_dir) if out_dir is not None else {}

    async def one(path: Path) -> Outcome:
        async with gate:
            outcome = await brief_one(path, root=root, out_dir=out_dir, settings=settings, prompt=prompt,
                                      llm=llm, model=model, glossary=glossary, force=force, base=bases.get(path))
        if on_done:
            on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(p) for p in paths)))
