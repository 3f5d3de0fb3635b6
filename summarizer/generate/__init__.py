"""Generate: Document + Facts + Prompt -> Brief, running the prompt's declared steps in order.

The tool reads the report's structure first (``facts.structure``): its topics, and the
sentences that assign tasks with the actor each names. The model then does jobs whose
size and shape the tool fixes. What a step reads and writes is declared in the prompt;
its ``output`` fixes its scope (``generate.outputs.OUTPUTS``):

- ``sentences``: translate the report, ``chunk_tokens`` at a time, one item per sentence;
- ``report``: the whole report in one call (cut at topic boundaries only when it exceeds
  the model's context): a summary with one point per topic, one task per assignment;
- ``opening``: a headline from the title and the first topic;
- ``topic`` / ``assignment``: one small call per topic / per assignment sentence — the
  bounded jobs a 1.5B model does reliably.

Whole-report steps on a long report are mapped over chunks; when more than
``MAX_POINTS`` points result, the prompt's ``reduce`` step merges them. A chunk whose reply
is cut off at ``max_tokens`` even with a doubled budget is halved and redone.

Messages are laid out for prompt caching: the static system message, then the report
part, then the step's question. Report text is data between ``<report>`` tags; a report
line cannot close the block (``guard.neutralise``). Evidence is always filled in by the
tool from sentence ids, so it is verbatim by construction (never neutralised); owners are
quoted from the source by the tool.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .. import __version__
from ..chunk import Chunk, count_tokens, plan_chunks, split_in_half
from ..errors import InputError, ModelError
from ..facts.model import Facts
from ..facts.structure import MAX_ASSIGNMENTS, MAX_TOPICS, Assignment, Topic, assignments, topics
from ..files import path_text
from ..guard import neutralise
from ..ingest import Document
from ..ingest.script import to_simplified
from ..llm.client import Call, Result, Truncated
from ..prompts import Prompt, StepSpec
from ..runners import Runner
from ..schema import Action, Brief, Check, Deadline, Meeting, ModelRef, Person, PromptRef, Source, SummaryItem, Usage
from ..zh.deadlines import find_deadline
from .outputs import OUTPUTS, Point, ShortPoint, Summary

# o200k counts differ from the serving model's tokenizer; leave room for that
TOKENIZER_MARGIN = 1.25
MAX_POINTS = 10


async def gather_all(coros) -> list:
    """Like asyncio.gather, but the first failure cancels the rest (no calls on a closed client)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@dataclass
