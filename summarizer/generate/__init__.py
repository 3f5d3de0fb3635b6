"""Generate: Document + Facts + Prompt -> Brief, following the prompt's declared steps.

The tool reads the report's structure first (``ingest.structure``): its topics, and the
sentences that assign tasks together with the actor each names. The model then does
small bounded jobs whose shape is fixed by the schema (exact item counts):

- ``translate_first`` pipeline: ``translate`` (Chinese sentences -> English, one item per
  sentence), ``summarize`` (one point per topic, from the English), ``actions`` (one
  task per assignment sentence, from the English).
- ``direct`` pipeline: one ``briefing`` step reads the numbered Chinese and writes the
  points and tasks together.

Each step is one call when its input fits (the model's context, and the step's own
``chunk_tokens`` if the prompt sets one); otherwise the input is cut at topic and
sentence boundaries (map), and summary points are merged by the prompt's ``reduce`` step
when there are too many. A chunk whose reply hits ``max_tokens`` twice is halved and redone.

Messages are laid out for prompt caching: the static system message, then the report,
then the step's question, so the prefix repeats across steps and across reports.
Evidence is always filled in by the tool from sentence ids: it is verbatim by construction.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence

from .. import __version__
from ..chunk import Chunk, count_tokens, plan_chunks, split_in_half
from ..errors import InputError
from ..ingest import Document
from ..ingest.facts import Facts
from ..ingest.structure import MAX_ASSIGNMENTS, MAX_TOPICS, Assignment, Topic, assignments, topics
from ..llm.client import Call, Result, Truncated
from ..prompts import Prompt, StepSpec
from ..schema import (Action, Brief, Check, Deadline, Meeting, ModelRef, Person, PromptRef, Source,
                      SummaryItem, Usage)
from .deadlines import find_deadline
from .outputs import OUTPUTS, Point, Summary, Task

# o200k counts differ from the serving model's tokenizer; leave room for that
TOKENIZER_MARGIN = 1.25
MAX_POINTS = 10


class Runner(Protocol):
    async def run(self, call: Call) -> Result: ...


@dataclass
class Run:
    """One report on its way through the pipeline."""

    doc: Document
    facts: Facts
    prompt: Prompt
    runner: Runner
    context_tokens: int
    grounding: bool = True
    epoch: int = 0
    topics: list[Topic] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    english: dict[int, str] = field(default_factory=dict)  # sentence id -> English (translate_first)
    usage: Usage = field(default_factory=Usage)
    checks: list[Check] = field(default_factory=list)

    # ---- how the source is shown to the model
    def source_line(self, sid: int) -> str:
        text = self.doc.sentence(sid).simplified
        if self.grounding and self.doc.is_chinese:
            text = self.facts.annotate(text)
        return f"[{sid}] {text}"

    def english_line(self, sid: int) -> str:
        return f"[{sid}] {self.english.get(sid) or self.doc.sentence(sid).text}"

    def owner_hint(self, a: Assignment) -> str:
        if not a.actor_zh:
            return ""
        actor = self.doc.simplified_of(a.actor_zh) if a.actor_zh not in self.doc.text else a.actor_zh
        from ..ingest.script import to_simplified

        actor = to_simplified(actor)
        return f"(owner named in the source: {self.facts.annotate(actor) if self.grounding else actor}) "

    def renderings(self, ids: Sequence[int]) -> list[dict[str, str]]:
        if not self.grounding:
            return []
        text = "".join(self.doc.sentence(i).simplified for i in ids)
        return [{"zh": r.zh, "en": r.en, "kind": r.kind} for r in self.facts.renderings() if r.zh in text]

    def facts_context(self) -> dict:
        if not self.grounding:
            return {}
        f, chair = self.facts, self.facts.chair
        return {"date": f.date, "number": f.number, "body_en": f.body_en, "kind": f.kind,
                "chair": (f"{chair.name_en}, {chair.title_en}" if chair.title_en else chair.name_en) if chair else None}

    # ---- calls
    def call(self, step: StepSpec, user: str, output: type, part: str) -> Call:
        return Call(
            step=step.name,
            messages=[{"role": "system", "content": self.prompt.render("system")}, {"role": "user", "content": user}],
            output=output, temperature=step.temperature, max_tokens=step.max_tokens,
            prompt_ref=f"{self.prompt.ref}:{self.prompt.sha256}", epoch=self.epoch,
            custom_id=f"{self.doc.sha256[:16]}-{step.name}-{part}",
        )

    async def send(self, call: Call) -> Result:
        result = await self.runner.run(call)
        self.usage = self.usage.add(Usage(
            calls=result.calls, cached_calls=1 if result.cached else 0, prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens, seconds=result.seconds))
        return result

    def budget(self, step: StepSpec) -> int:
        """Tokens of source text one call of ``step`` may carry."""
        overhead = count_tokens(self.prompt.render("system")) + count_tokens(self.prompt.sections[step.name]) + 200
        room = int(self.context_tokens / TOKENIZER_MARGIN) - step.max_tokens - overhead
        budget = min(room, step.chunk_tokens) if step.chunk_tokens else room
        if budget < 100:
            raise InputError(f"the model's context ({self.context_tokens} tokens) is too small for step "
                             f"{step.name} (max_tokens {step.max_tokens})", path=self.doc.path,
                             hint="raise context_tokens, or use a prompt with a smaller max_tokens")
        return budget

    async def map(self, step: StepSpec, chunks: list[Chunk], make: Callable[[Chunk], Call],
                  cost: Callable[[int], int]) -> list[tuple[Chunk, Result]]:
        """One call per chunk; a chunk whose reply is truncated even with a doubled budget is halved."""

        async def one(chunk: Chunk) -> list[tuple[Chunk, Result]]:
            try:
                return [(chunk, await self.send(make(chunk)))]
            except Truncated:
                halves = split_in_half(chunk, cost)
                if len(halves) == 1:
                    raise
                return [pair for half in halves for pair in await one(half)]

        results = await asyncio.gather(*(one(c) for c in chunks))
        return [pair for part in results for pair in part]


def _ids_chunks(run: Run, step: StepSpec, ids: list[int], line: Callable[[int], str],
                starts: Callable[[int], bool]) -> tuple[list[Chunk], Callable[[int], int]]:
    def cost(i: int) -> int:
        return count_tokens(line(i)) + 1

    costs = [cost(i) for i in ids]
    return plan_chunks(ids, costs, [starts(i) for i in ids], run.budget(step)), cost


def _topic_block(run: Run, topic_list: list[Topic], ids: set[int], line: Callable[[int], str]) -> str:
    parts = []
    for n, topic in enumerate(topic_list, 1):
        members = [i for i in topic.ids if i in ids]
        parts.append(f"Topic {n} (sentences {members[0]}-{members[-1]}):")
        parts += [line(i) for i in members]
    return "\n".join(parts)


def _topics_in(run: Run, chunk: Chunk) -> list[Topic]:
    """The topics (or parts of topics) a chunk of sentence ids covers, in order."""
    ids = set(chunk.ids)
    return [Topic([i for i in t.ids if i in ids]) for t in run.topics if ids.intersection(t.ids)]


# ------------------------------------------------------------------ steps
async def _translate(run: Run, step: StepSpec) -> None:
    ids = [s.id for s in run.doc.sentences]
    chunks, cost = _ids_chunks(run, step, ids, run.source_line, lambda i: run.doc.sentence(i).heading)

    def make(chunk: Chunk) -> Call:
        block = "\n".join(run.source_line(i) for i in chunk.ids)
        user = run.prompt.render(step.name, sentences=block, count=len(chunk.ids), first=chunk.ids[0],
                                 last=chunk.ids[-1], renderings=run.renderings(chunk.ids), facts=run.facts_context())
        return run.call(step, user, OUTPUTS[step.output](len(chunk.ids)), f"{chunk.ids[0]}-{chunk.ids[-1]}")

    for chunk, result in await run.map(step, chunks, make, cost):
        items = result.value.sentences
        by_id = {item.id: item.en for item in items if item.id in chunk.ids}
        # the count is enforced; when the model garbles ids, fall back to position
        for position, sid in enumerate(chunk.ids):
            run.english[sid] = by_id.get(sid) or items[position].en


def _topic_chunks(run: Run, step: StepSpec, line: Callable[[int], str]) -> tuple[list[Chunk], Callable]:
    ids = [i for t in run.topics for i in t.ids]
    firsts = {t.first for t in run.topics}
    return _ids_chunks(run, step, ids, line, lambda i: i in firsts)


async def _summarize(run: Run, step: StepSpec, line: Callable[[int], str]) -> tuple[str, list[tuple[Topic, Point]]]:
    chunks, cost = _topic_chunks(run, step, line)

    def make(chunk: Chunk) -> Call:
        covered = _topics_in(run, chunk)
        user = run.prompt.render(step.name, sentences=_topic_block(run, covered, set(chunk.ids), line),
                                 topics=len(covered), renderings=run.renderings(chunk.ids), facts=run.facts_context())
        return run.call(step, user, OUTPUTS[step.output](len(covered)), f"{chunk.ids[0]}-{chunk.ids[-1]}")

    headline, points = "", []
    for chunk, result in await run.map(step, chunks, make, cost):
        headline = headline or result.value.headline
        points += list(zip(_topics_in(run, chunk), result.value.points))
    return headline, points


def _assignment_block(run: Run, items: list[Assignment], line: Callable[[int], str]) -> str:
    out = []
    for a in items:
        text = line(a.sentence)
        tag = f"[{a.sentence}] "
        out.append(tag + run.owner_hint(a) + text[len(tag):])
    return "\n".join(out)


async def _tasks(run: Run, step: StepSpec, line: Callable[[int], str]) -> list[tuple[Assignment, Task]]:
    if not run.assignments:
        return []
    by_id = {a.sentence: a for a in run.assignments}
    ids = list(by_id)
    chunks, cost = _ids_chunks(run, step, ids, lambda i: run.owner_hint(by_id[i]) + line(i), lambda i: False)

    def make(chunk: Chunk) -> Call:
        items = [by_id[i] for i in chunk.ids]
        user = run.prompt.render(step.name, sentences=_assignment_block(run, items, line), count=len(items),
                                 renderings=run.renderings(chunk.ids), facts=run.facts_context())
        return run.call(step, user, OUTPUTS[step.output](len(items)), f"{chunk.ids[0]}-{chunk.ids[-1]}")

    out = []
    for chunk, result in await run.map(step, chunks, make, cost):
        out += list(zip((by_id[i] for i in chunk.ids), result.value.tasks))
    return out


async def _briefing(run: Run, step: StepSpec) -> tuple[str, list[tuple[Topic, Point]], list[tuple[Assignment, Task]]]:
    """The direct pipeline: points and tasks from the Chinese in one call per chunk."""
    line = run.source_line if run.doc.is_chinese else run.english_line
    chunks, cost = _topic_chunks(run, step, line)
    by_id = {a.sentence: a for a in run.assignments}

    def make(chunk: Chunk) -> Call:
        covered = _topics_in(run, chunk)
        items = [by_id[i] for i in chunk.ids if i in by_id]
        user = run.prompt.render(step.name, sentences=_topic_block(run, covered, set(chunk.ids), line),
                                 topics=len(covered), assignments=_assignment_block(run, items, line),
                                 count=len(items), renderings=run.renderings(chunk.ids), facts=run.facts_context())
        return run.call(step, user, OUTPUTS[step.output](len(covered), len(items)), f"{chunk.ids[0]}-{chunk.ids[-1]}")

    headline, points, tasks = "", [], []
    for chunk, result in await run.map(step, chunks, make, cost):
        headline = headline or result.value.headline
        points += list(zip(_topics_in(run, chunk), result.value.points))
        tasks += list(zip((by_id[i] for i in chunk.ids if i in by_id), result.value.tasks))
    return headline, points, tasks


async def _reduce(run: Run, headline: str, points: list[tuple[Topic, Point]]) -> tuple[str, list[tuple[Topic, Point]]]:
    """Merge the points of a long report (more than MAX_POINTS) with the prompt's reduce step."""
    step = run.prompt.meta.reduce
    if len(points) <= MAX_POINTS or step is None:
        return headline, points
    listing = "\n".join(f"[P{n}] {p.text} (sentences: {', '.join(map(str, _point_ids(t, p)))})"
                        for n, (t, p) in enumerate(points, 1))
    user = run.prompt.render(step.name, points=listing, count=len(points), limit=MAX_POINTS,
                             facts=run.facts_context())
    merged: Summary = (await run.send(run.call(step, user, Summary, "all"))).value
    everything = Topic(sorted({i for t, _ in points for i in t.ids}))
    return merged.headline, [(everything, p) for p in merged.points[:MAX_POINTS]]


