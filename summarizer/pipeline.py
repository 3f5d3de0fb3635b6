"""One report through the pipeline: read -> facts -> generate -> checks.

Every command that makes a briefing runs a report through :func:`run_report`: ``brief``, ``eval
run``, ``--dry-run``, ``batch prepare`` and ``batch collect``. They differ only in the runner that
answers the model's calls (the online client, or an offline runner that answers from the cache, from
collected Batch API replies, or with stand-ins) and in what they do with the result.

It is also the Python API. In a notebook::

    from summarizer.pipeline import brief_report
    brief = brief_report("report.txt")   # a pydantic Brief; the embedded model unless configured otherwise

Reading, finding facts and checking are CPU work. Done on the event loop they would stall every
request in flight (and make their timeouts fire), so they run in one worker thread: the steps stay in
order and the text libraries are never used from two threads at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from pathlib import Path

from . import guard
from .checks import run_checks
from .config import Settings
from .facts import establish_facts
from .facts.glossary import Glossary
from .facts.model import Facts
from .checks.translation import check_translation
from .generate import generate
from .generate.translation import translate
from .ingest import Document, file_sha256, read_report
from .prompts import Prompt
from .revise import revise
from .runners import Runner
from .schema import Brief, ModelRef, TranslatedReport

_WORKER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-cpu")


async def off_loop(fn, *args):
    """``fn(*args)`` in the pipeline's worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_WORKER, fn, *args)


@dataclass(frozen=True)
class Briefed:
    """A report read, its facts established, and its briefing."""

    doc: Document
    facts: Facts
    brief: Brief

    @property
    def output(self) -> Brief:
        return self.brief


@dataclass(frozen=True)
class Translated:
    """A report read, its facts established, and its translation."""

    doc: Document
    facts: Facts
    translation: TranslatedReport

    @property
    def output(self) -> TranslatedReport:
        return self.translation


async def read(path: Path) -> Document:
    return await off_loop(read_report, path)


async def run_report(source: Path | Document, runner: Runner, *, settings: Settings, prompt: Prompt,
                     model: ModelRef, glossary: Glossary, epoch: int = 0, check: bool = True) -> Briefed | Translated:
    """The briefing of one report (a path, or a document already read), or its translation with a
    translation prompt. ``check`` False leaves the automatic checks out (a dry run only counts calls;
    :func:`add_checks` adds them later)."""
    doc = source if isinstance(source, Document) else await read(source)
    facts = await off_loop(establish_facts, doc, glossary)
    if prompt.kind == "translation":
        translation = await translate(doc, facts, prompt, runner, model=model, context_tokens=settings.context_budget,
                                      grounding=settings.grounding, epoch=epoch)
        translation.options = run_options(settings, "translation")
        translated = Translated(doc, facts, translation)
        if check:
            await off_loop(add_checks, translated, prompt, glossary)
        return translated
    brief = await generate(doc, facts, prompt, runner, model=model, context_tokens=settings.context_budget,
                           grounding=settings.grounding, epoch=epoch)
    brief.options = run_options(settings)
    briefed = Briefed(doc, facts, brief)
    if check and settings.revise:  # a dry run cannot know which replies would be re-asked
        await revise(doc, facts, brief, runner, context_tokens=settings.context_budget,
                     grounding=settings.grounding, epoch=epoch)
    if check:
        await off_loop(add_checks, briefed, prompt, glossary)
    return briefed


def add_checks(briefed: Briefed | Translated, prompt: Prompt, glossary: Glossary) -> None:
    """The automatic checks, in the briefing: what obeyed an injection is dropped first (so later
    checks point at the items that stay), then the grounding checks, then the injection findings.
    In a translation: the per-sentence checks, then the injection findings."""
    findings = guard.scan(briefed.doc)
    if isinstance(briefed, Translated):
        translation = briefed.translation
        translation.checks.extend(check_translation(translation, briefed.doc, briefed.facts))
        translation.checks.extend(guard.injection_checks(findings))
        return
    doc, brief = briefed.doc, briefed.brief
    brief.checks.extend(guard.guard_output(brief, findings, prompt.render("system")))
    brief.checks.extend(run_checks(brief, doc, briefed.facts, glossary))
    brief.checks.extend(guard.injection_checks(findings))


def run_options(settings: Settings, kind: str = "briefing") -> dict:
    """The options that change a briefing (or a translation) besides source, prompt and model (recorded
    in it). A briefing made with ``translate`` records the translation prompt (it carries its English)."""
    glossaries = []
    for path in settings.glossaries:
        try:
            glossaries.append(file_sha256(path))
        except OSError:
            glossaries.append(f"unreadable:{path}")
    if kind == "translation":
        return {"grounding": settings.grounding, "glossaries": glossaries}
    options = {"grounding": settings.grounding, "glossaries": glossaries, "revise": settings.revise}
    if settings.translate:
        options["translate"] = settings.translation_prompt
    return options


def brief_report(path: Path | str, *, settings: Settings | None = None, prompt: str | Prompt | None = None) -> Brief:
    """Brief one report with the configured endpoint (the embedded model by default): the Python API.
    Raises :class:`~summarizer.errors.UserError` for bad input and ``ModelError`` when the model fails."""
    from .config import load_settings
    from .llm import connect, model_ref
    from .prompts import load_prompt

    settings = settings or load_settings()
    chosen = prompt if isinstance(prompt, Prompt) else load_prompt(prompt or settings.prompt, kind="briefing")
    glossary = Glossary.load(settings.glossaries)

    async def main() -> Brief:
        async with connect(settings) as llm:
            briefed = await run_report(Path(path), llm, settings=settings, prompt=chosen, model=model_ref(settings),
                                       glossary=glossary)
            return briefed.brief

    return asyncio.run(main())
