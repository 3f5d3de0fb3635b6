"""``eval run``: every (prompt, model, case, repeat) through the normal pipeline, scored.

Each item goes through :func:`summarizer.brief.brief_one` (out_dir=None) on an
:class:`~summarizer.llm.client.LLM` from :func:`summarizer.llm.connect` — the exact pipeline
``summarizer brief`` runs, with its cache. Repeat ``r`` passes ``epoch=r``: repeat 0 shares
the cache with ordinary briefings, later repeats get their own entries (so they sample the
model again instead of replaying one answer).

Items run concurrently (bounded by the endpoint's concurrency). An item that fails is
recorded with its reason and the run goes on. Items are appended to ``items.jsonl`` as they
finish, so an interrupted run keeps what it did (the manifest then says ``interrupted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import __version__
from ..brief import brief_one
from ..config import Settings, load_settings
from ..embed import Embedder, default_embedder
from ..errors import UserError
from ..facts.glossary import Glossary
from ..ingest import read_report
from ..llm import connect, model_ref
from ..prompts import Prompt, load_prompt
from ..schema import Brief
from . import judge as judging
from .cases import Case, Dataset, validate
from .matching import MATCH_THRESHOLD, W_EVIDENCE, W_OWNER, W_TASK
from .metrics import METRICS, SEMANTIC_THRESHOLD, failed_scores, score
from .runs import (
    DEFAULT_RUNS_DIR,
    DatasetRef,
    Item,
    JudgeConfig,
    Manifest,
    PairwiseRecord,
    RunWriter,
    Variant,
    safe_endpoint,
    scrub_urls,
)

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    dataset: Path
    prompts: list[str]
    models: list[str] = field(default_factory=list)  # empty: the configured default model
    repeat: int = 1
    base_url: str | None = None
    config: Path | None = None
    use_cache: bool = True
    grounding: bool = True
    revise: bool | None = None  # None: as configured
    translate: bool = False  # briefings also get the English of their evidence (brief --translate)
    concurrency: int | None = None
    semantic: bool = True
    judge: bool = False
    judge_model: str | None = None
    seed: int = 0
    runs_dir: Path = DEFAULT_RUNS_DIR
    run_id: str | None = None
    cases: list[str] | None = None  # only these case ids


def new_run_id(prompts: list[Prompt]) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    label = "-".join(f"v{p.version}" for p in prompts)[:40]
    return f"{stamp}-{label}-{secrets.token_hex(2)}"


def _settings(opts: RunOptions, model: str | None) -> Settings:
    return load_settings(opts.config, model=model, base_url=opts.base_url, use_cache=opts.use_cache,
                         grounding=opts.grounding, revise=opts.revise, concurrency=opts.concurrency,
                         translate=opts.translate or None)


@dataclass
class Plan:
    dataset: Dataset
    cases: list[Case]
    prompts: list[Prompt]
    settings: list[Settings]  # one per model
    variants: list[Variant]
    judge_settings: Settings | None


def plan(opts: RunOptions) -> Plan:
    """Check everything that can be checked before the first call."""
    if opts.repeat < 1:
        raise UserError("--repeat must be at least 1")
    if not opts.prompts:
        raise UserError("no prompt to evaluate", hint="give --prompt NAME@vN (repeatable)")
    checked = validate(opts.dataset)
    if not checked.ok:
        first = checked.errors[0]
        raise UserError(f"dataset has {len(checked.errors)} error(s), first: "
                        f"{first.case + ': ' if first.case else ''}{first.message}", path=opts.dataset,
                        hint=f"run `summarizer eval validate {opts.dataset}`")
    dataset = checked.dataset
    cases = dataset.cases
    if opts.cases:
        unknown = sorted(set(opts.cases) - {c.id for c in cases})
        if unknown:
            raise UserError(f"no case {', '.join(unknown)} in the dataset",
                            hint="cases: " + ", ".join(c.id for c in cases))
        cases = [c for c in cases if c.id in opts.cases]
    prompts = [load_prompt(p, kind=("briefing", "translation")) for p in opts.prompts]
    if len({p.kind for p in prompts}) > 1:
        raise UserError("briefing and translation prompts are scored differently: give one kind per run",
                        hint="run the translation prompts in a run of their own")
    if len({(p.ref, p.sha256) for p in prompts}) < len(prompts):
        raise UserError("the same prompt is given twice", hint="give each --prompt once")
    settings = [_settings(opts, m) for m in (list(dict.fromkeys(opts.models)) or [None])]
    several_models = len(settings) > 1
    ambiguous = {p.ref for p in prompts if sum(q.ref == p.ref for q in prompts) > 1}
    variants = []
    for s in settings:
        ref = model_ref(s)
        for p in prompts:
            label = p.ref + (f"#{p.sha256[:8]}" if p.ref in ambiguous else "")
            variants.append(Variant(id=label + (f"/{s.model_name}" if several_models else ""), prompt=p.ref,
                                    prompt_sha256=p.sha256, prompt_path=str(p.path), model=s.model_name,
                                    endpoint=safe_endpoint(ref.endpoint)))
    judge_settings = None
    if opts.judge:
        judge_settings = _settings(opts, opts.judge_model or settings[0].model_name)
    return Plan(dataset, cases, prompts, settings, variants, judge_settings)


async def run_eval(opts: RunOptions, *, embedder: Embedder | None = None,
                   on_item: Callable[[Item], None] | None = None, on_start: Callable[[Path, int], None] | None = None
                   ) -> Path:
    """Run, score and store; returns the run folder."""
    p = plan(opts)
    if opts.semantic and embedder is None:
        embedder = default_embedder()
    if not opts.semantic:
        embedder = None
    run_id = opts.run_id or new_run_id(p.prompts)
    judge_cfg = None
    if p.judge_settings is not None:
        judge_cfg = JudgeConfig(version=judging.VERSION, sha256=judging.rubric_sha256(),
                                model=p.judge_settings.model_name,
                                endpoint=safe_endpoint(model_ref(p.judge_settings).endpoint), seed=opts.seed)
    manifest = Manifest(
        run_id=run_id, created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        tool_version=__version__,
        dataset=DatasetRef(name=p.dataset.name, path=str(p.dataset.path), sha256=p.dataset.sha256,
                           cases=[c.id for c in p.cases]),
        variants=p.variants, repeat=opts.repeat, use_cache=opts.use_cache, grounding=opts.grounding,
        revise=p.settings[0].revise, semantic=embedder is not None, judge=judge_cfg,
        metrics={m.name: m.direction for m in METRICS.values()},
        scoring={"semantic_threshold": SEMANTIC_THRESHOLD, "action_match_threshold": MATCH_THRESHOLD,
                 "action_weights": {"evidence": W_EVIDENCE, "owner": W_OWNER, "task": W_TASK}},
    )
    run_path = opts.runs_dir / run_id
    if run_path.exists():
        raise UserError(f"run {run_id} already exists", path=opts.runs_dir, hint="choose another --run-id")
    writer = RunWriter(run_path, manifest)
    total = len(p.variants) * len(p.cases) * opts.repeat
    if on_start:
        on_start(run_path, total)
    counts = {"ok": 0, "failed": 0, "judge_failed": 0}
    try:
        prompts_per_model = len(p.prompts)
        for m, settings in enumerate(p.settings):
            variants = p.variants[m * prompts_per_model:(m + 1) * prompts_per_model]
            await _run_model(opts, p, settings, variants, writer, embedder, counts, on_item)
        manifest.status = "complete"
    except BaseException:
        manifest.status = "interrupted"
        raise
    finally:
        manifest.finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        manifest.counts = counts
        writer.write_manifest()
        writer.close()
    return run_path


async def _run_model(opts: RunOptions, p: Plan, settings: Settings, variants: list[Variant], writer: RunWriter,
                     embedder: Embedder | None, counts: dict, on_item) -> None:
    glossary = Glossary.load(settings.glossaries)
    gate = asyncio.Semaphore(max(1, settings.effective_concurrency))
    model = model_ref(settings)
    briefs: dict[tuple[str, str, int], Brief] = {}
    sources: dict[str, str] = {}

    async with contextlib.AsyncExitStack() as stack:
        llm = await stack.enter_async_context(connect(settings))
        judge_llm = None
        if p.judge_settings is not None:
            same = (p.judge_settings.model_name, p.judge_settings.base_url) == (settings.model_name, settings.base_url)
            judge_llm = llm if same else await stack.enter_async_context(connect(p.judge_settings))

        async def one(variant: Variant, prompt: Prompt, case: Case, repeat: int) -> None:
            async with gate:
                outcome = await brief_one(case.report, root=None, out_dir=None, settings=settings, prompt=prompt,
                                          llm=llm, model=model, glossary=glossary, epoch=repeat)
            item = Item(variant=variant.id, prompt=variant.prompt, model=variant.model, case=case.id,
                        repeat=repeat, status="failed", usage=outcome.usage.model_dump())
            if prompt.kind == "translation":
                await _score_translation(item, outcome, case, glossary)
            elif outcome.status != "ok" or outcome.brief is None:
                item.reason = scrub_urls(outcome.reason or outcome.status)
                item.scores = failed_scores()
            else:
                brief = outcome.brief
                item.brief = brief.model_dump(mode="json")
                item.brief["model"]["endpoint"] = safe_endpoint(brief.model.endpoint)
                try:
                    scored = await asyncio.to_thread(score, brief, case.reference, embedder)
                    item.status, item.scores, item.details = "ok", scored.scores, scored.details
                    briefs[(variant.id, case.id, repeat)] = brief
                except Exception as exc:  # a scoring bug must not sink the run
                    log.debug("scoring failed", exc_info=True)
                    item.reason = f"scoring failed: {type(exc).__name__}: {exc}"
                    item.scores = failed_scores()
                if item.status == "ok" and judge_llm is not None:
                    item.judge = await _judge_item(judge_llm, brief, case, repeat, sources, counts)
                    item.scores.update(item.judge.get("scores", {}))
            counts[item.status] += 1
            writer.item(item)
            if on_item:
                on_item(item)

        jobs = [one(v, prompt, case, r) for v, prompt in zip(variants, p.prompts, strict=True) for case in p.cases
                for r in range(opts.repeat)]
        await asyncio.gather(*jobs)
        if judge_llm is not None and len(variants) > 1:
            await _judge_pairs(judge_llm, opts, p, variants, briefs, sources, writer, gate)


async def _score_translation(item: Item, outcome, case: Case, glossary: Glossary) -> None:
    """A translation item: the translation stored, scored against the case's reference translation."""
    from ..facts import establish_facts
    from .translation import score_translation

    if outcome.status != "ok" or outcome.translation is None:
        item.reason = scrub_urls(outcome.reason or outcome.status)
        item.scores = failed_scores()
        return
    item.brief = outcome.translation.model_dump(mode="json")
    item.brief["model"]["endpoint"] = safe_endpoint(outcome.translation.model.endpoint)

    def scored():
        doc = read_report(case.report)
        return score_translation(outcome.translation, doc, establish_facts(doc, glossary), case.translation)

    try:
        item.scores, item.details = await asyncio.to_thread(scored)
        item.status = "ok"
    except Exception as exc:  # a scoring bug must not sink the run
        log.debug("scoring failed", exc_info=True)
        item.reason = f"scoring failed: {type(exc).__name__}: {exc}"
        item.scores = failed_scores()


