"""Optional LLM-as-judge (``eval run --judge``): rubric scores and pairwise preferences.

- One call per criterion and briefing, each with its own rubric (1-5):
  ``faithfulness`` (source + briefing), ``coverage`` (reference summary and key facts +
  briefing), ``english`` (briefing only). Scores land in the item as ``judge.CRITERION``.
- Pairwise: for every (model, case, repeat), each other prompt's briefing is compared with
  the first prompt's. Which one is shown first is drawn from a seeded RNG per pair, so the
  position bias of the judge averages out and a re-run draws the same order.

Calls go through the same seam as the pipeline (:meth:`LLM.run` with a pydantic output
model), so they are cached, retried and validated like any other call; the cache key
carries the rubric hash, so editing a rubric never reuses old verdicts.
"""

from __future__ import annotations

import hashlib
import random
from typing import Literal

from pydantic import BaseModel, Field

from ..llm.client import LLM, Call
from ..schema import Brief
from .dataset import Reference

VERSION = "judge@v1"
SOURCE_LIMIT = 6000  # characters of the source shown to the judge

SYSTEM = ("You are a meticulous reviewer of English briefings written from Chinese local-government meeting "
          "reports. You judge only what you are asked to judge, cite concrete evidence, and keep your "
          "reasoning under 80 words.")

RUBRICS = {
    "faithfulness": """Criterion: FAITHFULNESS to the source report.
5 = every statement (names, numbers, dates, owners, deadlines) is supported by the source;
4 = one minor imprecision, nothing false;
3 = one statement that the source does not support, or a wrong owner, number or date;
2 = several unsupported or wrong statements;
1 = mostly invented or contradicting the source.
Read the source, then the briefing.

<source>
{source}
</source>

<briefing>
{briefing}
</briefing>""",
    "coverage": """Criterion: COVERAGE of what matters.
5 = states every key fact and decision listed below;
4 = misses one supporting detail;
3 = misses one key fact or decision;
2 = misses several;
1 = misses most of them.
Judge against the reference summary and key facts; wording does not matter, content does.

<reference_summary>
{reference}
</reference_summary>

<key_facts>
{facts}
</key_facts>

<briefing>
{briefing}
</briefing>""",
    "english": """Criterion: ENGLISH QUALITY for an analyst reader.
5 = clear, idiomatic, concise, well organised; names and terms rendered consistently;
4 = clear with small awkwardness;
3 = understandable but stilted, repetitive or partly literal translation;
2 = hard to follow in places;
1 = largely unreadable, or not English.

<briefing>
{briefing}
</briefing>""",
}

PAIRWISE = """Two briefings were written from the same meeting report. Which is better for an analyst who
cannot read Chinese? Weigh, in this order: faithfulness to the source (nothing false), coverage of the
key facts and decisions (see the reference), then clarity of the English. Say "tie" only if you cannot
prefer either.

<source>
{source}
</source>

<reference_summary>
{reference}
</reference_summary>

<briefing_1>
{first}
</briefing_1>

<briefing_2>
{second}
</briefing_2>"""


class CriterionScore(BaseModel):
    reasoning: str = Field(description="at most 80 words, citing the briefing")
    score: int = Field(ge=1, le=5)


class Preference(BaseModel):
    reasoning: str = Field(description="at most 80 words")
    better: Literal["briefing_1", "briefing_2", "tie"]


def rubric_sha256() -> str:
    text = "\n".join([VERSION, SYSTEM, PAIRWISE, *(f"{k}\n{v}" for k, v in sorted(RUBRICS.items()))])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def briefing_for_judge(brief: Brief) -> str:
    """The English a reader sees, without the tool's own checks or the Chinese evidence."""
    m = brief.meeting
    lines = [m.title_en or "Meeting briefing"]
    facts = [x for x in (m.body_en, f"meeting no. {m.number}" if m.number else None, m.date,
                         f"chaired by {m.chair.name_en}" if m.chair and m.chair.name_en else None) if x]
    if facts:
        lines.append("; ".join(facts))
    lines += ["", "Summary:"] + [f"- {s.text}" for s in brief.summary]
    lines += ["", "Actions:"]
    for a in brief.actions:
        deadline = f" (deadline: {a.deadline.text_en})" if a.deadline else ""
        lines.append(f"- {a.owner_en or 'unnamed'}: {a.task_en}{deadline}")
    if not brief.actions:
        lines.append("- none")
    return "\n".join(lines)


def _source(text: str) -> str:
    return text if len(text) <= SOURCE_LIMIT else text[:SOURCE_LIMIT] + "\n[…]"


def _call(step: str, user: str, output: type[BaseModel], epoch: int) -> Call:
    return Call(step=step, messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
                output=output, temperature=0.0, max_tokens=512, prompt_ref=f"{VERSION}:{rubric_sha256()}",
                epoch=epoch)


def _usage(results) -> dict:
    return {"calls": sum(r.calls for r in results), "cached_calls": sum(r.cached for r in results),
            "prompt_tokens": sum(r.prompt_tokens for r in results),
            "completion_tokens": sum(r.completion_tokens for r in results)}


async def judge_briefing(llm: LLM, brief: Brief, reference: Reference, source: str, *, epoch: int = 0) -> dict:
    """``{"scores": {"judge.faithfulness": 4, ...}, "reasoning": {...}, "usage": {...}}``."""
    briefing = briefing_for_judge(brief)
    facts = "\n".join(f"- {f.fact}" for f in reference.key_facts) or "- (none listed)"
    users = {
        "faithfulness": RUBRICS["faithfulness"].format(source=_source(source), briefing=briefing),
        "coverage": RUBRICS["coverage"].format(reference=reference.summary, facts=facts, briefing=briefing),
        "english": RUBRICS["english"].format(briefing=briefing),
    }
    results = {name: await llm.run(_call(f"judge_{name}", user, CriterionScore, epoch)) for name, user in users.items()}
    return {"scores": {f"judge.{name}": float(r.value.score) for name, r in results.items()},
            "reasoning": {name: r.value.reasoning for name, r in results.items()},
            "usage": _usage(results.values())}


def first_shown(seed: int, *key: object) -> Literal["a", "b"]:
    """Which briefing the judge sees first, drawn from an RNG seeded by the pair's identity."""
    rng = random.Random(":".join(map(str, (seed, *key))))
    return "a" if rng.random() < 0.5 else "b"


async def judge_pair(llm: LLM, a: Brief, b: Brief, reference: Reference, source: str, *, shown_first: str,
                     epoch: int = 0) -> tuple[str, str, dict]:
    """(winner 'a'|'b'|'tie', reasoning, usage)."""
    first, second = (a, b) if shown_first == "a" else (b, a)
    user = PAIRWISE.format(source=_source(source), reference=reference.summary,
                           first=briefing_for_judge(first), second=briefing_for_judge(second))
    result = await llm.run(_call("judge_pairwise", user, Preference, epoch))
    better = result.value.better
    if better == "tie":
        winner = "tie"
    else:
        shown = better == "briefing_1"
        winner = shown_first if shown else ("b" if shown_first == "a" else "a")
    return winner, result.value.reasoning, _usage([result])
