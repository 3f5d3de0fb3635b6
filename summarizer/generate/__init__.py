"""Generate: Document + Facts + Prompt -> Brief, following the prompt's declared steps.

Pipelines (named by the prompt's ``pipeline`` field):

- ``translate_first``: ``translate`` (Chinese sentences -> English, id for id), then
  ``summarize`` and ``actions`` read the numbered English. Small, bounded tasks suit the
  1.5B embedded model; a frontier endpoint gets the same pipeline.
- ``direct``: one ``briefing`` step reads the numbered Chinese and writes both.

Every step is one call when the report fits the model's context; otherwise the source is
cut into section-aware chunks (map), actions are merged and de-duplicated, and summary
points from several chunks are merged by the prompt's ``reduce`` step. A chunk whose
reply is cut off by ``max_tokens`` is split in half and redone.

Messages are laid out for prompt caching: the static system message first, then the
report, then the step's question, so the prefix repeats across steps and reports.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from dataclasses import dataclass, field
from typing import Protocol

from .. import __version__
from ..chunk import Chunk, count_tokens, plan_chunks, split_in_half
from ..errors import InputError
from ..ingest import Document
from ..ingest.facts import Facts
from ..llm.client import Call, Result, Truncated
from ..prompts import Prompt, StepSpec
from ..schema import (Action, Brief, Check, Deadline, Meeting, ModelRef, Person, PromptRef, Source,
                      SummaryItem, Usage)
from .deadlines import find_deadline
from .outputs import OUTPUTS, ActionItem, Point, Summary, translation_for

# o200k counts differ from the serving model's tokenizer; leave room for that
TOKENIZER_MARGIN = 1.25
MAX_POINTS = 10


class Runner(Protocol):
    async def run(self, call: Call) -> Result: ...


@dataclass
class Run:
    """State of one report through the pipeline."""

    doc: Document
    facts: Facts
    prompt: Prompt
    runner: Runner
    context_tokens: int
    grounding: bool = True
    epoch: int = 0
    usage: Usage = field(default_factory=Usage)
    checks: list[Check] = field(default_factory=list)
    english: dict[int, str] = field(default_factory=dict)  # sentence id -> English (translate_first)

    # ---- rendering of the source for the model
    def source_line(self, sid: int) -> str:
        sentence = self.doc.sentence(sid)
        text = sentence.simplified
        if self.grounding and self.doc.is_chinese:
            text = self.facts.annotate(text)
        return f"[{sid}] {text}"

    def english_line(self, sid: int) -> str:
        return f"[{sid}] {self.english.get(sid) or self.doc.sentence(sid).text}"

    def renderings_for(self, text: str) -> list[dict[str, str]]:
        if not self.grounding:
            return []
        return [{"zh": r.zh, "en": r.en, "kind": r.kind} for r in self.facts.renderings() if r.zh in text]

    def facts_context(self) -> dict:
        f = self.facts
        chair = f.chair
        return {
            "date": f.date, "number": f.number, "body_en": f.body_en, "kind": f.kind,
            "chair": f"{chair.name_en} ({chair.title_en})" if chair and chair.title_en else
                     (chair.name_en if chair else None),
        } if self.grounding else {}

    # ---- calls
    def call(self, step: StepSpec, user: str, output: type, part: str) -> Call:
        system = self.prompt.render("system")
        return Call(
            step=step.name,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            output=output,
            temperature=step.temperature,
            max_tokens=step.max_tokens,
            prompt_ref=f"{self.prompt.ref}:{self.prompt.sha256}",
            epoch=self.epoch,
            custom_id=f"{self.doc.sha256[:16]}:{step.name}:{part}",
        )

    async def send(self, call: Call) -> Result:
        result = await self.runner.run(call)
        self.usage = self.usage.add(Usage(
            calls=result.calls, cached_calls=1 if result.cached else 0, prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens, seconds=result.seconds,
        ))
        return result

    def chunks(self, step: StepSpec, ids: list[int], line) -> list[Chunk]:
        """Chunks of ``ids`` so that each call (instructions + source + reply) fits the context."""
        overhead = count_tokens(self.prompt.render("system")) + count_tokens(self.prompt.sections[step.name]) + 200
        room = int(self.context_tokens / TOKENIZER_MARGIN) - step.max_tokens - overhead
        budget = min(room, step.chunk_tokens) if step.chunk_tokens else room
        if budget < 200:
            raise InputError(f"model context of {self.context_tokens} tokens is too small for step {step.name} "
                             f"(max_tokens {step.max_tokens})", path=self.doc.path,
                             hint="raise context_tokens, or use a prompt with a smaller max_tokens")
        costs = [count_tokens(line(i)) + 1 for i in ids]
        starts = [self.doc.sentence(i).heading or self.doc.sentence(i).opener for i in ids]
        return plan_chunks(ids, costs, starts, budget)

    async def map_chunks(self, step: StepSpec, ids: list[int], line, make_call) -> list[tuple[Chunk, Result]]:
        """Run ``make_call(chunk)`` for every chunk; halve and redo chunks whose reply was truncated."""

        async def one(chunk: Chunk) -> list[tuple[Chunk, Result]]:
            try:
                return [(chunk, await self.send(make_call(chunk)))]
            except Truncated:
                halves = split_in_half(chunk, lambda i: count_tokens(line(i)))
                if len(halves) == 1:
                    raise
                parts = await asyncio.gather(*(one(h) for h in halves))
                return [pair for part in parts for pair in part]

        results = await asyncio.gather(*(one(c) for c in self.chunks(step, ids, line)))
        return [pair for part in results for pair in part]


# ------------------------------------------------------------------ steps
async def _translate(run: Run, step: StepSpec) -> None:
    ids = [s.id for s in run.doc.sentences]

    def make(chunk: Chunk) -> Call:
        block = "\n".join(run.source_line(i) for i in chunk.ids)
        user = run.prompt.render(step.name, sentences=block, count=len(chunk.ids), first=chunk.ids[0],
                                 last=chunk.ids[-1], renderings=run.renderings_for(block), facts=run.facts_context())
        return run.call(step, user, translation_for(len(chunk.ids)), f"{chunk.ids[0]}-{chunk.ids[-1]}")

    for chunk, result in await run.map_chunks(step, ids, run.source_line, make):
        wanted = set(chunk.ids)
        by_position = dict(zip(chunk.ids, result.value.sentences))
        for item in result.value.sentences:
            if item.id in wanted:
                run.english[item.id] = item.en
        for sid, item in by_position.items():  # ids the model skipped or garbled: align by position
            run.english.setdefault(sid, item.en)


async def _read(run: Run, step: StepSpec, output_name: str, *, english: bool) -> list[tuple[Chunk, object]]:
    """A step that reads the whole numbered source (English or Chinese) and returns ``output``."""
    ids = [s.id for s in run.doc.sentences]
    line = run.english_line if english else run.source_line
    output = OUTPUTS[output_name]

    def make(chunk: Chunk) -> Call:
        block = "\n".join(line(i) for i in chunk.ids)
        zh_block = "" if english else block
        user = run.prompt.render(step.name, sentences=block, count=len(chunk.ids), first=chunk.ids[0],
                                 last=chunk.ids[-1], renderings=run.renderings_for(zh_block or _zh(run, chunk)),
                                 facts=run.facts_context())
        return run.call(step, user, output, f"{chunk.ids[0]}-{chunk.ids[-1]}")

    return [(chunk, result.value) for chunk, result in await run.map_chunks(step, ids, line, make)]


def _zh(run: Run, chunk: Chunk) -> str:
    return "".join(run.doc.sentence(i).simplified for i in chunk.ids)


async def _reduce(run: Run, headline: str, points: list[Point]) -> Summary:
    """Merge summary points from several chunks into one summary (the prompt's reduce step)."""
    step = run.prompt.meta.reduce
    if step is None or len(points) <= MAX_POINTS:
        return Summary(headline=headline, points=points[:MAX_POINTS] if step is None else points)
    listing = "\n".join(f"[P{n}] {p.text} (sentences: {', '.join(map(str, p.sentences))})"
                        for n, p in enumerate(points, 1))
    user = run.prompt.render(step.name, points=listing, count=len(points), facts=run.facts_context())
    result = await run.send(run.call(step, user, Summary, "all"))
    return result.value


# ------------------------------------------------------------------ assembly
def _evidence(run: Run, ids: list[int], where: str) -> list[str]:
    out = []
    for sid in dict.fromkeys(ids):
        sentence = run.doc.sentence(sid)
        if sentence is None:
            run.checks.append(Check(kind="bad_citation", severity="warning", target=where,
                                    message=f"the model cited sentence {sid}, which does not exist; citation dropped"))
        else:
            out.append(sentence.text)
    return out


def _same_action(a: ActionItem, b: ActionItem) -> bool:
    if a.sentence != b.sentence or a.owner.strip().lower() != b.owner.strip().lower():
        return False
    return difflib.SequenceMatcher(None, a.task.lower(), b.task.lower()).ratio() > 0.8


def merge_actions(items: list[ActionItem]) -> list[ActionItem]:
    kept: list[ActionItem] = []
    for item in items:
        if not any(_same_action(item, k) for k in kept):
            kept.append(item)
    return kept


def _owner_zh(run: Run, owner_en: str, evidence: str) -> str | None:
    """The Chinese owner, when a known person/org rendering matches the English owner."""
    owner = owner_en.lower()
    simplified = run.doc.simplified_of(evidence)
    for r in run.facts.renderings():
        if r.kind in ("org", "person", "title") and r.en.lower() in owner and r.zh in simplified:
            at = simplified.index(r.zh)
            # quote the original script (Traditional stays Traditional); t2s keeps positions
            return evidence[at:at + len(r.zh)] if len(simplified) == len(evidence) else r.zh
    return None


def _deadline(run: Run, item: ActionItem, evidence: str, where: str) -> Deadline | None:
    stated = find_deadline(run.doc.simplified_of(evidence), run.facts.year)
    text = item.deadline.strip()
    if not text and stated is None:
        return None
    if not text:  # the source states one the model left out: render it from the source
        if stated.date or stated.month_day:
            text = f"by {stated.date or stated.month_day}"
        else:
            text = stated.recurrence
    return Deadline(text_en=text, date=stated.date if stated else None,
                    recurrence=stated.recurrence if stated else None)


_SPACE = re.compile(r"\s+")


def _clean_en(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def assemble(run: Run, *, headline: str, points: list[Point], actions: list[ActionItem], model: ModelRef) -> Brief:
    doc, facts = run.doc, run.facts
    summary = []
    for n, point in enumerate(points):
        where = f"summary[{len(summary)}]"
        summary.append(SummaryItem(text=_clean_en(point.text), evidence=_evidence(run, point.sentences, where)))
    out_actions = []
    for item in merge_actions(actions):
        where = f"actions[{len(out_actions)}]"
        evidence = _evidence(run, [item.sentence], where)
        if not evidence:
            run.checks.append(Check(kind="action_dropped", severity="warning", target=where,
                                    message=f"action '{item.task[:60]}' dropped: it cites no existing sentence"))
            continue
        owner = _clean_en(item.owner) or None
        out_actions.append(Action(
            owner_en=owner, owner_zh=_owner_zh(run, owner, evidence[0]) if owner else None,
            task_en=_clean_en(item.task), deadline=_deadline(run, item, evidence[0], where),
            evidence_zh=evidence[0],
        ))
    title_en = None
    if doc.title:
        title_sentence = next((s for s in doc.sentences if s.text == doc.title), None)
        title_en = run.english.get(title_sentence.id) if title_sentence else None
    chair = facts.chair
    meeting = Meeting(
        title_en=_clean_en(title_en or headline) or None,
        body_en=facts.body_en,
        kind=facts.kind,
        number=facts.number,
        date=facts.date,
        chair=Person(name_zh=chair.name_zh, name_en=chair.name_en, title_en=chair.title_en) if chair else None,
        attendees_en=[f"{p.name_en}, {p.title_en}" if p.title_en else p.name_en
                      for p in facts.people if p.role == "attendee"],
    )
    checks = [Check(kind=w.split(":", 1)[0], severity="info", message=w) for w in doc.warnings] + run.checks
    return Brief(
        tool_version=__version__,
        source=Source(path=str(doc.path), sha256=doc.sha256, chars=len(doc.text), language=doc.language,
                      script=doc.script, encoding=doc.encoding, title=doc.title),
        prompt=PromptRef(name=run.prompt.name, version=run.prompt.version, sha256=run.prompt.sha256),
        model=model,
        meeting=meeting,
        summary=summary,
        actions=out_actions,
        usage=run.usage,
        checks=checks,
    )


# ------------------------------------------------------------------ pipelines
async def _translate_first(run: Run) -> tuple[str, list[Point], list[ActionItem]]:
    prompt = run.prompt
    if run.doc.is_chinese:
        await _translate(run, prompt.step("translate"))
    else:  # English input is summarized without translation
        run.english = {s.id: s.text for s in run.doc.sentences}
    summarized, extracted = await asyncio.gather(
        _read(run, prompt.step("summarize"), "summary", english=True),
        _read(run, prompt.step("actions"), "actions", english=True),
    )
    headline = summarized[0][1].headline
    points = [p for _, out in summarized for p in out.points]
    if len(summarized) > 1:
        merged = await _reduce(run, headline, points)
        headline, points = merged.headline, merged.points
    actions = [a for _, out in extracted for a in out.actions]
    return headline, points, actions


async def _direct(run: Run) -> tuple[str, list[Point], list[ActionItem]]:
    parts = await _read(run, run.prompt.step("briefing"), "briefing", english=not run.doc.is_chinese)
    headline = parts[0][1].headline
    points = [p for _, out in parts for p in out.points]
    if len(parts) > 1:
        merged = await _reduce(run, headline, points)
        headline, points = merged.headline, merged.points
    return headline, points, [a for _, out in parts for a in out.actions]


PIPELINES = {"translate_first": _translate_first, "direct": _direct}


async def generate(doc: Document, facts: Facts, prompt: Prompt, runner: Runner, *, model: ModelRef,
                   context_tokens: int, grounding: bool = True, epoch: int = 0) -> Brief:
    run = Run(doc=doc, facts=facts, prompt=prompt, runner=runner, context_tokens=context_tokens,
              grounding=grounding, epoch=epoch)
    headline, points, actions = await PIPELINES[prompt.meta.pipeline](run)
    return assemble(run, headline=headline, points=points, actions=actions, model=model)
