"""Revise: an item whose English has a number, date or name the source lacks is re-asked once.

After generation, the checks that prove a fault without a model (a number or a calendar date that
occurs nowhere in the source, a person's name that matches no one in it) run on every summary point
and task. Each item they catch goes back to the model once (``prompts/revise``), with the sentences
it was written from (its topic for a point, its sentence for a task) and what is wrong. The rewrite
replaces the item only when it has fewer such faults; otherwise the first text stays and the checks
report it as before. Either way a ``revised`` check (info) records the re-ask and the first text.

Re-asks depend on the replies, so a dry run does not count them and Batch API jobs do not make them.
"""

from __future__ import annotations

import re

from .checks.numbers import SourceFacts
from .chunk import count_tokens
from .checks.text import check_names, check_numbers_and_dates
from .facts.model import Facts
from .generate import Run, clean_english, gather_all, report_topics
from .generate.outputs import OUTPUTS
from .ingest import Document
from .prompts import Prompt, load_prompt
from .runners import Runner
from .schema import Brief, Check

PROMPT = "revise@v1"
FAULTS = ("unsupported_number", "unsupported_date", "unsupported_name")
_TARGET = re.compile(r"^(summary\[(?P<point>\d+)\]\.text|actions\[(?P<action>\d+)\]\.task_en)$")


def faults(brief: Brief, doc: Document, facts: Facts) -> dict[str, list[Check]]:
    """Field path -> the provable faults in it, for summary points and tasks."""
    source = SourceFacts([s.simplified for s in doc.sentences])
    out: dict[str, list[Check]] = {}
    for c in check_numbers_and_dates(brief, doc, source) + check_names(brief, doc, facts):
        if c.kind in FAULTS and c.target and _TARGET.match(c.target):
            out.setdefault(c.target, []).append(c)
    return out


def _text(brief: Brief, target: str) -> str:
    m = _TARGET.match(target)
    return brief.summary[int(m["point"])].text if m["point"] else brief.actions[int(m["action"])].task_en


def _set(brief: Brief, target: str, text: str) -> None:
    m = _TARGET.match(target)
    if m["point"]:
        brief.summary[int(m["point"])].text = text
    else:
        brief.actions[int(m["action"])].task_en = text


def _sentence_ids(run: Run, brief: Brief, target: str) -> list[int]:
    """What the item was written from: a point's topic (as much as fits), a task's sentence."""
    m = _TARGET.match(target)
    quotes = [brief.actions[int(m["action"])].evidence_zh] if m["action"] else brief.summary[int(m["point"])].evidence
    cited = [s.id for s in map(run.doc.sentence_with, quotes) if s is not None]
    if m["action"] or not cited:
        return cited[:1]
    topic = next((t.ids for t in run.topics if cited[0] in t.ids), cited)
    ids = sorted(set(topic) | set(cited))
    budget = run.budget(run.prompt.meta.steps[0])
    while len(ids) > len(cited) and sum(count_tokens(run.source_line(i)) for i in ids) > budget:
        ids.remove(next(i for i in reversed(ids) if i not in cited))
    return ids


async def revise(doc: Document, facts: Facts, brief: Brief, runner: Runner, *, context_tokens: int,
                 grounding: bool = True, epoch: int = 0, prompt: Prompt | None = None) -> None:
    """Re-ask, once, each summary point and task with a provable fault (the briefing is changed in place)."""
    flagged = faults(brief, doc, facts)
    if not flagged:
        return
    prompt = prompt or load_prompt(PROMPT)
    step = prompt.meta.steps[0]
    run = Run(doc=doc, facts=facts, prompt=prompt, runner=runner, context_tokens=context_tokens,
              grounding=grounding, epoch=epoch, topics=report_topics(doc, facts))

    async def one(target: str, found: list[Check]) -> tuple[str, list[Check], str | None]:
        ids = _sentence_ids(run, brief, target)
        if not ids:
            return target, found, None
        problems = "; ".join(dict.fromkeys(c.message for c in found))
        user = run.render(step, sentences="\n".join(run.lines(step, ids).values()), english=_text(brief, target),
                          problems=problems, renderings=run.renderings(ids))
        part = re.sub(r"\W+", "-", target).strip("-")
        value = await run.send_item(run.call(step, user, OUTPUTS[step.output][1], part), f"rewrite of {target}")
        return target, found, clean_english(value.text) if value else None

    answers = await gather_all(one(t, f) for t, f in flagged.items())
    firsts = {target: _text(brief, target) for target in flagged}
    for target, _, rewrite in answers:  # every rewrite in place, checked at once (the checks are per field)
        if rewrite:
            _set(brief, target, rewrite)
    after = faults(brief, doc, facts)
    for target, found, rewrite in answers:
        first = firsts[target]
        kept = "rewrite" if rewrite and rewrite != first and len(after.get(target, [])) < len(found) else "first"
        if kept == "first":
            _set(brief, target, first)
        brief.checks.append(Check(
            kind="revised", severity="info", target=target,
            message=f"re-asked once ({'; '.join(dict.fromkeys(c.message for c in found))}): "
                    + ("the rewrite is kept" if kept == "rewrite" else "the rewrite was no better; the first text stays"),
            detail={"kept": kept, "first": first, "rewrite": rewrite, "faults": [c.kind for c in found]}))
    brief.usage = brief.usage.add(run.usage)
    brief.checks.extend(run.checks)

