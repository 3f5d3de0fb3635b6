"""Schema-valid stand-in replies, made without a model.

One generator serves three users: the dry run (the pipeline must run to the end to count
every call it needs), batch preparation (a step whose inputs are still in a batch gets a
stand-in so the pipeline can discover the rest of the plan), and the test suite's fake
OpenAI server (``tests/fakeserver.py`` answers every request with it).

:func:`instance` walks a pydantic-made JSON Schema: objects get every property, arrays
their ``minItems`` (a count-forced step gets exactly its count), integers named like
sentence references get the ids of the report lines the request showed, strings get a
short English text with no number in it ("about sentence S12": a stand-in is a faultless reply,
so the checks, and the re-ask of items they catch, have nothing to act on). ``marker`` is appended to every non-empty string: a later request
whose text contains it was built from a stand-in, not from a real reply.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from pydantic import BaseModel

LINE = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)
_REPORT = re.compile(r"<report>\n(.*?)\n</report>", re.DOTALL)
_ID_FIELDS = frozenset({"id", "sentences", "sentence"})
_EMPTY_FIELDS = frozenset({"deadline"})  # optional English: empty is the common, valid answer


def report_lines(messages: Sequence[dict]) -> list[tuple[int, str]]:
    """The numbered report lines (``[12] text``) a request shows, from its first user message."""
    user = next((m.get("content") or "" for m in messages if m.get("role") == "user"), "")
    inside = _REPORT.search(user)
    return [(int(i), t) for i, t in LINE.findall(inside.group(1) if inside else user)]


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].split("/")[-1]]
    return schema


def instance(schema: dict, root: dict | None = None, ids: Sequence[int] = (1,), name: str = "value", n: int = 0,
             marker: str = "") -> Any:
    """A valid instance of a (pydantic-made) JSON Schema, with English text and the given sentence ids."""
    root = root if root is not None else schema
    ids = list(ids) or [1]
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        branch = next((s for s in schema["anyOf"] if s.get("type") != "null"), schema["anyOf"][0])
        return instance(branch, root, ids, name, n, marker)
    kind = schema.get("type")
    if kind == "object":
        return {key: instance(sub, root, ids, key, n, marker) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        count = schema.get("minItems", min(3, len(ids)) if name != "sentences" else 1)
        count = min(count, schema.get("maxItems", count))
        return [instance(schema["items"], root, ids, name, i, marker) for i in range(count)]
    if kind == "integer":
        return ids[n % len(ids)] if name in _ID_FIELDS else n + 1
    if kind == "number":
        return float(n + 1)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if name in _EMPTY_FIELDS:
        return ""
    if name == "owner":
        text = "All departments"
    elif name == "en":
        text = f"English of sentence S{ids[n % len(ids)]}."
    elif name.isdigit():  # a translation window: one key per sentence id
        text = f"English of sentence S{name}."
    else:
        text = f"English {name} item{n + 1} about sentence S{ids[n % len(ids)]}."
    return f"{text} {marker}".strip() if marker else text


def reply(schema: dict, messages: Sequence[dict], marker: str = "") -> dict:
    """A valid reply to a structured request, using the ids of the report lines it shows."""
    ids = [i for i, _ in report_lines(messages)] or [1]
    return instance(schema, schema, ids, marker=marker)


def reply_for(output: type[BaseModel], messages: Sequence[dict], marker: str = "") -> BaseModel:
    """A validated stand-in for a step whose reply is not available."""
    return output.model_validate(reply(output.model_json_schema(), messages, marker))


def schema_of(body: dict) -> dict | None:
    """The JSON Schema a chat-completions request asks for, under any structured-output mode."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    if fmt.get("type") == "json_object" and "schema" in fmt:
        return fmt["schema"]
    for message in body.get("messages", []):  # prompted mode: the schema is in the system message
        m = re.search(r"JSON Schema:\n(\{.*\})\s*$", message.get("content") or "", re.DOTALL)
        if m:
            return json.loads(m.group(1))
    return None


def reply_to_request(body: dict) -> str:
    """The JSON text of a valid reply to any structured chat-completions request body."""
    schema = schema_of(body)
    if schema is None:
        return json.dumps({"answer": "ok"})
    return json.dumps(reply(schema, body.get("messages", [])))
