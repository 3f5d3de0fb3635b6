"""Faults the single-call tests in test_client.py leave out, against the real local fake server:
budgets (attempts, per-attempt timeout, total seconds, Retry-After beyond the budget), the
shared Retry-After pause, json_object-only rejection, 400s that are not about
response_format, content filters, an unusable cache, the CLI budget flags, and a per-item
truncation in the bounded (v2) prompt."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest

from summarizer.brief import brief_one
from summarizer.errors import ModelError
from summarizer.facts.glossary import Glossary
from summarizer.llm import connect, model_ref
from summarizer.llm.cache import Store
from summarizer.llm.client import Mode
from summarizer.prompts import load_prompt
from summarizer.schema import Brief

from .conftest import ROOT, seed
from .fakeserver import FakeOpenAI
from .llm_calls import GOOD, call, run


class Choosy(FakeOpenAI):
    """The fake server with each request's behaviour chosen from its body (so concurrent calls
    get deterministic faults), and the arrival time of every chat request."""

    def __init__(self, choose, **kw):
        super().__init__(**kw)
        self.choose = choose
        self.arrivals: list[tuple[float, dict]] = []
        self._local = threading.local()

    def _chat(self, body):
        with self.lock:
            self.arrivals.append((time.monotonic(), body))
        self._local.behaviour = self.choose(body) or {}
        return super()._chat(body)

    def _next_behaviour(self):
        return dict(getattr(self._local, "behaviour", None) or {})


# ------------------------------------------------------------------ budgets
def test_429_without_retry_after_backs_off_and_recovers(fake, settings_for):
    fake.script.append({"status": 429})  # no Retry-After: exponential backoff with jitter
    fake.responder = lambda body: GOOD
    (result,), stats = run(settings_for(fake), call())
    assert result.value.count == 3 and stats.retries == 1 and len(fake.chat_requests) == 2


def test_retry_after_beyond_the_budget_gives_up_at_once(fake, settings_for):
    fake.script.append({"status": 429, "headers": {"Retry-After": "120"}})
    started = time.monotonic()
    with pytest.raises(ModelError) as err:
        run(settings_for(fake, max_retry_seconds=2), call())
    assert time.monotonic() - started < 1.5  # did not sleep into a wait it could not finish
    assert err.value.kind == "http_429" and "after 1 attempt" in str(err.value)
    assert len(fake.chat_requests) == 1


def test_total_seconds_budget_bounds_a_call(fake, settings_for):
    fake.script.extend([{"status": 503}] * 20)  # no Retry-After: backoff 0-1s, 0-2s, 0-4s...
    started = time.monotonic()
    with pytest.raises(ModelError) as err:
        run(settings_for(fake, max_attempts=20, max_retry_seconds=2.0), call())
    assert time.monotonic() - started < 3.0
    assert err.value.kind == "http_503" and 1 <= len(fake.chat_requests) < 20


def test_hung_requests_fail_as_timeout_after_the_attempt_budget(fake, settings_for):
    fake.script.extend([{"delay": 2}] * 3)
    started = time.monotonic()
    with pytest.raises(ModelError) as err:
        run(settings_for(fake, timeout=0.4, max_attempts=2), call())
    assert err.value.kind == "timeout" and "no reply within 0.4s (after 2 attempts)" in str(err.value)
    assert len(fake.chat_requests) == 2 and time.monotonic() - started < 2.5


def test_retry_after_pauses_every_call_on_the_client_no_storm(settings_for):
    """While one call waits out a Retry-After, the others do not hammer the endpoint."""
    first = {"done": False}

    def choose(body):
        if body["messages"][-1]["content"] == "a" and not first["done"]:
            first["done"] = True
            return {"status": 429, "headers": {"Retry-After": "1"}}
        return {"content": GOOD}

    with Choosy(choose) as server:
        async def go():
            async with connect(settings_for(server)) as llm:
                async def later(c):
                    await asyncio.sleep(0.3)  # sent while the first call is paused
                    return await llm.run(c)

                return await asyncio.gather(llm.run(call(messages=[{"role": "user", "content": "a"}])),
                                            later(call(messages=[{"role": "user", "content": "b"}])))

        asyncio.run(go())
        t429 = server.arrivals[0][0]
        b_times = [t for t, body in server.arrivals if body["messages"][-1]["content"] == "b"]
        assert len(server.arrivals) == 3 and len(b_times) == 1
        assert b_times[0] - t429 >= 0.9  # held until the Retry-After was over


# ------------------------------------------------------------------ structured-output rejection
def test_json_object_only_rejection_falls_back_to_prompted_and_remembers(fake, settings_for):
    """An endpoint remembered (or preferred) as json_object that now rejects it: next strategy."""
    settings = settings_for(fake)
    Store(settings.db_path).set_mode(fake.base_url, "fake-model", Mode.JSON_OBJECT.value)
    fake.reject = {"json_object"}
    fake.reject_status = 400
    fake.responder = lambda body: GOOD
    (result,), stats = run(settings, call())
    assert result.value.count == 3
    assert [(r["body"].get("response_format") or {}).get("type") for r in fake.chat_requests] == ["json_object", None]
    assert stats.fallbacks == ["json_object->prompted"] and stats.retries == 0
    assert Store(settings.db_path).mode(fake.base_url, "fake-model") == "prompted"


def test_a_400_about_something_else_is_not_a_structured_output_rejection(fake, settings_for):
    fake.script.append({"status": 400, "message": "max_tokens is too large: 99999. This model supports at most "
                                                  "4096 completion tokens"})
    with pytest.raises(ModelError) as err:
        run(settings_for(fake), call())
    assert err.value.kind == "http_400" and len(fake.chat_requests) == 1  # no cascade through strategies


def test_content_filter_is_reported_not_retried(fake, settings_for):
    fake.script.append({"content": "", "finish_reason": "content_filter"})
    with pytest.raises(ModelError) as err:
        run(settings_for(fake), call())
    assert err.value.kind == "refusal" and len(fake.chat_requests) == 1


# ------------------------------------------------------------------ the cache is an optimisation
def test_an_unreadable_cache_database_does_not_stop_the_work(fake, settings_for, caplog):
    settings = settings_for(fake)
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    settings.db_path.write_bytes(b"this is not a database" * 100)
    fake.responder = lambda body: GOOD
    (result,), _ = run(settings, call())
    assert result.value.count == 3
    assert "running without it" in caplog.text


# ------------------------------------------------------------------ bounded prompt: one cut item
def test_a_truncated_item_is_left_out_with_a_check_and_the_report_finishes(settings_for, tmp_path):
    def choose(body):  # every call of one summary point is cut at max_tokens
        user = body["messages"][1]["content"]
        if "This is part 2 of" in user:
            return {"content": '{"text": "The meeting', "finish_reason": "length"}
        return None

    with Choosy(choose) as server:
        settings = settings_for(server)

        async def go():
            async with connect(settings) as llm:
                return await brief_one(seed("003"), root=None, out_dir=tmp_path, settings=settings,
                                       prompt=load_prompt("briefing@v2"), llm=llm, model=model_ref(settings),
                                       glossary=Glossary.load([]))

        outcome = asyncio.run(go())
        cut = [body["max_tokens"] for _, body in server.arrivals if "This is part 2 of" in body["messages"][1]["content"]]
    assert outcome.status == "ok", outcome.reason
    assert cut == [1024, 2048]  # a bigger budget once, then given up
    brief = Brief.model_validate_json((tmp_path / "003_edec80af956350d4.brief.json").read_text())
    missing = [c for c in brief.checks if c.kind == "item_missing"]
    assert len(missing) == 1 and "max_tokens" in missing[0].message


# ------------------------------------------------------------------ CLI budget flags
def test_cli_budget_flags_reach_the_client(fake, tmp_path):
    fake.script.extend([{"delay": 2}] * 5)
    env = {**os.environ, "OPENAI_BASE_URL": fake.base_url, "COLUMNS": "300"}
    run_ = subprocess.run([sys.executable, "-m", "summarizer", "brief", str(seed("003")), "--out", str(tmp_path),
                           "--model", "fake", "--prompt", "briefing@v3", "--max-attempts", "2", "--timeout", "0.5",
                           "--max-retry-seconds", "20"], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert run_.returncode == 2, run_.stderr
    assert "timeout: no reply within 0.5s (after 2 attempts)" in run_.stderr
    assert len(fake.chat_requests) == 2
    bad = subprocess.run([sys.executable, "-m", "summarizer", "brief", str(seed("003")), "--max-attempts", "0"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert bad.returncode == 1 and "--max-attempts" in bad.stderr and "Traceback" not in bad.stderr  # bad arguments: 1
