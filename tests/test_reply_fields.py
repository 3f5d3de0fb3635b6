"""Every field of a reply the model controls, bounded and checked as input files are: what the tool
accepts from a reply is cut, verified or dropped, with a check saying so, never trusted blindly."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from summarizer.brief import brief_one
from summarizer.facts.glossary import Glossary
from summarizer.llm import connect, model_ref
from summarizer.prompts import load_prompt
from summarizer.runners.synthetic import reply_to_request

from .conftest import seed

KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8" * 3


def _brief(fake, settings_for, tmp_path, edit, prompt="briefing@v2"):
    """Brief seed 003 with ``prompt``, the fake server's replies changed by ``edit(step, reply)``."""

    def responder(body: dict) -> str:
        reply = json.loads(reply_to_request(body))
        user = body["messages"][-1]["content"]
        step = ("headline" if "headline" in user else "actions" if "assigns work" in user or "work in sentence" in user
                else "summarize")
        return json.dumps(edit(step, reply))

    fake.responder = responder
    settings = settings_for(fake)

    async def go():
        async with connect(settings) as llm:
            return await brief_one(seed("003"), root=None, out_dir=tmp_path, settings=settings,
                                   prompt=load_prompt(prompt), llm=llm, model=model_ref(settings),
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


def test_the_two_sentence_schema_is_sent_and_an_endpoint_without_a_grammar_is_cut_not_reasked(
        fake, settings_for, tmp_path):
    """briefing@v6 (output short_point): the point's schema tells a grammar to stop after two sentences.
    An endpoint that does not enforce it and writes on is not re-asked: the tool cuts the point."""
    third = ("The meeting said the first thing about the county's plan for the year in some detail. "
             "It then said a second thing about the funds that the plan needs to succeed this year. "
             "It also said a third thing about who must carry out the plan. And a fourth thing too.")

    def edit(step, reply):
        if step == "summarize":
            reply["text"] = third
        return reply

    brief, _ = _brief(fake, settings_for, tmp_path, edit, prompt="briefing@v6")
    points = [r["body"] for r in fake.chat_requests if 'Job "summary"' in r["body"]["messages"][-1]["content"]]
    schema = points[0]["response_format"]["json_schema"]["schema"]  # the fake server takes strict json_schema
    assert re.fullmatch(schema["properties"]["text"]["pattern"], third[:third.index(" It also")])
    assert not re.fullmatch(schema["properties"]["text"]["pattern"], third)
    assert len(points) == len(brief.summary) > 0  # one call per topic: nothing re-asked
    assert {item.text for item in brief.summary} == {third[:third.index(" It also")]}


@pytest.mark.parametrize("text, two", [
    ("The meeting set the plan.", True),
    ("The meeting set the plan. It named the owners!", True),
    ("Letter No. 22 was read. Growth of 3.5 percent was set.", True),
    ("Growth of 3.5 percent was set. Letter No. 22 was read.", True),
    ("It met on May 14. The County Head, Mr. Zhou, gave a report.", True),  # a title is no sentence end
    ("One. Two. 3 more", False),
    ("The meeting set work: 1. Build roads; 2. Fix bridges. It named owners.", True),  # list numbers
    ("1. Build roads. 2. Fix bridges.", True),
    ("Held in 2025. The area is 955.3 acres.", True),
    ("Held in 2025. The area is 955. Then more.", False),
    ("U.S. firms, e.g. banks, open at 8 a.m. daily. The plan is set.", True),
    ("One. It runs at 8 a.m. daily.", False),  # in the second sentence only a decimal point
    ("One. Two. Three.", False),
    ("One. Two.Three", False),
    ("One. Two.]", False),
    ("含中文。", False),
    ("", False),
])
def test_the_two_sentence_pattern(text, two):
    from summarizer.generate.outputs import TWO_SENTENCES_PATTERN

    assert bool(re.fullmatch(TWO_SENTENCES_PATTERN, text)) is two


def test_the_two_sentence_pattern_compiles_to_a_llama_cpp_grammar():
    llama_grammar = pytest.importorskip("llama_cpp.llama_grammar")
    from summarizer.generate.outputs import ShortPoint

    gbnf = llama_grammar.json_schema_to_gbnf(json.dumps(ShortPoint.model_json_schema()))
    assert "[.!?]+ \" \"+" in gbnf  # the boundary between the two sentences
    llama_grammar.LlamaGrammar.from_string(gbnf, verbose=False)  # llama.cpp's parser accepts it


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


def test_the_tool_cuts_a_point_by_the_same_sentence_rule():
    from summarizer.generate import _two_sentences

    assert _two_sentences("Work: 1. Build roads; 2. Fix bridges. It named owners. A third.", limit=0) == \
        "Work: 1. Build roads; 2. Fix bridges. It named owners."
    assert _two_sentences("Held in 2025. The area is 955.3 acres. More.", limit=0) == \
        "Held in 2025. The area is 955.3 acres."
    assert _two_sentences("It met. The County Head, Mr. Zhou, spoke. A third.", limit=0) == \
        "It met. The County Head, Mr. Zhou, spoke."
    assert _two_sentences("One. Two. Three.", limit=320) == "One. Two. Three."  # short: a plain point is kept