class Run:
    """One report on its way through the steps, and what they have produced so far."""

    doc: Document
    facts: Facts
    prompt: Prompt
    runner: Runner
    context_tokens: int
    grounding: bool = True
    epoch: int = 0
    topics: list[Topic] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    english: dict[int, str] = field(default_factory=dict)  # sentence id -> English, from a translation step
    headline: str = ""
    points: list[tuple[Topic, Point]] = field(default_factory=list)
    tasks: list[tuple[Assignment, object]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    checks: list[Check] = field(default_factory=list)
    _places: tuple[list[Topic], dict[int, tuple[int, int]]] | None = field(default=None, repr=False)

    def title_ids(self) -> list[int]:
        """The sentence(s) that are the report's title line."""
        return [s.id for s in self.doc.sentences if s.text == self.doc.title]

    def topic_places(self) -> dict[int, tuple[int, int]]:
        """sentence id -> (topic position, position in the topic), built once per list of topics."""
        if self._places is None or self._places[0] is not self.topics:
            self._places = (self.topics, {i: (n, k) for n, t in enumerate(self.topics) for k, i in enumerate(t.ids)})
        return self._places[1]

    # ---- how the source is shown to the model (as data: a line can never close the <report> block)
    def source_line(self, sid: int, seen: set[str] | None = None) -> str:
        text = self.doc.sentence(sid).simplified
        if self.grounding and self.doc.is_chinese:
            text = self.facts.annotate(text, seen)
        return f"[{sid}] {neutralise(text)}"

    def english_line(self, sid: int) -> str:
        return f"[{sid}] {neutralise(self.english.get(sid) or self.doc.sentence(sid).text)}"

    def line_for(self, step: StepSpec) -> Callable[[int], str]:
        """One sentence as the model sees it, every rendering annotated (for costing chunks)."""
        if step.reads == "english" or not self.doc.is_chinese:
            return self.english_line
        return self.source_line

    def lines(self, step: StepSpec, ids: Sequence[int]) -> dict[int, str]:
        """The sentences of one prompt; a rendering is annotated at its first occurrence only."""
        if step.reads == "english" or not self.doc.is_chinese:
            return {i: self.english_line(i) for i in ids}
        seen: set[str] = set()
        return {i: self.source_line(i, seen) for i in ids}

    def owner_english(self, a: Assignment) -> str | None:
        """The tool's own English for an assignment's actor, when the facts cover all of it."""
        if not a.actor_zh:
            return None
        actor = to_simplified(a.actor_zh)
        for person in self.facts.people:
            if person.name_zh == a.person and person.name_zh in actor:
                rest = actor.replace(person.name_zh, "")
                if not rest or (person.title_zh and to_simplified(rest) in to_simplified(person.title_zh)):
                    return f"{person.name_en}, {person.title_en}" if person.title_en else person.name_en
        rendering = next((r.en for r in self.facts.renderings() if r.zh == actor), None)
        return rendering

    def owner_hint(self, a: Assignment) -> str:
        """'Owner named in the source: 全县各级各部门 = all levels and departments of the county'."""
        if not a.actor_zh:
            return ""
        actor = neutralise(to_simplified(a.actor_zh))
        english = self.owner_english(a) if self.grounding else None
        return f"Owner named in the source: {actor}" + (f" = {english}" if english else "")

    def renderings(self, ids: Sequence[int]) -> list[dict[str, str]]:
        if not self.grounding:
            return []
        text = "".join(self.doc.sentence(i).simplified for i in ids)
        return [{"zh": r.zh, "en": r.en, "kind": r.kind} for r in self.facts.renderings() if r.zh in text]

    def facts_context(self) -> dict:
        if not self.grounding:
            return dict.fromkeys(("date", "number", "body_en", "kind", "chair"))
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

    def render(self, step: StepSpec, **context) -> str:
        context.setdefault("facts", self.facts_context())
        return self.prompt.render(step.name, **context)

    async def send(self, call: Call) -> Result:
        try:
            result = await self.runner.run(call)
        except ModelError as exc:
            if exc.usage is not None:  # a failed call still cost tokens
                self.usage = self.usage.add(exc.usage)
            raise
        self.usage = self.usage.add(Usage(
            calls=result.calls, cached_calls=1 if result.cached else 0, prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens, seconds=result.seconds))
        return result

    async def send_item(self, call: Call, what: str):
        """One small item: if the model cannot produce it even after a re-ask, leave it out and say so.

        A single unusable reply should not sink a report whose other parts are fine;
        transport failures (after retries) still fail the report.
        """
        try:
            return (await self.send(call)).value
        except ModelError as exc:
            if exc.kind not in ("schema_violation", "truncated", "refusal"):
                raise
            self.checks.append(Check(kind="item_missing", severity="warning",
                                     message=f"{what} left out: {exc}"[:300]))
            return None

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

    def chunks(self, step: StepSpec, ids: list[int], line: Callable[[int], str],
               starts: Callable[[int], bool]) -> tuple[list[Chunk], Callable[[int], int]]:
        def cost(i: int) -> int:
            return count_tokens(line(i)) + 1

        return plan_chunks(ids, [cost(i) for i in ids], [starts(i) for i in ids], self.budget(step)), cost

    async def map(self, chunks: list[Chunk], make: Callable[[Chunk], Call],
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

        results = await gather_all(one(c) for c in chunks)
        return [pair for part in results for pair in part]


def _topics_in(run: Run, ids: Sequence[int]) -> list[Topic]:
    """The topics (or parts of topics) some sentence ids cover, in order (linear in ``ids``)."""
    place = run.topic_places()
    parts: dict[int, list[int]] = {}
    for i in sorted((i for i in ids if i in place), key=place.__getitem__):
        parts.setdefault(place[i][0], []).append(i)
    return [Topic(part) for part in parts.values()]


def _topic_block(topic_list: list[Topic], shown: dict[int, str]) -> str:
    parts = []
    for n, topic in enumerate(topic_list, 1):
        parts.append(f"Topic {n} (sentences {topic.first}-{topic.last}):")
        parts += [shown[i] for i in topic.ids]
    return "\n".join(parts)


def _assignment_block(run: Run, items: list[Assignment], shown: dict[int, str] | None) -> str:
    """The assignment sentences with their owners; ids only (``shown`` None) when the report
    text is already in the prompt, so no sentence is sent twice."""
    out = []
    for a in items:
        if shown is not None:
            out.append(shown[a.sentence])
            if a.actor_zh:
                out.append(f"    ({run.owner_hint(a)})")
        else:
            out.append(f"[{a.sentence}]" + (f" ({run.owner_hint(a)})" if a.actor_zh else ""))
    return "\n".join(out)


# ------------------------------------------------------------------ one function per scope
CONTEXT_BEFORE, CONTEXT_AFTER = 2, 1  # neighbouring sentences shown with a translation window
_LEADING_ID = re.compile(r"^\s*\[\d+\]\s*")  # "[6] The meeting ...": the line's id, copied


def _window_starts(doc: Document) -> Callable[[int], bool]:
    """Where a translation window may begin: a new paragraph or a section heading."""
    def starts(sid: int) -> bool:
        sentence = doc.sentence(sid)
        before = doc.sentence(sid - 1)
        return sentence.heading or before is None or before.paragraph != sentence.paragraph
    return starts


def windows(run: Run, step: StepSpec) -> tuple[list[Chunk], Callable[[int], int]]:
    """The translation windows of a report (and the token cost of a sentence), as ``_sentences`` sends them."""
    ids = [s.id for s in run.doc.sentences]
    return run.chunks(step, ids, run.source_line, _window_starts(run.doc))


async def _sentences(run: Run, step: StepSpec, factory) -> None:
    """Translate the report in windows of whole paragraphs (``chunk_tokens`` each; a paragraph over
    the budget is cut between sentences), one English string per sentence id (the schema fixes the
    ids). Windows go in order, each shown with its neighbours as context: the English of the last
    sentences translated before it (``before_en``), and the Chinese just before and after it
    (``before``, ``after``); the prompt says which it shows. A window whose reply stays unusable is
    halved and redone; a single sentence that still fails is left without English, with a check."""
    chunks, cost = windows(run, step)
    last = len(run.doc.sentences)

    def chinese(first: int, stop: int) -> str:
        return "\n".join(neutralise(run.doc.sentence(i).simplified) for i in range(max(1, first), min(last, stop) + 1))

    def make(chunk: Chunk) -> Call:
        first, end = chunk.ids[0], chunk.ids[-1]
        english = " ".join(run.english[i] for i in range(max(1, first - CONTEXT_BEFORE), first) if i in run.english)
        user = run.render(step, sentences="\n".join(run.lines(step, chunk.ids).values()), count=len(chunk.ids),
                          first=first, last=end, renderings=run.renderings(chunk.ids),
                          before=chinese(first - CONTEXT_BEFORE, first - 1), after=chinese(end + 1, end + CONTEXT_AFTER),
                          before_en=neutralise(english))
        return run.call(step, user, factory(chunk.ids), f"{first}-{end}")

    async def one(chunk: Chunk) -> None:
        try:
            english = (await run.send(make(chunk))).value.english()
        except ModelError as exc:
            if exc.kind not in ("schema_violation", "truncated", "refusal"):
                raise
            halves = split_in_half(chunk, cost)
            if len(halves) > 1:
                for half in halves:
                    await one(half)
                return
            run.checks.append(Check(kind="item_missing", severity="warning", target=f"sentences[{chunk.ids[0] - 1}].en",
                                    message=f"no usable translation of sentence {chunk.ids[0]}: {exc}"[:300]))
            return
        for sid in chunk.ids:  # the schema has exactly the window's ids
            run.english[sid] = _LEADING_ID.sub("", english[sid])

    for chunk in chunks:  # in order: a window's context is the English of the one before
        await one(chunk)


async def _report(run: Run, step: StepSpec, factory) -> None:
    """Whole-report steps (summary / tasks / briefing): one call per chunk of topics."""
    line = run.line_for(step)
    by_sentence: dict[int, list[Assignment]] = {}
    for a in run.assignments:
        by_sentence.setdefault(a.sentence, []).append(a)

    def hints(i: int) -> str:
        return "".join(run.owner_hint(a) for a in by_sentence.get(i, []))

    if step.output == "tasks":
        if not by_sentence:
            return
        chunks, cost = run.chunks(step, list(by_sentence), lambda i: line(i) + hints(i), lambda i: False)
    else:
        firsts = {t.first for t in run.topics}
        chunks, cost = run.chunks(step, [i for t in run.topics for i in t.ids], lambda i: line(i) + hints(i),
                                  lambda i: i in firsts)

    def items_in(chunk: Chunk) -> list[Assignment]:
        return [a for i in chunk.ids for a in by_sentence.get(i, [])]

    def make(chunk: Chunk) -> Call:
        covered, items = _topics_in(run, chunk.ids), items_in(chunk)
        if step.output == "summary":
            output = factory(len(covered))
        elif step.output == "tasks":
            output = factory(len(items))
        else:
            output = factory(len(covered), len(items))
        if step.output == "tasks":  # the assignment sentences are the whole input
            shown = run.lines(step, [a.sentence for a in items])
            user = run.render(step, sentences=_assignment_block(run, items, shown), topics=0,
                              assignments=_assignment_block(run, items, None), count=len(items),
                              renderings=run.renderings(chunk.ids))
        else:  # the report by topic, then the assignments by sentence id
            shown = run.lines(step, [i for t in covered for i in t.ids])
            user = run.render(step, sentences=_topic_block(covered, shown), topics=len(covered),
                              assignments=_assignment_block(run, items, None), count=len(items),
                              renderings=run.renderings(chunk.ids))
        return run.call(step, user, output, f"{chunk.ids[0]}-{chunk.ids[-1]}")

    for chunk, result in await run.map(chunks, make, cost):
        value = result.value
        run.headline = run.headline or getattr(value, "headline", "")
        if hasattr(value, "points"):
            run.points += list(zip(_topics_in(run, chunk.ids), value.points))
        if hasattr(value, "tasks"):
            run.tasks += list(zip(items_in(chunk), value.tasks))


async def _opening(run: Run, step: StepSpec, schema) -> None:
    """A headline from the title line and the first topic."""
    ids = run.title_ids()
    if run.topics:
        ids += run.topics[0].ids
    ids = ids[:12]
    user = run.render(step, sentences="\n".join(run.lines(step, ids).values()), renderings=run.renderings(ids))
    value = await run.send_item(run.call(step, user, schema, "opening"), "headline")
    run.headline = value.headline if value else ""


def _as_point(value) -> Point:
    """A topic step's reply as a point (a translated_point's translation is not kept; a short_point stays one)."""
    return value if isinstance(value, Point) else Point(text=value.text, sentences=value.sentences)


async def _per_topic(run: Run, step: StepSpec, schema) -> None:
    line = run.line_for(step)

    async def one(n: int, topic: Topic) -> tuple[Topic, Point] | None:
        budget = run.budget(step)
        shown = [i for i in topic.ids]
        while len(shown) > 1 and sum(count_tokens(line(i)) for i in shown) > budget:
            shown = shown[:-1]  # an over-long topic: its opening sentences carry its point
        user = run.render(step, sentences="\n".join(run.lines(step, shown).values()), topic=n, topics=len(run.topics),
                          first=shown[0], last=shown[-1], renderings=run.renderings(shown))
        value = await run.send_item(run.call(step, user, schema, f"topic{n}"), f"summary point for sentences "
                                    f"{topic.first}-{topic.last}")
        return (topic, _as_point(value)) if value else None

    run.points = [p for p in await gather_all(one(n, t) for n, t in enumerate(run.topics, 1)) if p]


async def _per_assignment(run: Run, step: StepSpec, schema) -> None:
    async def one(n: int, a: Assignment):
        user = run.render(step, sentence=run.lines(step, [a.sentence])[a.sentence], owner=run.owner_hint(a),
                          renderings=run.renderings([a.sentence]))
        value = await run.send_item(run.call(step, user, schema, f"a{n}-s{a.sentence}"),
                                    f"action for sentence {a.sentence}")
        return (a, value) if value else None

    run.tasks = [t for t in await gather_all(one(n, a) for n, a in enumerate(run.assignments)) if t]


def _topic_assignments(run: Run) -> list[list[Assignment]]:
    """The assignments of each topic, in sentence order; one outside every topic (an attendance
    line, a closing remark) goes with the topic before it, or the first."""
    place = run.topic_places()
    firsts = [t.first for t in run.topics]
    out: list[list[Assignment]] = [[] for _ in run.topics]
    for a in sorted(run.assignments, key=lambda a: a.sentence):
        if a.sentence in place:
            n = place[a.sentence][0]
        else:
            n = max(0, bisect.bisect_right(firsts, a.sentence) - 1)
        out[n].append(a)
    return out


async def _by_topic(run: Run) -> None:
    """Layout ``topic``: every call shows one whole topic (the first one with the title line), then
    its job: the headline (first topic), the topic's point, the task of one assignment sentence in
    it. The calls go out in that order, topic by topic, so consecutive calls share everything up to
    the job: a server that reuses the previous request's prefix (llama.cpp) reads each part of the
    report once, and each job stays as small as in the step layout."""
    steps = {OUTPUTS[s.output][0]: s for s in run.prompt.meta.steps}  # scope -> step
    title = run.title_ids()
    per_topic = _topic_assignments(run)
    widest = max(steps.values(), key=lambda s: s.max_tokens)  # one part is shown alike to every job
    line, budget = run.line_for(widest), run.budget(widest)

    def part(n: int, topic: Topic, items: list[Assignment]) -> list[int]:
        must = {a.sentence for a in items}
        shown, used = [], 0
        for i in topic.ids:  # an over-long topic keeps its opening sentences and every assignment
            cost = count_tokens(line(i))
            if i in must or used + cost <= budget or not shown:
                shown.append(i)
                used += cost
        return sorted(set(shown) | must | (set(title) if n == 1 else set()))

    async def job(step: StepSpec, schema, what: str, part_name: str, **context):
        call = run.call(step, run.render(step, **context), schema, part_name)
        return await run.send_item(call, what)

    jobs, kinds = [], []
    for n, topic in enumerate(run.topics, 1):
        items = per_topic[n - 1]
        shown = part(n, topic, items)
        common = {"sentences": "\n".join(run.lines(widest, shown).values()), "topic": n, "topics": len(run.topics),
                  "first": shown[0], "last": shown[-1], "renderings": run.renderings(shown)}
        if n == 1 and "opening" in steps:
            step = steps["opening"]
            jobs.append(job(step, OUTPUTS[step.output][1], "headline", "opening", **common))
            kinds.append(("opening", None))
        if "topic" in steps:
            step = steps["topic"]
            jobs.append(job(step, OUTPUTS[step.output][1], f"summary point for sentences {topic.first}-{topic.last}",
                            f"topic{n}", **common))
            kinds.append(("topic", topic))
        if "assignment" in steps:
            step = steps["assignment"]
            for a in items:
                jobs.append(job(step, OUTPUTS[step.output][1], f"action for sentence {a.sentence}",
                                f"t{n}-s{a.sentence}", sentence_id=a.sentence, owner=run.owner_hint(a), **common))
                kinds.append(("assignment", a))
    for (scope, about), value in zip(kinds, await gather_all(jobs)):  # created in order: sent in order
        if value is None:
            continue
        if scope == "opening":
            run.headline = value.headline
        elif scope == "topic":
            run.points.append((about, _as_point(value)))
        else:
            run.tasks.append((about, value))


SCOPES = {"sentences": _sentences, "report": _report, "opening": _opening, "topic": _per_topic,
          "assignment": _per_assignment}


async def _reduce(run: Run) -> None:
    """Merge the points of a long report (more than MAX_POINTS) with the prompt's reduce step."""
    step = run.prompt.meta.reduce
    if len(run.points) <= MAX_POINTS or step is None:
        return
    listing = "\n".join(f"[P{n}] {p.text} (sentences: {', '.join(map(str, _point_ids(t, p)))})"
                        for n, (t, p) in enumerate(run.points, 1))
    user = run.render(step, points=listing, count=len(run.points), limit=MAX_POINTS)
    merged: Summary = (await run.send(run.call(step, user, Summary, "all"))).value
    everything = Topic(sorted({i for t, _ in run.points for i in t.ids}))
    run.headline = run.headline or merged.headline
    run.points = [(everything, p) for p in merged.points[:MAX_POINTS]]


# ------------------------------------------------------------------ assembly
MAX_EVIDENCE = 3


def _point_ids(topic: Topic, point: Point) -> list[int]:
    """Up to three cited ids inside the topic; the topic's opening sentence if none cited there."""
    inside = [i for i in dict.fromkeys(point.sentences) if i in topic.ids]
    return inside[:MAX_EVIDENCE] or [topic.first]


def _bad_citation(topic: Topic, point: Point, where: str, shown_too: set[int] = frozenset()) -> Check | None:
    """A check when the model cited sentence ids outside the part of the report it was given (ids
    that do not exist, or belong to another topic): the evidence shown is only what could be verified.
    ``shown_too``: sentences shown with the topic that are not evidence (the title line in the topic
    layout): citing them is no fault, they are just not kept."""
    outside = [i for i in dict.fromkeys(point.sentences) if i not in topic.ids and i not in shown_too]
    if not outside:
        return None
    used = _point_ids(topic, point)
    shown = ", ".join(map(str, outside[:10])) + (" ..." if len(outside) > 10 else "")
    return Check(kind="bad_citation", severity="warning", target=where,
                 message=f"the model cited sentence(s) {shown}, outside the part of the report it was given "
                         f"(sentences {topic.first}-{topic.last}); the evidence shown is sentence(s) "
                         f"{', '.join(map(str, used))}",
                 detail={"cited_outside": outside[:50], "part": [topic.first, topic.last], "used": used})


# bounds on what a reply may put into a briefing (characters): longer text is cut at a word, with a check
LIMITS = {"title": 300, "point": 600, "owner": 200, "task": 500, "deadline": 120}


def _bounded(run: Run, text: str, field: str, where: str) -> str:
    limit = LIMITS[field]
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") or text[:limit]
    run.checks.append(Check(kind="reply_field_cut", severity="info", target=where,
                            message=f"the model's {field} was {len(text)} characters, over the {limit}-character "
                                    "limit; it was cut at a word boundary",
                            detail={"length": len(text), "limit": limit}))
    return cut + "…"


def clean_english(text: str) -> str:
    """Whitespace normalised; stray [rendering] brackets the model copied from the input removed."""
    text = re.sub(r"\s*\[[^\]]{1,80}\]", lambda m: "" if _copied_annotation(m.group(0)) else m.group(0), text)
    return re.sub(r"\s+", " ", text).strip()


# a sentence ends at . ! or ? after a lower-case letter, digit, ) or ', before an upper-case letter; not at a
# list number ("work: 1. Build ...; 2. Fix ...") or a title (Mr., Dr., No., St.)
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)'][.!?])(?<![\s:;,(][0-9][.])(?<!^[0-9][.])"
                           r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bNo\.)(?<!\bSt\.)\s+(?=[A-Z])")


