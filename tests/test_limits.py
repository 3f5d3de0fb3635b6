"""The rate limiter: AIMD arithmetic on explicit times, budgets with lower-bound timing, and 429s
from the fake server. Timing assertions are lower bounds (a limiter must have waited at least
this long) with generous upper bounds, so a slow machine cannot make them fail."""

from __future__ import annotations

import asyncio
import math
import threading
import time

import pytest
from pydantic import BaseModel

from summarizer.chunk import count_tokens
from summarizer.config import load_settings
from summarizer.llm import connect
from summarizer.llm.client import Call
from summarizer.llm.limits import Aimd, RateLimiter, prompt_tokens, request_tokens

from .fakeserver import schema_responder


class Ok(BaseModel):
    answer: str


def body(text: str = "hello", max_tokens: int = 10) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": text}], "max_tokens": max_tokens}


def call(n: int = 0) -> Call:
    return Call(step="t", messages=[{"role": "user", "content": f"question {n}"}], output=Ok, max_tokens=16)


# ------------------------------------------------------------------ AIMD, no clock involved
def test_aimd_halves_once_per_burst_and_recovers_additively():
    aimd = Aimd(decrease=0.5, increase=0.1, recover_every=5.0, holdoff=2.0, floor=0.1)
    assert aimd.congested(now=100.0) and aimd.factor == 0.5
    assert not aimd.congested(now=101.0) and aimd.factor == 0.5  # same burst of 429s: one signal
    assert aimd.congested(now=102.5) and aimd.factor == 0.25
    assert not aimd.succeeded(now=104.0)  # too soon after the decrease
    assert aimd.succeeded(now=107.5) and aimd.factor == pytest.approx(0.35)
    assert not aimd.succeeded(now=110.0)
    for step in range(1, 20):
        aimd.succeeded(now=107.5 + 5 * step)
    assert aimd.factor == 1.0  # back to the full budget, and no further
    for t in range(10):
        aimd.congested(now=1000.0 + 3 * t)
    assert aimd.factor == 0.1  # never below the floor


def test_token_estimates_count_messages_schema_and_max_tokens():
    b = body("你好，世界", max_tokens=100)
    assert prompt_tokens(b) >= count_tokens("你好，世界")
    assert request_tokens(b) == prompt_tokens(b) + 100
    with_schema = dict(b, response_format={"type": "json_schema", "json_schema": {"schema": Ok.model_json_schema()}})
    assert prompt_tokens(with_schema) > prompt_tokens(b)  # providers count the schema as input


# ------------------------------------------------------------------ budgets (real time, lower bounds)
def test_requests_per_minute_budget_spaces_requests():
    limiter = RateLimiter(requests_per_minute=600, window=1.0)  # 10 at once, then 10 per second

    async def go() -> float:
        started = time.monotonic()
        await asyncio.gather(*(limiter.acquire(body()) for _ in range(25)))
        return time.monotonic() - started

    elapsed = asyncio.run(go())
    assert 1.4 <= elapsed < 15  # 15 beyond the burst at 10/s
    assert limiter.stats.requests == 25 and limiter.stats.waited > 0


def test_tokens_per_minute_budget_counts_prompt_and_max_tokens():
    limiter = RateLimiter(tokens_per_minute=60_000, window=1.0)  # 1000 tokens at once, then 1000/s
    size = request_tokens(body(max_tokens=250))

    async def go() -> float:
        started = time.monotonic()
        for _ in range(12):
            await limiter.acquire(body(max_tokens=250))
        return time.monotonic() - started

    elapsed = asyncio.run(go())
    assert elapsed >= (12 * size - 1000) / 1000 - 0.05
    assert elapsed < 15


def test_a_429_halves_the_rate_and_pauses_everyone():
    limiter = RateLimiter(requests_per_minute=1200, window=1.0, aimd=Aimd(holdoff=0))  # 20 at once, 20/s

    async def go() -> tuple[float, float]:
        limiter.throttled(retry_after=0.5)
        started = time.monotonic()
        await limiter.acquire(body())
        paused = time.monotonic() - started
        await asyncio.gather(*(limiter.acquire(body()) for _ in range(19)))  # 20 requests at half the rate
        return paused, time.monotonic() - started

    paused, elapsed = asyncio.run(go())
    assert limiter.factor == 0.5 and limiter.stats.decreases == 1
    assert limiter.requests_per_minute == pytest.approx(600)
    assert paused >= 0.45  # the Retry-After held the next request
    assert elapsed >= 0.45 + 0.9  # 40 units of budget: 20 in the bucket, 20 more at 20/s
    assert elapsed < 15


