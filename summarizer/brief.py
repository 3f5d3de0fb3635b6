"""Brief many reports through the pipeline (:mod:`summarizer.pipeline`), one outcome per report.

Reports run concurrently (bounded by the endpoint's concurrency); one report's failure
never stops the others, and every report ends as ok, skipped (up to date) or failed with
a one-line reason. Outputs are written atomically, the Markdown first and the JSON last:
the JSON is the commit marker, so a report whose JSON is up to date (same source, prompt
and model, with its Markdown beside it) is skipped unless ``force``, and anything less is
redone. Output names come from input names but never leave the output folder.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import pipeline
from .config import Settings
from .errors import ModelError, UserError
from .facts.glossary import Glossary
from .files import output_base, output_bases, remove_stale_temps, write_atomic
from .llm.client import LLM
from .prompts import Prompt
from .render import to_markdown
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


def write_briefing(brief: Brief, base: Path) -> list[Path]:
    """``base.md`` then ``base.json``, each atomically: an up-to-date JSON means both files are complete."""
    md_path, json_path = base.with_name(base.name + ".md"), base.with_name(base.name + ".json")
    write_atomic(md_path, to_markdown(brief))
    write_atomic(json_path, brief.model_dump_json(indent=2) + "\n")
    return [md_path, json_path]


def failure(path: Path, exc: Exception, settings: Settings, usage: Usage | None = None, *,
            writing: bool = False) -> Outcome:
    """The outcome of a report that raised: one line, the key scrubbed; a bug keeps its traceback for -v."""
    if isinstance(exc, UserError):
        return Outcome(path, "failed", settings.scrub(exc.render()))
    if isinstance(exc, ModelError):
        return Outcome(path, "failed", settings.scrub(f"{exc.kind}: {exc}"), usage=usage or exc.usage or Usage())
    if isinstance(exc, OSError):  # a file the tool needed: outputs (disk full, permissions) or its own data
        return Outcome(path, "failed", settings.scrub(f"cannot {'write outputs' if writing else 'use a file'}: {exc}"))
    log.info("internal error on %s:\n%s", path, settings.scrub("".join(traceback.format_exception(exc))))
    return Outcome(path, "failed", settings.scrub(f"internal error: {type(exc).__name__}: {exc} "
                                                  "(run with -v for the traceback)"))


async def brief_one(path: Path, *, root: Path | None, out_dir: Path | None, settings: Settings, prompt: Prompt,
                    llm: LLM, model: ModelRef, glossary: Glossary, force: bool = False, epoch: int = 0,
                    base: Path | None = None) -> Outcome:
    """One report, start to finish. Never raises (except cancellation): the outcome says what happened.

    ``base`` overrides the output name derived from ``path`` (``brief_many`` resolves clashes).
    """
    started = time.monotonic()
    try:
        doc = await pipeline.read(path)
        if base is None and out_dir is not None:
            base = output_base(path, root, out_dir)
        if base is not None:
            for target in (base.with_name(base.name + ".md"), base.with_name(base.name + ".json")):
                remove_stale_temps(target)
            json_path = base.with_name(base.name + ".json")
            if not force and _up_to_date(json_path, doc.sha256, prompt, model, pipeline.run_options(settings)):
                return Outcome(path, "skipped", "outputs are up to date (use --force to redo)",
                               outputs=[base.with_name(base.name + ".md"), json_path])
        briefed = await pipeline.run_report(doc, llm, settings=settings, prompt=prompt, model=model,
                                            glossary=glossary, epoch=epoch)
        brief = briefed.brief
        brief.usage.seconds = round(time.monotonic() - started, 3)
        try:
            outputs = await pipeline.off_loop(write_briefing, brief, base) if base is not None else []
        except OSError as exc:
            return failure(path, exc, settings, writing=True)
        return Outcome(path, "ok", usage=brief.usage, outputs=outputs, brief=brief)
    except Exception as exc:  # every failure is an outcome; a bug keeps its traceback for -v
        usage = None
        if isinstance(exc, ModelError):
            usage = exc.usage or Usage()
            usage.seconds = round(time.monotonic() - started, 3)
        return failure(path, exc, settings, usage)


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