def _two_sentences(text: str, limit: int = 320) -> str:
    """A summary point is one or two sentences; small models run on, so longer text is cut there."""
    if len(text) <= limit:
        return text
    parts = _SENTENCE_END.split(text)
    return " ".join(parts[:2])


def _copied_annotation(bracketed: str) -> bool:
    return not re.search(r"\d", bracketed)  # [Luxi County] is an echo of our annotation; [1] is not ours


_DATEISH = re.compile(r"\d|\b(january|february|march|april|may|june|july|august|september|october|november|"
                     r"december)\b", re.IGNORECASE)


def _deadline(run: Run, task, sentence_zh: str, where: str) -> Deadline | None:
    """The source's deadline, in the tool's words; the model's only when dateless (e.g. 'immediately')."""
    stated = find_deadline(sentence_zh, run.facts.year)
    if stated is not None:
        return Deadline(text_en=stated.text_en, date=stated.date, recurrence=stated.recurrence)
    text = clean_english(getattr(task, "deadline", "") or "")
    if not text:
        return None
    if _DATEISH.search(text):
        run.checks.append(Check(kind="deadline_dropped", severity="info", target=where,
                                message=f"the model gave the deadline '{text}', but the source sentence states "
                                        "no date; dropped"))
        return None
    return Deadline(text_en=text)


