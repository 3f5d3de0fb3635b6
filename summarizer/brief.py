"""Brief (or translate) many reports through the pipeline (:mod:`summarizer.pipeline`), one outcome per report.

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
from .prompts import Prompt, load_prompt
from .render import bilingual_html, to_markdown, translation_markdown
from .schema import Brief, ModelRef, TranslatedReport, Usage

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    path: Path
    status: str  # ok | skipped | failed
    reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    outputs: list[Path] = field(default_factory=list)
    brief: Brief | None = None
    translation: TranslatedReport | None = None


def output_paths(kind: str, base: Path) -> list[Path]:
    """The files one report gets, JSON last (the commit marker). ``base`` is ``out/NAME.brief``:
    a briefing is NAME.brief.md + NAME.brief.json; a translation NAME.en.md + NAME.bilingual.html +
    NAME.translation.json."""
    if kind == "translation":
        stem = base.name[:-len(".brief")]
        return [base.with_name(f"{stem}{suffix}") for suffix in (".en.md", ".bilingual.html", ".translation.json")]
    return [base.with_name(base.name + ".md"), base.with_name(base.name + ".json")]


def _up_to_date(paths: list[Path], sha256: str, prompt: Prompt, model: ModelRef, options: dict) -> bool:
    if not all(p.is_file() for p in paths[:-1]):
        return False  # killed between the writes (or a file was deleted): redo
    try:
        data = json.loads(paths[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (data.get("source", {}).get("sha256") == sha256
            and data.get("prompt", {}).get("sha256") == prompt.sha256
            and data.get("model") == model.model_dump()
            and data.get("options", {}) == options)


def write_outputs(output: Brief | TranslatedReport, base: Path) -> list[Path]:
    """Every file of one report, each atomically, the JSON last: an up-to-date JSON means all are complete."""
    if isinstance(output, TranslatedReport):
        paths = output_paths("translation", base)
        texts = [translation_markdown(output), bilingual_html(output)]
    else:
        paths = output_paths("briefing", base)
        texts = [to_markdown(output)]
    for path, text in zip(paths, texts + [output.model_dump_json(indent=2) + "\n"], strict=True):
        write_atomic(path, text)
    return paths


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
    """One report, start to finish: its briefing, or its translation with a translation prompt. Never
    raises (except cancellation): the outcome says what happened.

    ``base`` overrides the output name derived from ``path`` (``brief_many`` resolves clashes). With
    ``settings.translate`` a briefing also gets the report's translation (an up-to-date one on disk is
    reused, else it is made and written too), and the English of its evidence sentences.
    """
    started = time.monotonic()
    try:
        doc = await pipeline.read(path)
        if base is None and out_dir is not None:
            base = output_base(path, root, out_dir)
        wants_translation = settings.translate and prompt.kind == "briefing"
        if base is not None:
            paths = output_paths(prompt.kind, base)
            for target in paths + (output_paths("translation", base) if wants_translation else []):
                remove_stale_temps(target)
            if not force and _up_to_date(paths, doc.sha256, prompt, model, pipeline.run_options(settings, prompt.kind)) and (
                    not wants_translation or _translation_on_disk(doc, base, settings, model)):
                return Outcome(path, "skipped", "outputs are up to date (use --force to redo)", outputs=paths)
        done = await pipeline.run_report(doc, llm, settings=settings, prompt=prompt, model=model,
                                         glossary=glossary, epoch=epoch)
        output = done.output
        outputs: list[Path] = []
        translation = done.translation if isinstance(done, pipeline.Translated) else None
        if wants_translation:
            translation = None if force else _translation_on_disk(doc, base, settings, model)
            if translation is None:
                made = await pipeline.run_report(doc, llm, settings=settings, model=model, glossary=glossary,
                                                 prompt=load_prompt(settings.translation_prompt, kind="translation"),
                                                 epoch=epoch)
                translation = made.translation
                output.usage = output.usage.add(translation.usage)
                if base is not None:
                    try:
                        outputs += await pipeline.off_loop(write_outputs, translation, base)
                    except OSError as exc:
                        return failure(path, exc, settings, writing=True)
            attach_english(output, translation)
        output.usage.seconds = round(time.monotonic() - started, 3)
        try:
            outputs += await pipeline.off_loop(write_outputs, output, base) if base is not None else []
        except OSError as exc:
            return failure(path, exc, settings, writing=True)
        return Outcome(path, "ok", usage=output.usage, outputs=outputs, translation=translation,
                       brief=output if isinstance(output, Brief) else None)
    except Exception as exc:  # every failure is an outcome; a bug keeps its traceback for -v
        usage = None
        if isinstance(exc, ModelError):
            usage = exc.usage or Usage()
            usage.seconds = round(time.monotonic() - started, 3)
        return failure(path, exc, settings, usage)


def _translation_on_disk(doc, base: Path | None, settings: Settings, model: ModelRef) -> TranslatedReport | None:
    """The report's translation written beside its briefing, if up to date (same source, translation
    prompt, model and options)."""
    if base is None:
        return None
    prompt = load_prompt(settings.translation_prompt, kind="translation")
    paths = output_paths("translation", base)
    if not _up_to_date(paths, doc.sha256, prompt, model, pipeline.run_options(settings, prompt.kind)):
        return None
    try:
        return TranslatedReport.model_validate_json(paths[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def attach_english(brief: Brief, translation: TranslatedReport) -> None:
    """The English of every evidence sentence of ``brief``, from the report's translation."""
    english = translation.english_of()
    quoted = [t for item in brief.summary for t in item.evidence] + [a.evidence_zh for a in brief.actions]
    brief.evidence_en = {q: english[q] for q in dict.fromkeys(quoted) if q in english}


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
