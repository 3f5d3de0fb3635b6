"""Every field of a reply the model controls, bounded and checked as input files are: what the tool
accepts from a reply is cut, verified or dropped, with a check saying so, never trusted blindly."""

from __future__ import annotations

import asyncio
import json

from summarizer.brief import brief_one
from summarizer.facts.glossary import Glossary
from summarizer.llm import connect, model_ref
from summarizer.prompts import load_prompt
from summarizer.runners.synthetic import reply_to_request

from .conftest import seed

KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8" * 3


def _brief(fake, settings_for, tmp_path, edit):
    """Brief seed 003 with briefing@v2, the fake server's replies changed by ``edit(step, reply)``."""

    def responder(body: dict) -> str:
        reply = json.loads(reply_to_request(body))
        user = body["messages"][-1]["content"]
        step = "headline" if "headline" in user else "actions" if "assigns work" in user else "summarize"
        return json.dumps(edit(step, reply))

    fake.responder = responder
    settings = settings_for(fake)

    async def go():
        async with connect(settings) as llm:
            return await brief_one(seed("003"), root=None, out_dir=tmp_path, settings=settings,
                                   prompt=load_prompt("briefing@v2"), llm=llm, model=model_ref(settings),
                                   glossary=Glossary.load())

    outcome = asyncio.run(go())
    assert outcome.status == "ok", outcome.reason
    return outcome.brief, [p.read_text(encoding="utf-8") for p in outcome.outputs]


def test_cited_ids_outside_the_part_shown_are_a_bad_citation(fake, settings_for, tmp_path):
    def edit(step, reply):
        if step == "summarize":
            reply["sentences"] = [99999, 123456]
        return reply

    brief, _ = _brief(fake, settings_for, tmp_path, edit)
    bad = [c for c in brief.checks if c.kind == "bad_citation"]
    assert len(bad) == len(brief.summary) > 0
    assert all(c.severity == "warning" and c.target.endswith(".evidence") and 99999 in c.detail["cited_outside"]
               for c in bad)
    assert all(item.evidence for item in brief.summary)  # the topic's own opening sentence instead


def test_overlong_fields_are_cut_at_a_word_with_a_check(fake, settings_for, tmp_path):
    words = " ".join(["word"] * 2000)

    def edit(step, reply):
        if step == "headline":
            reply["headline"] = words
        elif step == "summarize":
            reply["text"] = words
        else:
            reply["task"], reply["owner"] = words, words
        return reply

    brief, _ = _brief(fake, settings_for, tmp_path, edit)
    assert len(brief.meeting.title_en) <= 301 and brief.meeting.title_en.endswith("…")
    assert all(len(item.text) <= 601 for item in brief.summary)
    assert all(len(a.task_en) <= 501 and len(a.owner_en or "") <= 201 for a in brief.actions)
    cut = [c for c in brief.checks if c.kind == "reply_field_cut"]
    targets = {c.target.split("[")[0].split(".")[0] for c in cut}
    assert targets == {"meeting", "summary", "actions"}
    assert all(c.severity == "info" and c.detail["length"] > c.detail["limit"] for c in cut)


def test_a_credential_in_a_field_is_dropped_and_never_written(fake, settings_for, tmp_path):
    def edit(step, reply):
        if step == "summarize":
            reply["text"] = f"The meeting used the key {KEY} for the project."
        elif step == "actions":
            reply["owner"] = f"Bearer {KEY}"
        return reply

    brief, written = _brief(fake, settings_for, tmp_path, edit)
    leaks = [c for c in brief.checks if c.kind == "credential_in_reply"]
    assert leaks and all(c.severity == "error" for c in leaks)
    assert not brief.summary  # every point held the key: all dropped
    assert all(a.owner_en is None for a in brief.actions)
    for text in written:  # not in the Markdown, not in the JSON, not even quoted in a check
        assert KEY not in text