_NO_OWNER = re.compile(r"^(none|n/?a|null|nobody|no one|unknown|unspecified|not specified|-+)\.?$", re.IGNORECASE)


def _owner(run: Run, a: Assignment, task) -> str | None:
    owner = clean_english(task.owner)
    if owner and not _NO_OWNER.match(owner):
        return owner
    if a.person:  # the source names a person the model left out: use the tool's rendering
        person = next((p for p in run.facts.people if p.name_zh == a.person), None)
        if person:
            return f"{person.name_en}, {person.title_en}" if person.title_en else person.name_en
    return None


def _fallback_title(facts: Facts) -> str | None:
    """A plain title from the tool's own facts, when the model gave no headline."""
    if not facts.body_en:
        return None
    kind = {"executive_meeting": "executive meeting", "standing_committee": "standing committee meeting",
            "plenary_meeting": "plenary meeting", "work_conference": "work conference",
            "study_session": "study session"}.get(facts.kind, "meeting")
    number = f" No. {facts.number}" if facts.number else ""
    return f"{facts.body_en}: {kind}{number}" + (f" ({facts.date})" if facts.date else "")


def assemble(run: Run, model: ModelRef) -> Brief:
    doc, facts = run.doc, run.facts
    summary = []
    for t, p in run.points:
        where = f"summary[{len(summary)}]"
        # the topic layout shows the title line with the first topic: citing it there is no fault
        first = run.prompt.meta.layout == "topic" and run.topics and t.first == run.topics[0].first
        shown_too = set(run.title_ids()) if first else set()
        if check := _bad_citation(t, p, f"{where}.evidence", shown_too):
            run.checks.append(check)
        # a short_point is two sentences at any length, as its schema says; any other point past 320 characters
        text = _two_sentences(clean_english(p.text), limit=0 if isinstance(p, ShortPoint) else 320)
        summary.append(SummaryItem(text=_bounded(run, text, "point", f"{where}.text"),
                                   # a sentence the report repeats is cited once
                                   evidence=list(dict.fromkeys(doc.sentence(i).text for i in _point_ids(t, p)))))
    actions = []
    seen: set[tuple[int, str | None, str]] = set()
    for a, task in run.tasks:
        key = (a.sentence, a.actor_zh, task.task.lower())
        if key in seen:
            continue
        seen.add(key)
        sentence = doc.sentence(a.sentence)
        where = f"actions[{len(actions)}]"
        owner = _owner(run, a, task)
        deadline = _deadline(run, task, sentence.simplified, f"{where}.deadline")
        if deadline is not None:
            deadline.text_en = _bounded(run, deadline.text_en, "deadline", f"{where}.deadline")
        actions.append(Action(owner_en=_bounded(run, owner, "owner", f"{where}.owner_en") if owner else None,
                              owner_zh=a.actor_zh, task_en=_bounded(run, clean_english(task.task), "task", f"{where}.task_en"),
                              deadline=deadline, evidence_zh=sentence.text))
    title_ids = run.title_ids()
    title_en = run.english.get(title_ids[0]) if title_ids else None
    chair = facts.chair
    title = clean_english(title_en or run.headline)
    meeting = Meeting(
        title_en=_bounded(run, title, "title", "meeting.title_en") if title else _fallback_title(facts),
        body_en=facts.body_en, kind=facts.kind, number=facts.number, date=facts.date,
        chair=Person(name_zh=chair.name_zh, name_en=chair.name_en, title_en=chair.title_en) if chair else None,
        attendees_en=[f"{p.name_en}, {p.title_en}" if p.title_en else p.name_en
                      for p in facts.people if p.role == "attendee"],
    )
    checks = [Check(kind=w.split(":", 1)[0], severity="info", message=w) for w in doc.warnings] + run.checks
    return Brief(
        tool_version=__version__,
        source=Source(path=path_text(doc.path), sha256=doc.sha256, chars=len(doc.text), language=doc.language,
                      script=doc.script, encoding=doc.encoding, title=doc.title),
        prompt=PromptRef(name=run.prompt.name, version=run.prompt.version, sha256=run.prompt.sha256),
        model=model, meeting=meeting, summary=summary, actions=actions, usage=run.usage, checks=checks,
        evidence_in_file=_in_file(doc, [t for item in summary for t in item.evidence] + [a.evidence_zh for a in actions]),
    )


