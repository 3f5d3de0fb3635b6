"""The one seam to a model: an OpenAI-compatible chat-completions endpoint.

- The openai SDK sends requests (its own retries off); tenacity retries transient
  failures (429 honouring Retry-After, 5xx, timeouts, connection errors, empty replies,
  replies that are not a chat completion at all, such as a proxy's HTML error page)
  with exponential backoff and jitter, within a per-call attempt and time budget
  (:class:`Budget`: attempts, seconds per attempt, seconds for the whole call). A
  Retry-After also pauses every other call on the same client (the rate limiter owns that
  pause), so concurrent reports do not stampede a rate-limited endpoint.
- Structured output strategies are a table (:data:`MODES`), tried in order
  json_schema -> json_object (+ llama.cpp's ``schema`` extension, the schema also shown in
  the prompt) -> schema in the prompt with JSON taken from the reply; the first that works is
  remembered per endpoint+model. An endpoint known to enforce the ``schema`` extension (the
  embedded llama.cpp server) starts at ``grammar``: the same request without the schema in the
  prompt, so every call of a report shares the static system message as its prefix.
- Replies are validated with pydantic; an invalid reply is re-asked once with the errors.
- ``<think>...</think>`` preambles are stripped. A reply cut off by ``max_tokens`` is
  retried once with twice the budget, then reported as :class:`Truncated`.
- Validated replies are cached in SQLite, keyed on everything that changes the answer.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import json
import logging
import re
import sqlite3
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

import openai
from openai.lib._pydantic import to_strict_json_schema
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_random_exponential

from ..chunk import count_tokens
from ..errors import ModelError, redact
from .cache import Store, cache_key

log = logging.getLogger(__name__)


class Mode(str, Enum):
    JSON_SCHEMA = "json_schema"
    GRAMMAR = "grammar"  # json_object + schema, enforced by the endpoint's grammar: not repeated in the prompt
    JSON_OBJECT = "json_object"
    PROMPTED = "prompted"


MODES = [Mode.JSON_SCHEMA, Mode.JSON_OBJECT, Mode.PROMPTED]  # the order an unknown endpoint is tried in
# what to try when an endpoint rejects a mode (grammar and json_object send the same response_format);
# grammar is never guessed, only preferred (Endpoint)
FALLBACK = {Mode.JSON_SCHEMA: Mode.JSON_OBJECT, Mode.GRAMMAR: Mode.PROMPTED, Mode.JSON_OBJECT: Mode.PROMPTED,
            Mode.PROMPTED: None}

MAX_REPLY_CHARS = 100_000  # a step's reply is bounded by its max_tokens (at most a few thousand tokens)

_SCHEMA_NOTE = (
    "Reply with one JSON object and nothing else. It must validate against this JSON Schema:\n{schema}"
)


def response_format(mode: Mode, output: type[BaseModel]) -> dict | None:
    """The ``response_format`` request field for each strategy (None: not sent)."""
    if mode is Mode.JSON_SCHEMA:
        return {"type": "json_schema",
                "json_schema": {"name": output.__name__, "schema": to_strict_json_schema(output), "strict": True}}
    if mode in (Mode.JSON_OBJECT, Mode.GRAMMAR):
        return {"type": "json_object", "schema": output.model_json_schema()}
    return None


def schema_in_prompt(mode: Mode) -> bool:
    return mode in (Mode.JSON_OBJECT, Mode.PROMPTED)


# ------------------------------------------------------------------ errors
class EmptyReply(Exception):
    """The endpoint answered 200 with no content (a glitch worth retrying)."""


class MalformedReply(Exception):
    """The endpoint answered 200 with a body that is not a chat completion (a proxy's or gateway's
    error page, a truncated or non-JSON body): an endpoint fault worth retrying, not a tool bug."""


class AttemptTimeout(Exception):
    """One attempt got no complete reply within ``Budget.timeout`` (a hung or trickling server)."""


class Truncated(ModelError):
    """The reply hit ``max_tokens`` even with a doubled budget: split the input."""

    def __init__(self, message: str):
        super().__init__(message, kind="truncated")


class Unsupported(Exception):
    """The endpoint rejected a structured-output strategy."""


_REJECTION = re.compile(r"response_format|json_schema|json_object|schema|grammar|structured", re.IGNORECASE)
_REJECTION_4XX = re.compile(_REJECTION.pattern + r"|json", re.IGNORECASE)


def _is_rejection(exc: Exception) -> bool:
    """Did the server refuse the structured-output request itself (so another strategy may work)?

    A 400 about something else (max_tokens too large, context too long, a wrong model name)
    is not a rejection: falling back would only repeat it under every strategy.
    """
    if not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code in (415, 501):
        return True
    if exc.status_code in (400, 404, 422):
        return bool(_REJECTION_4XX.search(str(exc.message)))
    return exc.status_code >= 500 and bool(_REJECTION.search(str(exc.message)))


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APIConnectionError, EmptyReply, MalformedReply, AttemptTimeout)):
        return True
    if isinstance(exc, openai.APIStatusError):
        if _is_rejection(exc):
            return False
        return exc.status_code in (408, 409, 425, 429) or exc.status_code >= 500
    return False


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if it did and said it in a
    form HTTP allows (seconds, or an HTTP date); anything else counts as no header."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = (headers.get(name) or "").strip()
        if not value:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError, OverflowError):
                continue
            if when is None:
                continue
            if when.tzinfo is None:  # an HTTP date without a zone is GMT
                when = when.replace(tzinfo=datetime.timezone.utc)
            seconds = when.timestamp() - time.time()
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # nan, inf
            continue
        return max(seconds, 0.0)
    return None


class stop_before_budget(stop_base):
    """Do not start a wait that would end past the call's retry budget.

    Like tenacity's ``stop_before_delay``, but time a request spent queued — for a free
    slot, a shared Retry-After pause or the rate limiter — is not charged to the call: the
    budget measures how long the endpoint keeps failing this call, not how busy the batch is.
    """

    def __init__(self, max_delay: float, queued: list[float]):
        self.max_delay = max_delay
        self.queued = queued  # [seconds], updated by _send

    def __call__(self, retry_state: RetryCallState) -> bool:
        busy = (retry_state.seconds_since_start or 0.0) - self.queued[0]
        return busy + (retry_state.upcoming_sleep or 0.0) >= self.max_delay


class wait_retry_after(wait_base):
    """Honour the server's Retry-After (capped); otherwise the fallback backoff."""

    def __init__(self, fallback: wait_base, cap: float):
        self.fallback = fallback
        self.cap = cap

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after(exc)
        return min(asked, self.cap) if asked is not None else self.fallback(retry_state)


