"""The LLM seam against a real local HTTP server: fallbacks, re-asks, retries, cache."""

from __future__ import annotations

import json

import pytest

from summarizer.errors import ModelError
from summarizer.llm.client import Truncated, extract_json, retry_after, strip_think

from .llm_calls import GOOD, Answer, call, run


def fmt_types(server):
    return [(r["body"].get("response_format") or {}).get("type") for r in server.chat_requests]


def test_json_schema_then_json_object_then_prompted_and_remembered(fake, settings_for):
    fake.responder = lambda body: GOOD
    fake.reject = {"json_schema", "json_object"}
    settings = settings_for(fake)
    (result,), stats = run(settings, call())
    assert result.value == Answer(answer="ok", count=3)
    assert fmt_types(fake) == ["json_schema", "json_object", None]
    prompted = fake.chat_requests[-1]["body"]["messages"][0]["content"]
    assert "JSON Schema" in prompted and '"count"' in prompted  # schema travels in the prompt
    assert stats.fallbacks == ["json_schema->json_object", "json_object->prompted"]
    # a new run (new process state) starts with what worked last time: no rejected requests
    fake.requests.clear()
    run(settings, call(messages=[{"role": "user", "content": "another"}]))
    assert fmt_types(fake) == [None]


def test_llama_style_500_on_json_schema_falls_back_without_retrying(fake, settings_for):
    fake.responder = lambda body: GOOD
    fake.reject = {"json_schema"}  # like llama.cpp: HTTP 500 "Input should be 'text' or 'json_object'"
    (result,), stats = run(settings_for(fake), call())
    assert fmt_types(fake) == ["json_schema", "json_object"]
    assert stats.retries == 0
    assert fake.chat_requests[1]["body"]["response_format"]["schema"]["required"] == ["answer", "count"]


def test_prompted_mode_extracts_json_from_fenced_block(fake, settings_for):
    fake.reject = {"json_schema", "json_object"}
    fake.responder = lambda body: f"Sure! Here it is:\n```json\n{GOOD}\n```\nAnything else?"
    (result,), _ = run(settings_for(fake), call())
    assert result.value.count == 3


def test_validation_error_is_reasked_once_with_the_errors(fake, settings_for):
    fake.script.extend([{"content": json.dumps({"answer": "ok", "count": "three"})}, {"content": GOOD}])
    (result,), stats = run(settings_for(fake), call())
    assert result.value.count == 3 and result.calls == 2 and stats.reasks == 1
    reask = fake.chat_requests[1]["body"]["messages"]
    assert reask[-2]["role"] == "assistant" and "three" in reask[-2]["content"]
    assert "count" in reask[-1]["content"] and "not valid" in reask[-1]["content"]


def test_second_validation_failure_is_reported(fake, settings_for):
    fake.script.extend([{"content": "{}"}, {"content": '{"answer": 1}'}])
    with pytest.raises(ModelError) as err:
        run(settings_for(fake), call())
    assert err.value.kind == "schema_violation" and len(fake.chat_requests) == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transient_http_errors_are_retried(fake, settings_for, status):
    fake.script.extend([{"status": status, "headers": {"Retry-After": "0"}}] * 2)
    fake.responder = lambda body: GOOD
    (result,), stats = run(settings_for(fake), call())
    assert result.value.answer == "ok"
    assert len(fake.chat_requests) == 3 and stats.retries == 2


def test_retry_after_is_honoured(fake, settings_for):
    import time

    fake.script.append({"status": 429, "headers": {"Retry-After": "1.5"}})
    fake.responder = lambda body: GOOD
    started = time.monotonic()
    run(settings_for(fake), call())
    assert time.monotonic() - started >= 1.4


def test_retry_budget_is_bounded(fake, settings_for):
    fake.script.extend([{"status": 503, "headers": {"Retry-After": "0"}}] * 10)
    with pytest.raises(ModelError) as err:
        run(settings_for(fake, max_attempts=3), call())
    assert "503" in str(err.value) and len(fake.chat_requests) == 3


def test_non_transient_error_is_not_retried(fake, settings_for):
    fake.reject = set()
    fake.script.append({"status": 401, "message": "bad key"})
    with pytest.raises(ModelError) as err:
        run(settings_for(fake), call())
    assert "401" in str(err.value) and len(fake.chat_requests) == 1


def test_cache_hit_on_rerun_sends_nothing(fake, settings_for):
    fake.responder = lambda body: GOOD
    settings = settings_for(fake)
    (first,), _ = run(settings, call())
    n = len(fake.chat_requests)
    (second,), stats = run(settings, call())
    assert len(fake.chat_requests) == n and second.cached and stats.cache_hits == 1
    assert second.value == first.value
    # a different epoch (eval --repeat) or different messages miss the cache
    run(settings, call(epoch=1))
    assert len(fake.chat_requests) == n + 1


