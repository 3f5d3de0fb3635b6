"""Run the pipeline without asking a model: dry runs, Batch API preparation and collection.

:class:`OfflineRunner` is a :class:`summarizer.runners.Runner` for one report:

- a call whose reply is cached is answered from the cache (the same keys as the online path);
- a call whose reply came back from a batch (``results``, by cache key) is validated with the
  call's own output model, like an online reply; a valid one is stored in the cache, an
  invalid one is recorded in ``failures``;
- any other call gets a schema-valid stand-in (:mod:`.synthetic`) so the pipeline can go on
  and show the rest of its plan. Every string of a stand-in carries the runner's ``marker``:
  a later call whose messages contain it was built on a stand-in (step N+1 reading step N's
  output) and cannot be sent until step N's real reply is in.

After the pipeline ran, ``calls`` lists every call the report needs (the dry run counts
them), ``requests`` those that can be sent now (one batch round), ``complete`` says whether
the report was built from real replies only.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any, Mapping

from pydantic import ValidationError

from ..config import EMBEDDED, Settings
from ..errors import ModelError
from ..llm.cache import Store
from ..llm.client import (
    LLM,
    Call,
    EmptyReply,
    Endpoint,
    MalformedReply,
    Mode,
    Result,
    extract_json,
    read_completion,
    short_errors,
)
from ..llm.limits import prompt_tokens
from .synthetic import reply_for

log = logging.getLogger(__name__)


def offline_llm(settings: Settings, store: Store | None = None) -> LLM:
    """An :class:`LLM` for the configured endpoint that is never asked anything.

    It gives cache keys, cached replies and request bodies exactly as the online client for
    the same settings would; the embedded server is not started, and no key is needed.
    """
    if store is None:
        try:
            store = Store(settings.db_path)
        except (sqlite3.Error, OSError) as exc:  # as connect(): an unreadable cache only means no cache
            log.warning("cannot open the response cache %s (%s); planning without it", settings.db_path, exc)
    if settings.is_embedded:
        endpoint = Endpoint(base_url="http://127.0.0.1:9/v1", model=settings.model_name, name=EMBEDDED,
                            preferred_mode=Mode.GRAMMAR)
    else:
        endpoint = Endpoint(base_url=settings.base_url, model=settings.model_name, name=settings.base_url)
    return LLM(endpoint, store, use_cache=settings.use_cache, max_in_flight=1)


def structured_mode(llm: LLM, override: Mode | str | None = None) -> Mode:
    """The structured-output mode requests are written for: given, remembered for the endpoint, or preferred."""
    if override:
        return Mode(override)
    return llm._mode()  # remembered per endpoint+model, else the endpoint's preference, else json_schema


@dataclass
class Planned:
    """One call the pipeline made for a report."""

    custom_id: str
    key: str
    step: str
    prompt_ref: str
    body: dict[str, Any]
    prompt_tokens: int
    max_tokens: int
    cached: bool = False
    waits: bool = False  # its messages carry a stand-in: it can only be sent in a later round


@dataclass
class ReplyCheck:
    """A batch output line judged against the call it answers."""

    result: Result | None
    reason: str | None = None


def check_reply(call: Call, line: Mapping[str, Any]) -> ReplyCheck:
    """Validate one Batch API output line (``{"custom_id", "response": {"status_code", "body"}, "error"}``)."""
    error = line.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        return ReplyCheck(None, f"request failed: {message}")
    response = line.get("response") or {}
    if "choices" in response and "body" not in response:  # some writers put the completion itself here
        response = {"status_code": 200, "body": response}
    status = response.get("status_code")
    body = response.get("body") or {}
    if status != 200:
        detail = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else body.get("error")
        return ReplyCheck(None, f"HTTP {status}: {detail or 'no detail'}")
    try:
        content, finish, usage = read_completion(body)
    except (EmptyReply, MalformedReply, ModelError) as exc:
        return ReplyCheck(None, str(exc))
    if finish == "length":
        return ReplyCheck(None, f"reply cut off at max_tokens={call.max_tokens} (online, `summarizer brief` "
                                "retries it with a bigger budget and splits the input)")
    try:
        value = call.output.model_validate_json(extract_json(content))
    except ValidationError as exc:
        return ReplyCheck(None, f"reply does not fit the schema: {short_errors(exc)}")
    return ReplyCheck(Result(value=value, content=value.model_dump_json(),
                             prompt_tokens=int(usage.get("prompt_tokens") or 0),
                             completion_tokens=int(usage.get("completion_tokens") or 0),
                             seconds=0.0, cached=False, calls=1))


class OfflineRunner:
    """A pipeline Runner for one report that never calls a model (see the module docstring)."""

    def __init__(self, llm: LLM, *, mode: Mode | None = None, results: Mapping[str, Mapping] | None = None):
        self.llm = llm
        self.mode = mode or structured_mode(llm)
        self.results = results or {}
        self.marker = f"zz{secrets.token_hex(4)}"
        self.calls: list[Planned] = []
        self.failures: list[tuple[str, str]] = []  # (custom_id, reason) of batch replies that did not validate
        self.stored = 0  # batch replies validated and cached
        self.stand_ins = 0

    @property
    def requests(self) -> list[Planned]:
        """Calls that can be sent now: not cached, and built from real replies only."""
        return [c for c in self.calls if not c.cached and not c.waits]

    @property
    def complete(self) -> bool:
        """Every reply the report needed was real (cached or collected)."""
        return self.stand_ins == 0

    async def run(self, call: Call) -> Result:
        key = self.llm.key(call)
        hit = self.llm.cached(call, key)
        if hit is not None:
            self.calls.append(self._planned(call, key, cached=True))
            return hit
        line = self.results.get(key)
        if line is not None:
            checked = check_reply(call, line)
            if checked.result is not None:
                self._store(call, key, checked.result)
                self.stored += 1
                return checked.result
            self.failures.append((call.custom_id, checked.reason or "invalid reply"))
            return self._stand_in(call)
        waits = any(self.marker in (m.get("content") or "") for m in call.messages)
        self.calls.append(self._planned(call, key, waits=waits))
        return self._stand_in(call)

    # ---- helpers
    def _planned(self, call: Call, key: str, *, cached: bool = False, waits: bool = False) -> Planned:
        body = self.llm.request_body(call, self.mode)
        return Planned(custom_id=call.custom_id, key=key, step=call.step, prompt_ref=call.prompt_ref, body=body,
                       prompt_tokens=prompt_tokens(body), max_tokens=call.max_tokens, cached=cached, waits=waits)

    def _stand_in(self, call: Call) -> Result:
        self.stand_ins += 1
        try:
            value = reply_for(call.output, call.messages, self.marker)
        except ValidationError as exc:  # a schema the generator cannot satisfy: a bug, say where
            raise ModelError(f"{call.step}: cannot make a stand-in reply for the plan: {exc}",
                             kind="stand_in") from None
        return Result(value=value, content=value.model_dump_json(), prompt_tokens=0, completion_tokens=0,
                      seconds=0.0, cached=False, calls=0)

    def _store(self, call: Call, key: str, result: Result) -> None:
        store = self.llm.store
        if store is None:
            return
        store.put(key, endpoint=self.llm.endpoint.name, model=self.llm.endpoint.model, prompt=call.prompt_ref,
                  step=call.step, content=result.content, prompt_tokens=result.prompt_tokens,
                  completion_tokens=result.completion_tokens, seconds=result.seconds)


def jsonl_line(request: Planned) -> str:
    """One Batch API input line (OpenAI and vLLM ``run_batch`` read the same format)."""
    return json.dumps({"custom_id": request.custom_id, "method": "POST", "url": "/v1/chat/completions",
                       "body": request.body}, ensure_ascii=False)


__all__ = ["OfflineRunner", "Planned", "ReplyCheck", "check_reply", "jsonl_line", "offline_llm",
           "structured_mode"]