# ------------------------------------------------------------------ reply parsing
_THINK = re.compile(r"<think>.*?</think>\s*|^.*?</think>\s*", re.DOTALL)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def read_completion(body: Any, scrub: Callable[[str], str] = lambda text: text) -> tuple[str, str | None, dict]:
    """(content, finish_reason, usage) of a chat-completion body (a dict); raises what is wrong with it:
    :class:`EmptyReply`, :class:`MalformedReply`, or a ``refusal`` :class:`ModelError`. The one reading of a
    reply, for the online client and for Batch API output lines alike; a reply cut at ``max_tokens``
    (``finish_reason == "length"``) is returned, its caller decides."""
    if not isinstance(body, dict) or not isinstance(body.get("choices") or [], list):
        raise MalformedReply("the body is not a chat completion")
    choices = body.get("choices") or []
    if not choices:
        raise EmptyReply("reply has no choices")
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    if message.get("refusal"):
        raise ModelError(scrub(f"the model refused: {_one_line(message['refusal'])}"), kind="refusal")
    content = message.get("content") or ""
    if not isinstance(content, str):
        raise MalformedReply("the reply content is not text")
    if len(content) > MAX_REPLY_CHARS:  # no step asks for this much: a runaway or hostile server
        raise MalformedReply(f"the reply is {len(content):,} characters, over the {MAX_REPLY_CHARS:,} any step can need")
    finish = choice.get("finish_reason")
    if finish == "content_filter":
        raise ModelError("the endpoint's content filter withheld the reply", kind="refusal")
    if not content.strip() and finish != "length":
        raise EmptyReply("reply content is empty")
    return content, finish, body.get("usage") or {}