def test_a_reply_bigger_than_its_reservation_is_charged_to_the_next_request():
    limiter = RateLimiter(tokens_per_minute=600_000)

    async def go() -> None:
        await limiter.acquire(body(max_tokens=10))
        limiter.record(request_tokens(body(max_tokens=10)) + 500)
        assert limiter.debt == 500
        await limiter.acquire(body(max_tokens=10))
        assert limiter.debt == 0
        limiter.record(1)  # under the reservation: nothing owed
        assert limiter.debt == 0

    asyncio.run(go())
    assert limiter.stats.tokens_used == request_tokens(body(max_tokens=10)) + 501


def test_without_limits_a_429_sets_one_from_the_observed_rate_and_recovery_drops_it():
    limiter = RateLimiter(aimd=Aimd(holdoff=0, recover_every=0, increase=0.25), min_span=5.0)
    assert math.isinf(limiter.requests_per_minute)

    async def go() -> None:
        for _ in range(20):
            await limiter.acquire(body())
        limiter.throttled(retry_after=0)
        # 20 requests within the minimum span of 5 s: 240/min observed, halved
        assert limiter.requests_per_minute == pytest.approx(120)
        assert limiter.tokens_per_minute < math.inf
        for _ in range(2):
            await limiter.acquire(body())
            limiter.record(5)
        assert limiter.factor == 1.0
        assert math.isinf(limiter.requests_per_minute) and math.isinf(limiter.tokens_per_minute)

    asyncio.run(go())


def test_settings_give_remote_endpoints_their_budgets_and_the_embedded_model_an_unlimited_limiter(fake, settings_for):
    limiter = RateLimiter.for_settings(settings_for(fake, requests_per_minute=30, tokens_per_minute=1000,
                                                    max_retry_seconds=45))
    assert limiter.requests_per_minute == pytest.approx(30) and limiter.tokens_per_minute == pytest.approx(1000)
    assert limiter.max_pause == 45  # a pause is never longer than a call's retry budget
    embedded = RateLimiter.for_settings(load_settings(None))  # no key, no URL: the embedded model
    assert math.isinf(embedded.requests_per_minute) and math.isinf(embedded.tokens_per_minute)
    with pytest.raises(ValueError):
        RateLimiter(requests_per_minute=-1)


# ------------------------------------------------------------------ against the fake server
def test_a_429_from_the_server_holds_other_calls_until_the_pause_ends(fake, settings_for):
    arrivals: list[tuple[float, str]] = []
    lock = threading.Lock()

    def responder(request: dict) -> str:
        with lock:
            arrivals.append((time.monotonic(), request["messages"][-1]["content"]))
        return schema_responder(request)

    fake.responder = responder
    fake.script.append({"status": 429})  # no Retry-After: the limiter's default pause applies
    limiter = RateLimiter(default_pause=1.0)

    async def go():
        async with connect(settings_for(fake), limiter=limiter) as llm:
            first = asyncio.ensure_future(llm.run(call(1)))
            deadline = time.monotonic() + 10
            while limiter.stats.throttles == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert limiter.stats.throttles == 1
            pause_ends = limiter.paused_until
            second = await llm.run(call(2))
            return pause_ends, await first, second

    pause_ends, first, second = asyncio.run(go())
    assert first.value.answer and second.value.answer
    second_arrived = next(t for t, text in arrivals if text == "question 2")
    assert second_arrived >= pause_ends - 0.02  # nobody was sent while the pause held
    assert limiter.factor == 0.5 and limiter.stats.decreases == 1
    assert math.isinf(limiter.requests_per_minute)  # one request is no rate to learn a limit from
    assert limiter.stats.tokens_used > 0  # replies were recorded


def test_configured_budget_paces_real_calls(fake, settings_for):
    limiter = RateLimiter(requests_per_minute=600, window=1.0)

    async def go() -> float:
        async with connect(settings_for(fake, concurrency=16), limiter=limiter) as llm:
            started = time.monotonic()
            await asyncio.gather(*(llm.run(call(n)) for n in range(25)))
            return time.monotonic() - started

    elapsed = asyncio.run(go())
    assert len(fake.chat_requests) == 25
    assert 1.4 <= elapsed < 30
