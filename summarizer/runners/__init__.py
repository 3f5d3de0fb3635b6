"""Runners: what answers the model calls a report's pipeline makes.

A runner has one method, ``async run(call) -> Result``. The pipeline (:mod:`summarizer.pipeline`)
does not know which one it has:

- :class:`summarizer.llm.LLM`, the online client: the endpoint (or the embedded model), with the
  response cache, retries and rate limits;
- :class:`.offline.OfflineRunner`: never calls a model; answers from the cache, from collected Batch
  API replies, or with schema-valid stand-ins (:mod:`.synthetic`), and records every call it was
  asked for (the dry run and the batch commands).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..llm.client import Call, Result


class Runner(Protocol):
    async def run(self, call: "Call") -> "Result": ...