def strip_think(text: str) -> str:
    return _THINK.sub("", text, count=1) if "</think>" in text else text


def extract_json(text: str) -> str:
    """The JSON object in a reply: the whole reply, a fenced block, or the first {...}."""
    text = strip_think(text).strip()
    if text.startswith("{"):
        return text
    fenced = _FENCE.search(text)
    if fenced and fenced.group(1).strip().startswith("{"):
        return fenced.group(1).strip()
    start = text.find("{")
    if start >= 0:
        try:
            _, end = json.JSONDecoder().raw_decode(text, start)
            return text[start:end]
        except json.JSONDecodeError:
            return text[start:]
    return text


# ------------------------------------------------------------------ the client
@dataclass
class Call:
    """One structured request, independent of how it is sent (online or via a batch file)."""

    step: str
    messages: list[dict[str, str]]
    output: type[BaseModel]
    temperature: float = 0.0
    max_tokens: int = 2048
    prompt_ref: str = ""  # name@vN:sha256 — part of the cache key
    epoch: int = 0  # repeats of the same call (eval --repeat) get their own cache entries
    custom_id: str = ""


@dataclass
class Result:
    value: BaseModel
    content: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cached: bool
    calls: int = 1  # HTTP calls that returned a reply (re-asks and bigger-budget retries add to it)
    retries: int = 0


@dataclass
class Endpoint:
    base_url: str | None  # where requests go (None until ``start`` has run)
    model: str
    name: str  # how outputs and cache keys name it ('embedded' for the bundled model)
    api_key: str | None = field(default=None, repr=False)  # never in a repr, a log or a traceback
    preferred_mode: Mode | None = None
    start: Callable[[], str] | None = field(default=None, repr=False)  # brings the endpoint up; returns base_url


@dataclass
class Budget:
    """How hard one call tries: ``max_attempts`` requests of at most ``timeout`` seconds each,
    all within ``max_retry_seconds`` from the first (a wait that would end later is not started)."""

    timeout: float = 600.0
    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    backoff_max: float = 60.0


@dataclass
class Stats:
    calls: int = 0
    retries: int = 0
    cache_hits: int = 0
    reasks: int = 0
    widened: int = 0  # replies cut at max_tokens, asked again with twice the budget
    fallbacks: list[str] = field(default_factory=list)
    # progress: calls the reports under way will make (as their steps declare), calls finished (answered
    # or from the cache), tokens the model wrote, and when the first request went out
    planned: int = 0
    done: int = 0
    completion_tokens: int = 0
    first_request: float | None = None

    def tokens_per_second(self) -> float:
        elapsed = time.monotonic() - self.first_request if self.first_request is not None else 0.0
        return self.completion_tokens / elapsed if elapsed > 0 else 0.0


