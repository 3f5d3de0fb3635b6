"""One small structured call and a runner for it: shared by the LLM-seam tests (test_client,
test_faults), which script the fake server's replies around them."""

from __future__ import annotations

import asyncio
import json

from pydantic import BaseModel

from summarizer.llm import connect
from summarizer.llm.client import Call


class Answer(BaseModel):
    answer: str
    count: int


GOOD = json.dumps({"answer": "ok", "count": 3})


def call(**kw) -> Call:
    base = dict(step="test", messages=[{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}],
                output=Answer, max_tokens=50, prompt_ref="t@v1:abc")
    base.update(kw)
    return Call(**base)


def run(settings, *calls):
    """Run the calls one after another on one connection; their results and the call statistics."""
    async def go():
        async with connect(settings) as llm:
            return [await llm.run(c) for c in calls], llm.stats

    return asyncio.run(go())