# ------------------------------------------------------------------ assembly
def _point_ids(topic: Topic, point: Point) -> list[int]:
    """Cited ids inside the topic; the topic's opening sentence if the model cited none there."""
    inside = [i for i in dict.fromkeys(point.sentences) if i in topic.ids]
    return inside or [topic.first]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _deadline(run: Run, task: Task, sentence_zh: str) -> Deadline | None:
    stated = find_deadline(sentence_zh, run.facts.year)
    text = _clean(task.deadline)
    if not text and stated is None:
        return None
    if not text:  # stated in the source, left out by the model: render it from the source
        text = f"by {stated.date or stated.month_day}" if (stated.date or stated.month_day) else stated.recurrence
    return Deadline(text_en=text, date=stated.date if stated else None,
                    recurrence=stated.recurrence if stated else None)


def _owner(run: Run, a: Assignment, task: Task) -> str | None:
    owner = _clean(task.owner)
    if owner:
        return owner
    if a.person:  # the source names a person the model left out: use the tool's rendering
        person = next((p for p in run.facts.people if p.name_zh == a.person), None)
        if person:
            return f"{person.name_en}, {person.title_en}" if person.title_en else person.name_en
    return None


def assemble(run: Run, *, headline: str, points: list[tuple[Topic, Point]],
             tasks: list[tuple[Assignment, Task]], model: ModelRef) -> Brief:
    doc, facts = run.doc, run.facts
    summary = [SummaryItem(text=_clean(p.text), evidence=[doc.sentence(i).text for i in _point_ids(t, p)])
               for t, p in points]
    actions = []
    seen: set[tuple[int, str]] = set()
    for a, task in tasks:
        key = (a.sentence, task.task.lower())
        if key in seen:
            continue
        seen.add(key)
        sentence = doc.sentence(a.sentence)
        actions.append(Action(owner_en=_owner(run, a, task), owner_zh=a.actor_zh, task_en=_clean(task.task),
                              deadline=_deadline(run, task, sentence.simplified), evidence_zh=sentence.text))
    title_en = None
    if doc.title:
        title = next((s for s in doc.sentences if s.text == doc.title), None)
        title_en = run.english.get(title.id) if title else None
    chair = facts.chair
    meeting = Meeting(
        title_en=_clean(title_en or headline) or None,
        body_en=facts.body_en, kind=facts.kind, number=facts.number, date=facts.date,
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
        model=model, meeting=meeting, summary=summary, actions=actions, usage=run.usage, checks=checks,
    )