class LLM:
    def __init__(self, endpoint: Endpoint, store: Store | None, budget: Budget | None = None,
                 use_cache: bool = True, limiter: Any | None = None,
                 on_retry: Callable[[str], None] | None = None, max_in_flight: int = 8):
        self.endpoint = endpoint
        self.store = store
        self.budget = budget or Budget()
        self.use_cache = use_cache and store is not None
        # the one owner of 429 pauses (and, for remote endpoints, of the rate budgets)
        self.limiter = limiter if limiter is not None else _default_limiter(self.budget)
        self.on_retry = on_retry
        self.stats = Stats()
        self._client: openai.AsyncOpenAI | None = None  # made on the first request (see _connection)
        self._connect_lock = asyncio.Lock()
        # never more requests in flight than the endpoint serves at once (llama.cpp: one)
        self._slots = asyncio.Semaphore(max(1, max_in_flight))

    def scrub(self, text: str) -> str:
        """Error text from a server may echo the key back: never let it out."""
        return redact(text, self.endpoint.api_key)

    async def _connection(self) -> openai.AsyncOpenAI:
        """The SDK client, made on first use. An endpoint with ``start`` (the embedded server) is
        started only now, so a run answered entirely from the cache never loads the model."""
        if self._client is None:
            async with self._connect_lock:
                if self._client is None:
                    if self.endpoint.base_url is None and self.endpoint.start is not None:
                        self.endpoint.base_url = await asyncio.to_thread(self.endpoint.start)
                    self._client = openai.AsyncOpenAI(
                        base_url=self.endpoint.base_url,
                        api_key=self.endpoint.api_key or "not-needed",  # local servers ignore it; the SDK needs one
                        max_retries=0,  # one retry layer only: tenacity, below
                        # the hard per-attempt deadline is ours (asyncio.timeout in _send); the SDK's is a backstop
                        timeout=self.budget.timeout + 5,
                    )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    # ---- structured-output mode memory
    def _memory(self) -> str:
        """Where the working mode is remembered: per endpoint, and per the mode it starts from (what
        was learnt starting elsewhere, e.g. before the embedded server started at grammar, does not apply)."""
        start = self.endpoint.preferred_mode
        return self.endpoint.name if start is None else f"{self.endpoint.name} (from {start.value})"

    def _mode(self) -> Mode:
        if self.store:
            try:
                remembered = self.store.mode(self._memory(), self.endpoint.model)
            except sqlite3.Error as exc:
                log.warning("cannot read %s (%s)", self.store.path, exc)
                remembered = None
            if remembered in {m.value for m in Mode}:
                return Mode(remembered)
        return self.endpoint.preferred_mode or MODES[0]

    def _remember(self, mode: Mode) -> None:
        if self.store:
            try:
                self.store.set_mode(self._memory(), self.endpoint.model, mode.value)
            except sqlite3.Error as exc:
                log.warning("cannot write %s (%s)", self.store.path, exc)

    def key(self, call: Call, mode: Mode | None = None) -> str:
        return cache_key({
            "endpoint": self.endpoint.name, "model": self.endpoint.model, "prompt": call.prompt_ref,
            "step": call.step, "messages": call.messages, "temperature": call.temperature,
            "max_tokens": call.max_tokens, "output": call.output.model_json_schema(), "epoch": call.epoch,
        })

    def _cache_failed(self, exc: sqlite3.Error) -> None:
        """The cache is an optimisation: if its database fails, carry on without it."""
        log.warning("response cache %s failed (%s); continuing without the cache", self.store.path, exc)
        self.use_cache = False

    # ---- public
    def cached(self, call: Call, key: str | None = None) -> Result | None:
        """The cached reply to ``call`` (``key``: its cache key, when the caller has it already)."""
        if not self.use_cache:
            return None
        try:
            hit = self.store.get(key or self.key(call))
        except sqlite3.Error as exc:
            self._cache_failed(exc)
            return None
        if hit is None:
            return None
        try:
            value = call.output.model_validate_json(hit.content)
        except ValidationError:
            return None  # the output model changed since: treat as a miss
        self.stats.cache_hits += 1
        return Result(value, hit.content, hit.prompt_tokens, hit.completion_tokens, 0.0, cached=True, calls=0)

    def expect(self, calls: int) -> None:
        """A report under way will make about ``calls`` calls (for progress)."""
        self.stats.planned += calls

    async def run(self, call: Call) -> Result:
        key = self.key(call)
        hit = self.cached(call, key)
        if hit:
            self.stats.done += 1
            return hit
        started = time.monotonic()
        if self.stats.first_request is None:
            self.stats.first_request = started
        mode = self._mode()
        while True:
            try:
                result = await self._run_mode(call, mode)
                break
            except Unsupported as exc:
                after = FALLBACK[mode]
                if after is None:
                    raise ModelError(f"the endpoint rejected every structured-output strategy: {exc}",
                                     kind="unsupported") from None
                log.info("%s rejected %s (%s); falling back to %s", self.endpoint.name, mode.value, exc, after.value)
                self.stats.fallbacks.append(f"{mode.value}->{after.value}")
                mode = after
        self._remember(mode)
        result.seconds = round(time.monotonic() - started, 3)
        self.stats.done += 1
        self.stats.completion_tokens += result.completion_tokens
        if self.use_cache:
            try:
                self.store.put(key, endpoint=self.endpoint.name, model=self.endpoint.model,
                               prompt=call.prompt_ref, step=call.step, content=result.content,
                               prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
                               seconds=result.seconds)
            except sqlite3.Error as exc:
                self._cache_failed(exc)
        return result

    # ---- one strategy: send, validate, re-ask once, widen max_tokens once
    def build_messages(self, call: Call, mode: Mode) -> list[dict[str, str]]:
        messages = [dict(m) for m in call.messages]
        if schema_in_prompt(mode):
            note = _SCHEMA_NOTE.format(schema=json.dumps(call.output.model_json_schema(), ensure_ascii=False))
            if messages and messages[0]["role"] == "system":
                messages[0]["content"] = f"{messages[0]['content']}\n\n{note}"
            else:
                messages.insert(0, {"role": "system", "content": note})
        return messages

    def request_body(self, call: Call, mode: Mode, messages: list[dict] | None = None,
                     max_tokens: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": messages if messages is not None else self.build_messages(call, mode),
            "temperature": call.temperature,
            "max_tokens": max_tokens or call.max_tokens,
        }
        fmt = response_format(mode, call.output)
        if fmt is not None:
            body["response_format"] = fmt
        return body

    async def _run_mode(self, call: Call, mode: Mode) -> Result:
        messages = self.build_messages(call, mode)
        max_tokens = call.max_tokens
        totals = Result(value=None, content="", prompt_tokens=0, completion_tokens=0, seconds=0.0, cached=False,
                        calls=0)
        widened = reasked = False
        while True:
            content, finish, usage, retries = await self._send(self.request_body(call, mode, messages, max_tokens))
            totals.calls += 1
            totals.retries += retries
            totals.prompt_tokens += usage[0]
            totals.completion_tokens += usage[1]
            if finish == "length":
                if not widened:
                    widened = True
                    self.stats.widened += 1
                    max_tokens *= 2
                    log.info("%s: reply cut at max_tokens; retrying with max_tokens=%d", call.step, max_tokens)
                    continue
                raise _with_usage(Truncated(f"{call.step}: reply still cut off at max_tokens={max_tokens}"), totals)
            text = extract_json(content)
            try:
                totals.value = call.output.model_validate_json(text)
                totals.content = totals.value.model_dump_json()
                return totals
            except ValidationError as exc:
                if reasked:
                    raise _with_usage(ModelError(f"{call.step}: reply does not fit the schema after a re-ask: "
                                                 f"{short_errors(exc)}", kind="schema_violation"), totals) from None
                reasked = True
                self.stats.reasks += 1
                log.info("%s: invalid reply (%s); re-asking once", call.step, short_errors(exc))
                messages = messages + [
                    {"role": "assistant", "content": content},
                    {"role": "user", "content": "That reply is not valid. Fix these errors and reply with the "
                                                f"corrected JSON object only:\n{short_errors(exc, 8)}"},
                ]

    async def _send(self, body: dict[str, Any]) -> tuple[str, str | None, tuple[int, int], int]:
        attempts = 0
        budget = self.budget
        queued = [0.0]
        retrying = AsyncRetrying(
            stop=stop_after_attempt(budget.max_attempts) | stop_before_budget(budget.max_retry_seconds, queued),
            wait=wait_retry_after(wait_random_exponential(multiplier=1, max=budget.backoff_max),
                                  cap=budget.max_retry_seconds),
            retry=retry_if_exception(is_transient),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    client = await self._connection()
                    try:
                        waiting = time.monotonic()
                        async with self._slots:
                            # pause and rate budget apply when the request goes out, not while it queues
                            await self.limiter.acquire(body)
                            queued[0] += time.monotonic() - waiting
                            async with asyncio.timeout(budget.timeout):
                                response = await client.chat.completions.create(**body)
                    except TimeoutError:
                        raise AttemptTimeout(f"no reply within {budget.timeout:g}s") from None
                    except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # a 200 whose JSON is broken
                        raise MalformedReply(f"the reply body is not valid JSON ({_one_line(str(exc), 80)})") from None
                    except openai.APIResponseValidationError as exc:
                        raise MalformedReply(f"the reply does not fit the chat-completions format "
                                             f"({_one_line(str(exc), 80)})") from None
                    except openai.APIStatusError as exc:
                        if exc.status_code == 429:
                            self.limiter.throttled(retry_after(exc))
                        if _is_rejection(exc) and "response_format" in body:
                            raise Unsupported(self.scrub(f"HTTP {exc.status_code}: {_one_line(exc.message)}")) from None
                        raise
                    if not isinstance(response, ChatCompletion):
                        # the SDK hands back the raw text of a 200 that is not JSON (an HTML error page)
                        raise MalformedReply(f"the endpoint answered 200 with a body that is not a chat completion"
                                             f" ({_one_line(str(response), 80)!r})")
                    content, finish, usage = read_completion(response.model_dump(), self.scrub)
                    prompt_tokens = int(usage.get("prompt_tokens") or 0) if usage else sum(
                        count_tokens(m["content"]) for m in body["messages"])
                    completion_tokens = int(usage.get("completion_tokens") or 0) if usage else count_tokens(content)
                    self.limiter.record(prompt_tokens + completion_tokens)
                    self.stats.calls += 1
                    return content, finish, (prompt_tokens, completion_tokens), attempts - 1
        except openai.APIStatusError as exc:
            raise ModelError(self.scrub(f"{_describe(exc)} ({_attempts(attempts)})"),
                             kind=f"http_{exc.status_code}") from None
        except openai.APIConnectionError as exc:
            raise ModelError(self.scrub(f"cannot reach {self.endpoint.name}: {_one_line(str(exc))} "
                                        f"({_attempts(attempts)})"), kind="connection") from None
        except AttemptTimeout as exc:
            raise ModelError(f"{exc} ({_attempts(attempts)})", kind="timeout") from None
        except EmptyReply as exc:
            raise ModelError(f"{exc} ({_attempts(attempts)})", kind="empty_reply") from None
        except MalformedReply as exc:
            raise ModelError(self.scrub(f"{exc} ({_attempts(attempts)})"), kind="malformed_reply") from None
        raise AssertionError("unreachable")

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        reason = self.scrub(_describe(exc) if isinstance(exc, openai.APIStatusError) else _one_line(str(exc)))
        log.warning("attempt %d failed (%s); retrying in %.1fs", state.attempt_number, reason, wait)
        if self.on_retry:
            self.on_retry(reason)


def _default_limiter(budget: Budget):
    from .limits import RateLimiter

    return RateLimiter(max_pause=budget.max_retry_seconds)


def _with_usage(exc: ModelError, totals: Result) -> ModelError:
    from ..schema import Usage

    exc.usage = Usage(calls=totals.calls, prompt_tokens=totals.prompt_tokens,
                      completion_tokens=totals.completion_tokens)
    return exc


def _attempts(n: int) -> str:
    return "after 1 attempt" if n == 1 else f"after {n} attempts"


def _one_line(text: str | None, limit: int = 200) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(exc: openai.APIStatusError) -> str:
    labels = {401: "authentication failed (check the API key)", 403: "permission denied", 404: "not found "
              "(check the base URL and model name)", 429: "rate limited", 500: "server error",
              502: "bad gateway", 503: "service unavailable", 504: "gateway timeout"}
    label = labels.get(exc.status_code, "error")
    return f"HTTP {exc.status_code} {label}: {_one_line(exc.message, 160)}"


def short_errors(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