def test_no_cache_setting_always_calls(fake, settings_for):
    fake.responder = lambda body: GOOD
    settings = settings_for(fake, use_cache=False)
    run(settings, call())
    run(settings, call())
    assert len(fake.chat_requests) == 2


def test_think_preamble_is_stripped(fake, settings_for):
    fake.script.append({"think": "Let me think about {json} here...", "content": GOOD})
    (result,), _ = run(settings_for(fake), call())
    assert result.value.count == 3
    assert strip_think("<think>x</think>\n{}") == "{}"
    assert extract_json("noise {\"a\": 1} trailing") == '{"a": 1}'


def test_truncated_reply_is_retried_with_a_bigger_budget(fake, settings_for):
    fake.script.extend([{"content": '{"answer": "o', "finish_reason": "length"}, {"content": GOOD}])
    (result,), _ = run(settings_for(fake), call(max_tokens=40))
    assert result.value.count == 3
    assert [r["body"]["max_tokens"] for r in fake.chat_requests] == [40, 80]


def test_truncated_twice_raises_truncated(fake, settings_for):
    fake.script.extend([{"content": '{"a', "finish_reason": "length"}] * 2)
    with pytest.raises(Truncated):
        run(settings_for(fake), call())


def test_empty_content_is_retried(fake, settings_for):
    fake.script.extend([{"content": ""}, {"content": GOOD}])
    (result,), stats = run(settings_for(fake), call())
    assert result.value.count == 3 and stats.retries == 1


def test_refusal_is_reported_not_retried(fake, settings_for):
    fake.script.append({"refusal": "I can't help with that."})
    with pytest.raises(ModelError) as err:
        run(settings_for(fake), call())
    assert err.value.kind == "refusal" and len(fake.chat_requests) == 1


def test_connection_reset_is_retried(fake, settings_for):
    fake.script.append({"reset": True})
    fake.responder = lambda body: GOOD
    (result,), stats = run(settings_for(fake), call())
    assert result.value.count == 3 and stats.retries == 1


def test_hung_request_times_out_and_is_retried(fake, settings_for):
    fake.script.append({"delay": 3})
    fake.responder = lambda body: GOOD
    (result,), stats = run(settings_for(fake, timeout=1.0), call())
    assert result.value.count == 3 and stats.retries == 1


def test_retry_after_parsing():
    class R:
        def __init__(self, headers):
            self.headers = headers

    class E:
        def __init__(self, headers):
            self.response = R(headers)

    assert retry_after(E({"retry-after": "7"})) == 7
    assert retry_after(E({"retry-after-ms": "1500"})) == 1.5
    assert retry_after(E({})) is None
    assert 0 <= retry_after(E({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) <= 1


def grammar_llm(fake, settings_for):
    """An LLM whose endpoint is known to enforce the ``schema`` extension (as the embedded server)."""
    from summarizer.llm.cache import Store
    from summarizer.llm.client import LLM, Endpoint, Mode

    settings = settings_for(fake)
    endpoint = Endpoint(base_url=fake.base_url, model="fake-model", name=fake.base_url, preferred_mode=Mode.GRAMMAR)
    return LLM(endpoint, Store(settings.db_path)), settings


def test_grammar_mode_sends_the_schema_for_the_grammar_and_keeps_it_out_of_the_prompt(fake, settings_for):
    import asyncio

    fake.responder = lambda body: GOOD
    llm, _ = grammar_llm(fake, settings_for)

    async def go():
        try:
            return await llm.run(call()), await llm.run(call(messages=[{"role": "system", "content": "sys"},
                                                                      {"role": "user", "content": "other"}]))
        finally:
            await llm.aclose()

    first, _ = asyncio.run(go())
    assert first.value == Answer(answer="ok", count=3)
    assert fmt_types(fake) == ["json_object", "json_object"]
    assert fake.chat_requests[0]["body"]["response_format"]["schema"]["required"] == ["answer", "count"]
    systems = [r["body"]["messages"][0]["content"] for r in fake.chat_requests]
    assert systems == ["sys", "sys"]  # the static system message, the prefix every call shares


def test_grammar_mode_rejected_falls_back_to_the_schema_in_the_prompt_and_is_remembered_apart(fake, settings_for):
    import asyncio

    from summarizer.llm.cache import Store

    fake.responder = lambda body: GOOD
    fake.reject = {"json_object"}
    llm, settings = grammar_llm(fake, settings_for)

    async def go():
        try:
            return await llm.run(call())
        finally:
            await llm.aclose()

    assert asyncio.run(go()).value.count == 3
    assert fmt_types(fake) == ["json_object", None]
    assert "JSON Schema" in fake.chat_requests[-1]["body"]["messages"][0]["content"]
    store = Store(settings.db_path)
    # learnt starting from grammar; what the same endpoint learnt from json_schema is kept apart
    assert store.mode(f"{fake.base_url} (from grammar)", "fake-model") == "prompted"
    assert store.mode(fake.base_url, "fake-model") is None
