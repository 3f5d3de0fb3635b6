"""Model access, transport only: the one OpenAI-compatible client (``client``: structured output,
retries, the one reading of a reply), its response cache (``cache``), rate limits and 429 pauses
(``limits``: their one owner) and the embedded llama.cpp server (``local``: just a local endpoint).
What answers calls without a model (dry run, batch) is in :mod:`summarizer.runners`."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator

from ..config import EMBEDDED, Settings
from ..schema import ModelRef
from .cache import Store
from .client import LLM, Budget, Endpoint, Mode
from .limits import RateLimiter
from .local import EmbeddedServer

log = logging.getLogger(__name__)


def model_ref(settings: Settings) -> ModelRef:
    return ModelRef(name=settings.model_name, endpoint=settings.base_url if not settings.is_embedded else EMBEDDED)


def budget(settings: Settings) -> Budget:
    return Budget(timeout=settings.timeout, max_attempts=settings.max_attempts,
                  max_retry_seconds=settings.max_retry_seconds)


@contextlib.asynccontextmanager
async def connect(settings: Settings, *, limiter=None, on_retry=None) -> AsyncIterator[LLM]:
    """An :class:`LLM` for the configured endpoint; starts (and stops) the embedded server if needed."""
    try:
        store = Store(settings.db_path)  # also remembers what each endpoint supports, even with --no-cache
    except (sqlite3.Error, OSError) as exc:  # an unreadable cache must not stop a batch: run without it
        log.warning("cannot open the response cache %s (%s); running without it (move the file aside "
                    "to start a new one)", settings.db_path, exc)
        store = None
    server = None
    try:
        if settings.is_embedded:
            server = EmbeddedServer(settings)
            # started on the first call that misses the cache, not before (a cached re-run never loads
            # the model); llama.cpp answers json_schema with HTTP 500, its json_object takes a schema it
            # enforces with a grammar, so the schema need not be shown in the prompt as well
            endpoint = Endpoint(base_url=None, model=settings.model_name, name=EMBEDDED,
                                preferred_mode=Mode.GRAMMAR, start=server.start)
        else:
            key = settings.api_key.get_secret_value() if settings.api_key else None
            endpoint = Endpoint(base_url=settings.base_url, model=settings.model_name, name=settings.base_url,
                                api_key=key)
        if limiter is None:
            limiter = RateLimiter.for_settings(settings)  # unlimited for the embedded model: it only holds 429 pauses
        llm = LLM(endpoint, store, budget(settings), use_cache=settings.use_cache, limiter=limiter,
                  on_retry=on_retry,
                  max_in_flight=settings.embedded.parallel if settings.is_embedded else settings.effective_concurrency)
        try:
            yield llm
        finally:
            await llm.aclose()
    finally:
        if server is not None:
            server.stop()
        if store is not None:
            store.close()
