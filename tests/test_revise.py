"""The one re-ask of an item whose English has a number, date or name the source lacks (revise.py),
against the real local fake server: the model's replies are scripted per step."""

from __future__ import annotations

import asyncio
import json

import pytest

from summarizer.facts.glossary import Glossary
from summarizer.ingest import read_report
from summarizer.llm import connect, model_ref
from summarizer.pipeline import run_report
from summarizer.prompts import load_prompt
from summarizer.runners import synthetic

from .conftest import seed

INVENTED = "The meeting set aside 4,567 yuan for Wang Dali's tea project."
CLEAN = "The meeting discussed the tea industry."


def step_of(body: dict) -> str:
    return json.dumps(body.get("response_format") or {})


def responder(revised: str):
    """Stand-in replies, except: every summary point invents a figure and a name; the re-ask answers ``revised``."""

    def answer(body: dict) -> str:
        fmt = step_of(body)
        if "Revised" in fmt:
            return json.dumps({"text": revised})
        reply = json.loads(synthetic.reply_to_request(body))
        if "Point" in fmt and "text" in reply:
            reply["text"] = INVENTED
        return json.dumps(reply)

    return answer


def brief(fake, settings_for, **flags):
    flags.setdefault("revise", True)
    settings = settings_for(fake, **flags)

    async def go():
        async with connect(settings) as llm:
            return await run_report(seed("000"), llm, settings=settings, prompt=load_prompt("briefing@v2"),
                                    model=model_ref(settings), glossary=Glossary.load([]))

    return asyncio.run(go()).brief


def revise_requests(fake) -> list[dict]:
    return [r["body"] for r in fake.chat_requests if "Revised" in step_of(r["body"])]


def test_a_faulty_point_is_re_asked_once_and_the_better_rewrite_kept(fake, settings_for):
    fake.responder = responder(CLEAN)
    out = brief(fake, settings_for)
    asked = revise_requests(fake)
    assert len(asked) == len(out.summary) >= 2  # each point had the faults, each was re-asked once
    user = asked[0]["messages"][-1]["content"]
    assert INVENTED in user and "'4,567' does not occur in the source" in user and "Wang Dali" in user
    assert "<report>" in user and "[1]" not in user.split("</report>")[1]  # the sentences, then the English
    assert all(item.text == CLEAN for item in out.summary)
    revised = [c for c in out.checks if c.kind == "revised"]
    assert len(revised) == len(out.summary) and {c.detail["kept"] for c in revised} == {"rewrite"}
    assert revised[0].detail["first"] == INVENTED and revised[0].severity == "info"
    assert not [c for c in out.checks if c.kind in ("unsupported_number", "unsupported_name")]
    assert out.usage.calls == len(fake.chat_requests) and out.options["revise"] is True


def test_a_rewrite_that_is_no_better_is_dropped_and_the_checks_still_say_what_is_wrong(fake, settings_for):
    fake.responder = responder("The meeting set aside 9,999 yuan for Li Dawei's tea project.")  # as many faults
    out = brief(fake, settings_for)
    assert len(revise_requests(fake)) == len(out.summary)
    assert all(item.text == INVENTED for item in out.summary)
    assert {c.detail["kept"] for c in out.checks if c.kind == "revised"} == {"first"}
    flagged = {c.target for c in out.checks if c.kind == "unsupported_number"}
    assert flagged == {f"summary[{i}].text" for i in range(len(out.summary))}


def test_no_re_ask_when_switched_off_or_when_nothing_is_wrong(fake, settings_for):
    fake.responder = responder(CLEAN)
    settings = settings_for(fake)
    assert settings.revise is False  # the default, until it measurably helps
    out = brief(fake, settings_for, revise=False)
    assert revise_requests(fake) == [] and out.options["revise"] is False
    assert any(c.kind == "unsupported_number" for c in out.checks)
    fake.requests.clear()
    fake.responder = synthetic.reply_to_request  # faultless stand-ins (not the cached replies above)
    out = brief(fake, settings_for, use_cache=False)
    assert revise_requests(fake) == [] and not [c for c in out.checks if c.kind == "revised"]


def test_a_re_ask_the_model_cannot_answer_leaves_the_item_and_says_so(fake, settings_for):
    def answer(body: dict) -> str:
        return "not json" if "Revised" in step_of(body) else responder(CLEAN)(body)

    fake.responder = answer
    out = brief(fake, settings_for, max_attempts=2)
    assert all(item.text == INVENTED for item in out.summary)
    assert any(c.kind == "item_missing" and "rewrite of summary[0].text" in c.message for c in out.checks)


@pytest.mark.parametrize("command", [["brief", "{report}"], ["eval", "run", "-d", "{dataset}", "-p"]])
def test_the_revise_prompt_is_not_a_briefing_prompt(command, tmp_path):
    from .conftest import ROOT
    from .test_cli import cli

    args = [a.format(report=seed("000"), dataset=ROOT / "evals" / "datasets" / "seeds") for a in command]
    args += ["--prompt", "revise@v1"] if command[0] == "brief" else ["revise@v1"]
    result = cli(*args, "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--out" if command[0] == "brief"
                 else "--runs-dir", tmp_path)
    assert result.returncode == 1
    assert "revise@v1 is not a briefing prompt" in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []  # refused before any work