def _source_text(case: Case, sources: dict[str, str]) -> str:
    if case.id not in sources:
        sources[case.id] = read_report(case.report).text
    return sources[case.id]


async def _judge_item(llm, brief: Brief, case: Case, repeat: int, sources: dict, counts: dict) -> dict:
    from ..errors import ModelError

    try:
        return await judging.judge_briefing(llm, brief, case.reference, _source_text(case, sources), epoch=repeat)
    except ModelError as exc:
        counts["judge_failed"] += 1
        return {"error": f"{exc.kind}: {exc}"}


async def _judge_pairs(llm, opts: RunOptions, p: Plan, variants: list[Variant], briefs: dict, sources: dict,
                       writer: RunWriter, gate: asyncio.Semaphore) -> None:
    from ..errors import ModelError

    base = variants[0]

    async def pair(other: Variant, case: Case, repeat: int) -> None:
        a, b = briefs.get((base.id, case.id, repeat)), briefs.get((other.id, case.id, repeat))
        if a is None or b is None:
            return
        shown = judging.first_shown(opts.seed, base.model, case.id, repeat, base.id, other.id)
        record = PairwiseRecord(model=base.model, case=case.id, repeat=repeat, a=base.id, b=other.id,
                                shown_first=shown, winner=None)
        try:
            async with gate:
                record.winner, record.reasoning, _ = await judging.judge_pair(
                    llm, a, b, case.reference, _source_text(case, sources), shown_first=shown, epoch=repeat)
        except ModelError as exc:
            record.error = f"{exc.kind}: {exc}"
        writer.pair(record)

    await asyncio.gather(*(pair(other, case, r) for other in variants[1:] for case in p.cases
                           for r in range(opts.repeat)))