# ------------------------------------------------------------------ pipelines
async def _translate_first(run: Run):
    if run.doc.is_chinese:
        await _translate(run, run.prompt.step("translate"))
    else:  # English input is summarized without translation
        run.english = {s.id: s.text for s in run.doc.sentences}
    (headline, points), tasks = await asyncio.gather(
        _summarize(run, run.prompt.step("summarize"), run.english_line),
        _tasks(run, run.prompt.step("actions"), run.english_line),
    )
    return headline, points, tasks


async def _direct(run: Run):
    return await _briefing(run, run.prompt.step("briefing"))


PIPELINES = {"translate_first": _translate_first, "direct": _direct}


async def generate(doc: Document, facts: Facts, prompt: Prompt, runner: Runner, *, model: ModelRef,
                   context_tokens: int, grounding: bool = True, epoch: int = 0) -> Brief:
    size = sum(count_tokens(s.simplified) for s in doc.sentences)
    run = Run(doc=doc, facts=facts, prompt=prompt, runner=runner, context_tokens=context_tokens,
              grounding=grounding, epoch=epoch)
    # long reports get more topics and assignments (merged back by the reduce step)
    run.topics = topics(doc, facts, limit=max(MAX_TOPICS, size // 1500))
    run.assignments = assignments(doc, facts, limit=max(MAX_ASSIGNMENTS, size // 400))
    headline, points, tasks = await PIPELINES[prompt.meta.pipeline](run)
    headline, points = await _reduce(run, headline, points)
    return assemble(run, headline=headline, points=points, tasks=tasks, model=model)
