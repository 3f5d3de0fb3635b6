"""Brief many reports: ingest -> facts -> generate -> check -> render, one outcome per report.

Reports run concurrently (bounded by the endpoint's concurrency); one report's failure
never stops the others. Outputs are written atomically; a report whose outputs are
already up to date (same source, prompt and model) is skipped unless ``force``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .checks import run_checks
from .config import Settings
from .errors import ModelError, UserError
from .generate import generate
from .ingest import read_report
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


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def _safe_part(part: str) -> str:
    part = unicodedata.normalize("NFC", part)
    part = _UNSAFE.sub("_", part).strip().lstrip(".")
    return part[:120] or "_"


def output_base(report: Path, root: Path | None, out_dir: Path) -> Path:
    """``out_dir/<relative path>/<stem>.brief`` — never outside ``out_dir`` whatever the input name."""
    try:
        rel = report.resolve().relative_to(root.resolve()) if root else Path(report.name)
    except ValueError:
        rel = Path(report.name)
    parts = [_safe_part(p) for p in rel.parts if p not in ("", ".", "..", "/")]
    if not parts:
        parts = ["report"]
    stem = Path(parts[-1]).stem or parts[-1]
    base = out_dir.joinpath(*parts[:-1], f"{_safe_part(stem)}.brief")
    resolved_out = out_dir.resolve()
    if resolved_out not in base.resolve().parents:
        base = out_dir / f"{_safe_part(stem)}.brief"
    return base


def _up_to_date(json_path: Path, sha256: str, prompt: Prompt, model: ModelRef) -> bool:
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (data.get("source", {}).get("sha256") == sha256
            and data.get("prompt", {}).get("sha256") == prompt.sha256
            and data.get("model") == model.model_dump())


async def brief_one(path: Path, *, root: Path | None, out_dir: Path | None, settings: Settings, prompt: Prompt,
                    llm: LLM, model: ModelRef, glossary: Glossary, force: bool = False, epoch: int = 0) -> Outcome:
    started = time.monotonic()
    try:
        doc = read_report(path)
        base = output_base(path, root, out_dir) if out_dir is not None else None
        json_path = base.with_suffix(".brief.json") if base else None
        if json_path and not force and _up_to_date(json_path, doc.sha256, prompt, model):
            return Outcome(path, "skipped", "outputs are up to date (use --force to redo)",
                           outputs=[json_path, base.with_suffix(".brief.md")])
        facts = establish_facts(doc, glossary)
        brief = await generate(doc, facts, prompt, llm, model=model, context_tokens=settings.context_budget,
                               grounding=settings.grounding, epoch=epoch)
        brief.checks.extend(run_checks(brief, doc, facts, glossary))
        brief.usage.seconds = round(time.monotonic() - started, 3)
        outputs = []
        if base is not None:
            write_atomic(json_path, brief.model_dump_json(indent=2) + "\n")
            md_path = base.with_suffix(".brief.md")
            write_atomic(md_path, to_markdown(brief))
            outputs = [md_path, json_path]
        return Outcome(path, "ok", usage=brief.usage, outputs=outputs, brief=brief)
    except UserError as exc:
        return Outcome(path, "failed", exc.render())
    except ModelError as exc:
        usage = exc.usage or Usage()
        usage.seconds = round(time.monotonic() - started, 3)
        return Outcome(path, "failed", f"{exc.kind}: {exc}", usage=usage)
    except Exception as exc:  # a bug: keep going, report it, keep the traceback for --verbose
        log.debug("internal error on %s:\n%s", path, traceback.format_exc())
        return Outcome(path, "failed", f"internal error: {type(exc).__name__}: {exc} (run with -v for details)")


async def brief_many(paths: list[Path], *, root: Path | None, out_dir: Path | None, settings: Settings,
                     prompt: Prompt, llm: LLM, model: ModelRef, glossary: Glossary, force: bool = False,
                     on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    gate = asyncio.Semaphore(max(1, settings.effective_concurrency))

    async def one(path: Path) -> Outcome:
        async with gate:
            outcome = await brief_one(path, root=root, out_dir=out_dir, settings=settings, prompt=prompt,
                                      llm=llm, model=model, glossary=glossary, force=force)
        if on_done:
            on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(p) for p in paths)))
