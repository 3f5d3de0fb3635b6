"""Client-side rate limits: requests and tokens per minute, adapting to 429s (AIMD).

The limiter is the one owner of 429 pauses: every endpoint's client has one (an unlimited one
for the embedded model). The client calls three hooks (``LLM._send``): :meth:`RateLimiter.acquire` before each
request, :meth:`RateLimiter.throttled` when the endpoint answers 429, and
:meth:`RateLimiter.record` with the tokens a reply actually used.

**Budgets.** Two leaky buckets (aiolimiter), one for requests and one for tokens, each
holding one minute of the configured budget (``requests_per_minute``,
``tokens_per_minute``; 0 = no limit). A request reserves its estimated tokens up front:
the prompt (o200k count of the messages, plus the JSON Schema when it is sent as
``response_format``) plus ``max_tokens`` — the way OpenAI itself counts a request against
its limits. When a reply reports more tokens than were reserved, the difference is charged
to the next request.

**Adapting (AIMD, as TCP does).** A factor ``f`` in ``[floor, 1]`` scales both budgets:

- *multiplicative decrease*: a 429 halves ``f`` and holds every request until the
  Retry-After the server gave (``default_pause`` without one), unless that is longer than
  ``max_pause`` (the per-call retry budget, ``--max-retry-seconds``): no call could wait that
  long anyway, so the one that got it fails at once and the others are not held. 429s that arrive within
  ``holdoff`` seconds of a decrease are one congestion signal (the requests that were
  already in flight), not several;
- *additive increase*: every ``recover_every`` seconds in which replies keep arriving,
  ``f`` grows by ``increase`` until the full budget is back.

Without a configured limit a 429 sets one from the rate observed over the last minute (at
least ``min_span`` seconds of it, and only once ``min_observed`` requests make that rate
meaningful: a 429 on the first request of a run only pauses), scaled by ``f`` like any
other; once ``f`` is back to 1 the learned limit is dropped and the client runs unlimited
again. The factor is applied by
charging ``1/f`` units per unit in the fixed buckets, so aiolimiter keeps doing all the
time accounting. A single request larger than a whole minute's token budget waits for an
empty bucket (it cannot do better) and a warning says so once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiolimiter import AsyncLimiter

from ..chunk import count_tokens

log = logging.getLogger(__name__)

_PER_MESSAGE = 4  # role and separators of the chat format, per message
_PER_REPLY = 3


def prompt_tokens(body: dict[str, Any]) -> int:
    """Estimated input tokens of a chat-completions request body (o200k)."""
    total = _PER_REPLY + sum(count_tokens(m.get("content") or "") + _PER_MESSAGE for m in body.get("messages", []))
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":  # providers put the schema in front of the prompt
        total += count_tokens(json.dumps(fmt.get("json_schema", {}).get("schema", {}), ensure_ascii=False))
    return total


def request_tokens(body: dict[str, Any]) -> int:
    """What a request may cost against a tokens-per-minute limit: its prompt plus ``max_tokens``."""
    return prompt_tokens(body) + int(body.get("max_tokens") or body.get("max_completion_tokens") or 0)


@dataclass
class Aimd:
    """The adaptive factor on its own: arithmetic on explicit times, so it is testable without waiting."""

    decrease: float = 0.5
    increase: float = 0.1
    recover_every: float = 5.0
    floor: float = 1 / 32
    holdoff: float = 2.0
    factor: float = 1.0
    _last_decrease: float = field(default=-math.inf, repr=False)
    _last_change: float = field(default=-math.inf, repr=False)

    def congested(self, now: float) -> bool:
        """A 429 at ``now``: shrink, unless one shrink already answered this burst. True if it shrank."""
        if now - self._last_decrease < self.holdoff:
            return False
        self.factor = max(self.floor, self.factor * self.decrease)
        self._last_decrease = self._last_change = now
        return True

    def succeeded(self, now: float) -> bool:
        """A reply at ``now``: grow by one step if ``recover_every`` has passed since the last change."""
        if self.factor >= 1.0 or now - self._last_change < self.recover_every:
            return False
        self.factor = min(1.0, self.factor + self.increase)
        self._last_change = now
        return True


@dataclass
class LimiterStats:
    requests: int = 0
    tokens_reserved: int = 0
    tokens_used: int = 0
    throttles: int = 0  # 429s reported
    decreases: int = 0  # of which shrank the rate
    waited: float = 0.0  # seconds requests spent waiting for budget or a pause


class RateLimiter:
    """Requests/min and tokens/min budgets for one endpoint, shared by all its concurrent calls."""

    def __init__(self, requests_per_minute: float = 0, tokens_per_minute: float = 0, *, window: float = 60.0,
                 aimd: Aimd | None = None, default_pause: float = 1.0, max_pause: float = 300.0,
                 min_span: float = 2.0, min_observed: int = 4):
        if requests_per_minute < 0 or tokens_per_minute < 0:
            raise ValueError("rate limits must be >= 0 (0 = no limit)")
        self.window = window
        self.aimd = aimd or Aimd()
        self.default_pause = default_pause
        self.max_pause = max_pause
        self.min_span = min_span
        self.min_observed = min_observed
        self.configured = (requests_per_minute, tokens_per_minute)
        self._requests = self._bucket(requests_per_minute)
        self._tokens = self._bucket(tokens_per_minute)
        self._learned: set[str] = set()  # "requests" / "tokens": limits set by a 429, dropped on recovery
        self._prefill: list[AsyncLimiter] = []
        self._paused_until = 0.0
        self._debt = 0
        self._recent: deque[tuple[float, int]] = deque()  # (time, reserved tokens) over the last window
        self._reserved: contextvars.ContextVar[int | None] = contextvars.ContextVar("reserved", default=None)
        self._warned_big = False
        self.stats = LimiterStats()

    @classmethod
    def for_settings(cls, settings) -> "RateLimiter":
        """The limiter an endpoint gets: the configured budgets for a remote one (even unlimited: it learns
        from 429s), none for the embedded model (which never sends 429s, but would be paused if it did)."""
        if settings.is_embedded:
            return cls(max_pause=settings.max_retry_seconds)
        return cls(settings.requests_per_minute, settings.tokens_per_minute, max_pause=settings.max_retry_seconds)

    # ---- state
    @property
    def factor(self) -> float:
        return self.aimd.factor

    @property
    def requests_per_minute(self) -> float:
        """The rate allowed right now (inf = unlimited)."""
        return self._rate(self._requests)

    @property
    def tokens_per_minute(self) -> float:
        return self._rate(self._tokens)

    @property
    def debt(self) -> int:
        """Tokens replies used beyond their reservations, charged to the next request."""
        return self._debt

    @property
    def paused_until(self) -> float:
        """Event-loop time before which no request starts."""
        return self._paused_until

    def _rate(self, bucket: AsyncLimiter | None) -> float:
        if bucket is None:
            return math.inf
        return bucket.max_rate / bucket.time_period * 60 * self.aimd.factor

    def _bucket(self, per_minute: float) -> AsyncLimiter | None:
        if not per_minute:
            return None
        return AsyncLimiter(max(per_minute * self.window / 60, 1.0), self.window)

    @staticmethod
    def _now() -> float:
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return time.monotonic()

    # ---- the three hooks
    async def acquire(self, body: dict[str, Any]) -> None:
        """Wait until one more request of this size fits the budgets (and no 429 pause holds)."""
        started = self._now()
        estimate = request_tokens(body)
        await self._sleep_out_pause()
        for bucket in self._prefill:  # a just-learned limit starts full: no burst right after a 429
            await bucket.acquire(bucket.max_rate)
        self._prefill.clear()
        if self._requests is not None:
            await self._requests.acquire(self._scaled(1, self._requests))
        if self._tokens is not None:
            amount, self._debt = estimate + self._debt, 0
            await self._tokens.acquire(self._scaled(amount, self._tokens))
        await self._sleep_out_pause()  # a 429 may have arrived while this request queued
        now = self._now()
        self._reserved.set(estimate)
        self._recent.append((now, estimate))
        self._forget(now)
        self.stats.requests += 1
        self.stats.tokens_reserved += estimate
        self.stats.waited += now - started

    def record(self, tokens: int) -> None:
        """The reply used ``tokens`` (prompt + completion): charge any excess over the reservation."""
        reserved = self._reserved.get()
        if reserved is not None and tokens > reserved:
            self._debt += tokens - reserved
        self._reserved.set(None)
        self.stats.tokens_used += tokens
        if self.aimd.succeeded(self._now()) and self.aimd.factor >= 1.0 and self._learned:
            log.info("rate recovered after 429s; dropping the learned limit")
            if "requests" in self._learned:
                self._requests = None
            if "tokens" in self._learned:
                self._tokens = None
            self._learned.clear()

    def throttled(self, retry_after: float | None = None) -> None:
        """The endpoint answered 429: hold every request for ``retry_after`` seconds and shrink the rate.

        A pause longer than ``max_pause`` holds nobody: the call that got it gives up at once (it is
        beyond its retry budget), and one absurd header must not stall every other report."""
        now = self._now()
        pause = self.default_pause if retry_after is None else max(retry_after, 0.0)
        if pause <= self.max_pause:
            self._paused_until = max(self._paused_until, now + pause)
        else:
            log.warning("the endpoint asked to wait %.0f s, beyond the %.0f s retry budget; not holding other "
                        "calls for it", pause, self.max_pause)
        self.stats.throttles += 1
        if not self.aimd.congested(now):
            return
        self.stats.decreases += 1
        self._learn(now)
        log.info("rate limited (429): allowing %.0f%% of the budget (%s requests/min, %s tokens/min)",
                 self.aimd.factor * 100, _show(self.requests_per_minute), _show(self.tokens_per_minute))

    # ---- internals
    def _scaled(self, amount: float, bucket: AsyncLimiter) -> float:
        scaled = amount / self.aimd.factor
        if scaled > bucket.max_rate:
            if amount > bucket.max_rate and not self._warned_big:
                self._warned_big = True
                log.warning("one request needs about %d tokens, more than the %d-token budget of a %gs window; "
                            "it waits for an empty budget", amount, bucket.max_rate, bucket.time_period)
            return bucket.max_rate
        return scaled

    async def _sleep_out_pause(self) -> None:
        while (delay := self._paused_until - self._now()) > 0:
            await asyncio.sleep(delay)

    def _forget(self, now: float) -> None:
        while self._recent and self._recent[0][0] < now - self.window:
            self._recent.popleft()

    def _learn(self, now: float) -> None:
        """Set a limit for each unlimited dimension from the rate observed before the 429 (scaled by f)."""
        self._forget(now)
        if len(self._recent) < self.min_observed:
            return
        span = max(now - self._recent[0][0], self.min_span)
        per_minute = 60.0 / span
        if self._requests is None:
            self._requests = self._bucket(max(len(self._recent) * per_minute, 1.0))
            self._learned.add("requests")
            self._prefill.append(self._requests)
        if self._tokens is None:
            biggest = max(t for _, t in self._recent)
            self._tokens = self._bucket(max(sum(t for _, t in self._recent) * per_minute, biggest))
            self._learned.add("tokens")
            self._prefill.append(self._tokens)


def _show(rate: float) -> str:
    return "unlimited" if math.isinf(rate) else f"{rate:.0f}"