def _in_file(doc: Document, quotes: list[str]) -> dict[str, str]:
    """Each quoted sentence as the input file has it, where that differs from the cleaned text."""
    shown = {q: doc.in_file(doc.sentence_with(q)) for q in dict.fromkeys(quotes) if doc.sentence_with(q)}
    return {q: f for q, f in shown.items() if f != q}


def report_topics(doc: Document, facts: Facts) -> list[Topic]:
    """The topics the summary is written by (a long report gets more; the reduce step merges points)."""
    size = sum(count_tokens(s.simplified) for s in doc.sentences)
    return topics(doc, facts, limit=max(MAX_TOPICS, size // 1500))


async def generate(doc: Document, facts: Facts, prompt: Prompt, runner: Runner, *, model: ModelRef,
                   context_tokens: int, grounding: bool = True, epoch: int = 0) -> Brief:
    size = sum(count_tokens(s.simplified) for s in doc.sentences)
    run = Run(doc=doc, facts=facts, prompt=prompt, runner=runner, context_tokens=context_tokens,
              grounding=grounding, epoch=epoch)
    run.topics = report_topics(doc, facts)
    run.assignments = assignments(doc, facts, limit=max(MAX_ASSIGNMENTS, size // 400))
    if not doc.is_chinese:  # English input is summarized without translation
        run.english = {s.id: s.text for s in doc.sentences}
    steps = [s for s in prompt.meta.steps if not (s.output == "translation" and not doc.is_chinese)]
    if hasattr(runner, "expect"):  # for progress: the calls the steps declare for a report that fits
        per_scope = {"opening": 1, "topic": len(run.topics), "assignment": len(run.assignments)}
        runner.expect(sum(per_scope.get(OUTPUTS[s.output][0], 1) for s in steps))
    # steps that read the English wait for the translation; others run side by side
    try:
        if prompt.meta.layout == "topic":
            await _by_topic(run)
            steps = []
        batch: list[StepSpec] = []
        for step in steps + [None]:
            if step is None or step.output == "translation" or step.reads == "english":
                await gather_all(SCOPES[OUTPUTS[s.output][0]](run, s, OUTPUTS[s.output][1]) for s in batch)
                batch = []
            if step is not None:
                batch.append(step)
        await _reduce(run)
    except ModelError as exc:
        exc.usage = run.usage  # the report failed: say what it cost anyway
        raise
    return assemble(run, model)
