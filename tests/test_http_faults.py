"""Every HTTP-level oddity a real proxy, gateway or server produces, by kind, against the real client.

Each kind is tried twice: once followed by a good reply (a transient fault must be retried and the
call must succeed) and once for every attempt (the call must end as a ModelError of a named kind with
a one-line reason, never as an internal error). Kinds that must not be retried (a request the
endpoint will always refuse) end at the first attempt.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from summarizer.errors import ModelError
from summarizer.llm import connect

from .llm_calls import GOOD, call, run

HTML = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>" \
       b"<hr><center>nginx</center></body></html>"

# name -> (behaviour, the ModelError kind when it never stops)
TRANSIENT = {
    "200 with a proxy's HTML page": ({"status": 200, "headers": {"Content-Type": "text/html"}, "body": HTML},
                                     "malformed_reply"),
    "200 with plain text": ({"status": 200, "headers": {"Content-Type": "text/plain"}, "body": b"upstream timed out"},
                            "malformed_reply"),
    "200 with JSON cut off mid-body": ({"status": 200, "body": b'{"id": "chatcmpl-1", "choices": [{"index": 0, "mes'},
                                       "malformed_reply"),
    "200 with an empty body": ({"status": 200, "body": b""}, "malformed_reply"),
    "200 with an error object and no choices": ({"status": 200, "body": {"error": {"message": "overloaded"}}},
                                                "empty_reply"),
    "200 with an empty choices list": ({"status": 200, "body": {"id": "x", "object": "chat.completion",
                                                                 "created": 0, "model": "m", "choices": []}},
                                       "empty_reply"),
    "200 with null content": ({"content": None}, "empty_reply"),
    "502 with an HTML page": ({"status": 502, "headers": {"Content-Type": "text/html"}, "body": HTML}, "http_502"),
    "503 with no body": ({"status": 503, "body": b""}, "http_503"),
    "504 gateway timeout": ({"status": 504, "headers": {"Content-Type": "text/html"}, "body": b"<h1>504</h1>"},
                            "http_504"),
    "500 JSON error": ({"status": 500}, "http_500"),
    "408 request timeout": ({"status": 408}, "http_408"),
    "425 too early": ({"status": 425}, "http_425"),
    "429 with Retry-After in seconds": ({"status": 429, "headers": {"Retry-After": "0"}}, "http_429"),
    "429 with Retry-After as a past HTTP date": (
        {"status": 429, "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}}, "http_429"),
    "429 with a Retry-After that is no number or date": (
        {"status": 429, "headers": {"Retry-After": "soon, please"}}, "http_429"),
    "429 with a negative Retry-After": ({"status": 429, "headers": {"Retry-After": "-5"}}, "http_429"),
    "429 with retry-after-ms": ({"status": 429, "headers": {"retry-after-ms": "10"}}, "http_429"),
    "connection reset mid-body": ({"reset": True}, "connection"),
}

PERMANENT = {
    "400 bad request": ({"status": 400, "message": "max_tokens is too large"}, "http_400"),
    "401 unauthorized": ({"status": 401, "message": "Incorrect API key provided"}, "http_401"),
    "403 forbidden": ({"status": 403, "message": "country not supported"}, "http_403"),
    "404 unknown model": ({"status": 404, "message": "The model `x` does not exist"}, "http_404"),
    "413 payload too large": ({"status": 413, "headers": {"Content-Type": "text/html"}, "body": HTML}, "http_413"),
    "422 unprocessable": ({"status": 422, "message": "messages: field required"}, "http_422"),
}


@pytest.mark.parametrize("name", sorted(TRANSIENT))
def test_a_transient_fault_is_retried_and_the_call_succeeds(name, fake, settings_for):
    behaviour, _ = TRANSIENT[name]
    fake.script.extend([dict(behaviour), {"content": GOOD}])
    (result,), stats = run(settings_for(fake, max_attempts=3, max_retry_seconds=20), call())
    assert result.value.count == 3
    assert stats.retries == 1 and len(fake.chat_requests) == 2


@pytest.mark.parametrize("name", sorted(TRANSIENT))
def test_a_fault_that_never_stops_ends_as_a_named_model_error(name, fake, settings_for):
    behaviour, kind = TRANSIENT[name]
    fake.script.extend([dict(behaviour) for _ in range(3)])
    with pytest.raises(ModelError) as err:
        run(settings_for(fake, max_attempts=3, max_retry_seconds=20), call())
    assert err.value.kind == kind, str(err.value)
    message = str(err.value)
    assert "\n" not in message and "after 3 attempts" in message and "Traceback" not in message
    assert len(fake.chat_requests) == 3


@pytest.mark.parametrize("name", sorted(PERMANENT))
def test_a_request_the_endpoint_always_refuses_is_not_retried(name, fake, settings_for):
    behaviour, kind = PERMANENT[name]
    fake.script.extend([dict(behaviour) for _ in range(3)])
    with pytest.raises(ModelError) as err:
        run(settings_for(fake, max_attempts=3, max_retry_seconds=20), call())
    assert err.value.kind == kind and "\n" not in str(err.value)
    assert len(fake.chat_requests) == 1


def test_an_absurd_retry_after_fails_its_call_at_once_and_holds_no_other_call(fake, settings_for):
    """One 429 asking for a day must not stall the rest of the batch (it used to, for up to 10 minutes)."""
    fake.script.append({"status": 429, "headers": {"Retry-After": "86400"}})
    settings = settings_for(fake, max_attempts=6, max_retry_seconds=30, concurrency=2)

    async def go():
        async with connect(settings) as llm:
            started = time.monotonic()
            first = asyncio.ensure_future(llm.run(call(messages=[{"role": "user", "content": "one"}])))
            await asyncio.sleep(0.2)  # the 429 has arrived
            second = await llm.run(call(messages=[{"role": "user", "content": "two"}]))
            return first, second, time.monotonic() - started

    first, second, seconds = asyncio.run(go())
    assert second.value.answer and seconds < 5
    with pytest.raises(ModelError) as err:
        first.result()
    assert err.value.kind == "http_429" and "after 1 attempt" in str(err.value)


def test_a_retry_after_within_the_budget_holds_the_other_calls(fake, settings_for):
    fake.script.append({"status": 429, "headers": {"Retry-After": "1"}})
    settings = settings_for(fake, max_attempts=6, max_retry_seconds=30, concurrency=2)

    async def go():
        async with connect(settings) as llm:
            first = asyncio.ensure_future(llm.run(call(messages=[{"role": "user", "content": "one"}])))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            second = await llm.run(call(messages=[{"role": "user", "content": "two"}]))
            return await first, second, time.monotonic() - started

    first, second, waited = asyncio.run(go())
    assert first.value.answer and second.value.answer
    assert waited >= 0.6  # the second call waited out the first one's Retry-After


def test_an_oversized_reply_body_is_an_endpoint_fault(fake, settings_for):
    huge = '{"answer": "' + "x" * 300_000 + '", "count": 3}'
    fake.script.extend([{"content": huge}, {"content": GOOD}])
    (result,), stats = run(settings_for(fake, max_attempts=3), call())
    assert result.value.answer == "ok" and stats.retries == 1
