"""End to end on the real embedded model (Qwen2.5-Coder-1.5B via llama.cpp), seed 000.

Slow (a few minutes on 2 cores). It runs in CI; set SUMMARIZER_SKIP_EMBEDDED=1 to skip it
in a quick local loop.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from summarizer.brief import brief_one
from summarizer.checks import english_fields
from summarizer.config import load_settings
from summarizer.facts.glossary import Glossary
from summarizer.ingest import read_report
from summarizer.llm import connect, model_ref
from summarizer.prompts import load_prompt
from summarizer.schema import HAN

from .conftest import seed

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.skipif(os.environ.get("SUMMARIZER_SKIP_EMBEDDED") == "1", reason="SUMMARIZER_SKIP_EMBEDDED=1"),
    pytest.mark.timeout(1800),
]


def test_seed_000_on_the_embedded_model(artifacts, tmp_path):
    settings = load_settings(None)
    assert settings.is_embedded
    prompt = load_prompt(settings.prompt)
    path = seed("000")
    out_dir = artifacts / "e2e"  # kept for a look; force: an earlier run's outputs there must not make this one a no-op

    async def go():
        async with connect(settings) as llm:
            return await brief_one(path, root=None, out_dir=out_dir, settings=settings, prompt=prompt, llm=llm,
                                   model=model_ref(settings), glossary=Glossary.load(), force=True)

    outcome = asyncio.run(go())
    assert outcome.status == "ok", outcome.reason
    brief = outcome.brief
    doc = read_report(path)
    # English only in English fields
    leaks = [(where, text) for where, text in english_fields(brief) if HAN.search(text)]
    assert not leaks, leaks
    # the facts
    assert brief.meeting.number == 87
    assert brief.meeting.chair.name_en == "Xiang Henglin"
    assert brief.meeting.date == "2021-01-08"
    assert brief.model.endpoint == "embedded"
    # actions, each traceable to a verbatim sentence of the source
    assert len(brief.actions) >= 3
    for action in brief.actions:
        assert action.evidence_zh in doc.text
        assert action.task_en.strip()
    for item in brief.summary:
        assert item.evidence and all(e in doc.text for e in item.evidence)
    assert "Luxi" in (brief.meeting.body_en or "") and "Liuxi" not in brief.model_dump_json()
    assert brief.usage.calls >= 1 and brief.usage.completion_tokens > 0
    assert (out_dir / "000_135582c317a90c25.brief.md").exists()
