"""Versioned prompt files: ``prompts/NAME/vN.md`` = YAML front matter + Jinja2 sections.

Front matter (validated, unknown keys are errors)::

    name: briefing
    version: 1
    description: ...
    steps:                           # run in order; ``output`` fixes each step's scope
      - {name: summarize, output: point, temperature: 0, max_tokens: 512}

The body holds ``## system`` (shared system message) and one ``## STEP`` section per step
(the user message), rendered with Jinja2 (StrictUndefined). ``sha256`` is the hash of
the file's text; it goes into every output and every cache key. ``prompts.lock.json``
records the hash of each released version: a locked version whose text changed is an
error (bump the version instead), so an edit without a version bump cannot go unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import frontmatter
import jinja2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import UserError

LOCK_FILE = "prompts.lock.json"
_SECTION = re.compile(r"^## +([A-Za-z_][\w-]*) *$", re.MULTILINE)
_REF = re.compile(r"^(?P<name>[\w-]+)(?:@v?(?P<version>\d+))?$")


OutputName = Literal["translation", "headline", "point", "short_point", "translated_point", "summary", "task", "owned_task",
                     "translated_task", "tasks", "briefing", "revised", "synthesis", "overview"]


TOPIC_LAYOUT_OUTPUTS = {"headline", "point", "short_point", "task", "owned_task"}


class StepSpec(BaseModel):
    """One declared step. Its ``output`` fixes its scope (``generate.outputs.OUTPUTS``):

    - ``sentences`` (translation): the report's sentences, in chunks of ``chunk_tokens``;
    - ``report`` (summary, tasks, briefing): the whole report, one call unless it exceeds the context;
    - ``opening`` (headline): the title and the first topic, one call;
    - ``topic`` (point, short_point, translated_point): one call per topic;
    - ``assignment`` (task, owned_task, translated_task): one call per assignment sentence.
    """

    model_config = ConfigDict(extra="forbid")
    name: str
    output: OutputName
    reads: Literal["source", "english"] = Field(
        default="source", description="the Chinese source, or the English of an earlier translation step")
    temperature: float = 0.0
    max_tokens: int = 2048
    # chunk budget for this step's source text, in tokens; None = as much as the context allows
    chunk_tokens: int | None = None


class PromptMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: int
    description: str
    steps: list[StepSpec]
    reduce: StepSpec | None = Field(default=None, description="merges per-chunk summaries of a long report")
    layout: Literal["step", "topic"] = Field(
        default="step", description="step: each step shows the model what its scope needs, step after step; "
        "topic: every call shows one whole topic and then its job (the headline's with the title line), and the "
        "calls go out topic by topic, so a server that reuses the previous request's prefix reads each part once")

    @model_validator(mode="after")
    def _topic_layout_steps(self) -> "PromptMeta":
        if self.layout == "topic":
            other = [s.name for s in self.steps if s.output not in TOPIC_LAYOUT_OUTPUTS]
            if other:
                raise ValueError(f"layout topic runs headline, point and task steps only, not {', '.join(other)}")
            scopes = [s.output.split("_")[-1] for s in self.steps]
            if len(set(scopes)) != len(scopes):
                raise ValueError("layout topic runs at most one headline, one point and one task step")
        return self

    @model_validator(mode="after")
    def _one_translation_step(self) -> "PromptMeta":
        if all(s.output == "translation" for s in self.steps) and len(self.steps) != 1:
            raise ValueError("a translation prompt has exactly one step, with output translation")
        return self

    @model_validator(mode="after")
    def _digest_steps(self) -> "PromptMeta":
        outputs = [s.output for s in self.steps]
        if {"synthesis", "overview"} & set(outputs) and sorted(outputs) != ["overview", "synthesis"]:
            raise ValueError("a digest prompt has exactly two steps: one with output synthesis, one with overview")
        return self

    @model_validator(mode="after")
    def _english_needs_translation(self) -> "PromptMeta":
        translated = False
        for step in self.steps:
            if step.reads == "english" and not translated:
                raise ValueError(f"step {step.name} reads the English, but no translation step comes before it")
            translated = translated or step.output == "translation"
        return self


@dataclass(frozen=True)
class Prompt:
    meta: PromptMeta
    sections: dict[str, str]
    sha256: str
    path: Path
    locked: bool

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> int:
        return self.meta.version

    @property
    def ref(self) -> str:
        return f"{self.meta.name}@v{self.meta.version}"

    @property
    def kind(self) -> str:
        """briefing, translation (one translation step: ``summarizer translate``), digest (``summarizer
        digest``), or item (``revise``)."""
        outputs = {s.output for s in self.meta.steps}
        if outputs & ITEM_OUTPUTS:
            return "item"
        if outputs & DIGEST_OUTPUTS:
            return "digest"
        return "translation" if outputs == {"translation"} else "briefing"

    def step(self, name: str) -> StepSpec:
        for step in self.meta.steps + ([self.meta.reduce] if self.meta.reduce else []):
            if step.name == name:
                return step
        raise KeyError(name)

    def render(self, section: str, **context: Any) -> str:
        return _template(self.sections[section]).render(**context).strip()


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


@cache
def _template(source: str) -> jinja2.Template:
    return _env().from_string(source)


def prompts_dir() -> Path:
    """The prompt library, found the same way in every install: the package's ``_prompts`` folder
    (in a checkout, a link to the top-level ``prompts/``; in a wheel, a copy of it)."""
    return Path(str(resources.files("summarizer").joinpath("_prompts")))


def file_hash(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def read_lock(directory: Path) -> dict[str, str]:
    lock = directory / LOCK_FILE
    return json.loads(lock.read_text(encoding="utf-8")) if lock.exists() else {}


def parse_prompt(path: Path, lock: dict[str, str] | None = None) -> Prompt:
    text = path.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    try:
        meta = PromptMeta(**post.metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"invalid front matter in {path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    parts = _SECTION.split(post.content)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    needed = {"system"} | {s.name for s in meta.steps} | ({meta.reduce.name} if meta.reduce else set())
    missing = needed - sections.keys()
    if missing:
        raise UserError(f"prompt {path} has no section for: {', '.join(sorted(missing))}",
                        hint="add '## NAME' sections for the system message and every step")
    for name, body in sections.items():
        try:
            _template(body)
        except jinja2.TemplateSyntaxError as exc:
            raise UserError(f"prompt {path}, section {name}: template error line {exc.lineno}: {exc.message}") from None
    sha = file_hash(text)
    ref = f"{meta.name}@v{meta.version}"
    locked_sha = (lock or {}).get(ref)
    if locked_sha and locked_sha != sha:
        raise UserError(
            f"prompt {ref} ({path}) was edited after its version was released (hash {sha[:12]} != locked {locked_sha[:12]})",
            hint=f"copy it to v{meta.version + 1}.md and bump 'version', or if v{meta.version} was never used, "
            f"run `summarizer prompts lock {ref}`",
        )
    return Prompt(meta=meta, sections=sections, sha256=sha, path=path, locked=bool(locked_sha))


def available(directory: Path | None = None) -> list[Path]:
    directory = directory or prompts_dir()
    return sorted(directory.glob("*/v*.md"), key=lambda p: (p.parent.name, int(p.stem[1:]) if p.stem[1:].isdigit() else 0))


ITEM_OUTPUTS = {"revised"}  # outputs of prompts that work on one item of a briefing, not on a report
DIGEST_OUTPUTS = {"synthesis", "overview"}  # outputs of a digest prompt (summarizer digest)


_FOR_KIND = {"briefing": "a briefing prompt (`summarizer brief`), e.g. briefing@v6",
             "translation": "a translation prompt (`summarizer translate`), e.g. translation@v1",
             "digest": "a digest prompt (`summarizer digest`), e.g. digest@v1"}


def load_prompt(ref: str, directory: Path | None = None, *, kind: str | tuple[str, ...] | None = None) -> Prompt:
    """``briefing`` (latest version), ``briefing@v2``, or a path to a prompt file. ``kind``
    (briefing, translation, or a tuple of both) refuses a prompt of another kind (``revise``, which
    the tool uses itself, is neither)."""
    prompt = _load(ref, directory)
    kinds = (kind,) if isinstance(kind, str) else kind
    if kinds is not None and prompt.kind not in kinds:
        kind = kinds[0]
        what = {"item": "the tool uses it to re-ask flagged items", "translation": "it translates reports "
                "(`summarizer translate`)", "briefing": "it briefs reports (`summarizer brief`)",
                "digest": "it writes digests (`summarizer digest`)"}[prompt.kind]
        raise UserError(f"{prompt.ref} is not a {kind} prompt: {what}",
                        hint=f"choose {_FOR_KIND[kind]} (`summarizer prompts list`)")
    return prompt


def _load(ref: str, directory: Path | None) -> Prompt:
    candidate = Path(ref)
    if candidate.suffix == ".md" or "/" in ref or "\\" in ref:  # a path, not NAME@vN
        if not candidate.is_file():
            raise UserError("prompt file not found", path=ref,
                            hint="give the path of a prompt .md file, or a name such as briefing@v2 "
                                 "(`summarizer prompts list`)")
        return parse_prompt(candidate, read_lock(candidate.parent.parent))
    match = _REF.match(ref)
    directory = directory or prompts_dir()
    if not match:
        raise UserError(f"bad prompt reference {ref!r}", hint="use NAME, NAME@vN, or a path to a .md prompt file")
    name, version = match["name"], match["version"]
    versions = [p for p in available(directory) if p.parent.name == name]
    if not versions:
        known = sorted({p.parent.name for p in available(directory)})
        raise UserError(f"no prompt named {name!r} in {directory}", hint=f"known prompts: {', '.join(known) or 'none'}")
    if version is None:
        path = versions[-1]
    else:
        path = directory / name / f"v{int(version)}.md"
        if not path.exists():
            have = ", ".join(f"{name}@{p.stem}" for p in versions)
            raise UserError(f"no prompt {name}@v{version}", hint=f"available: {have}")
    return parse_prompt(path, read_lock(directory))


def lock(refs: list[str] | None = None, directory: Path | None = None) -> dict[str, str]:
    """Lock new prompt versions; re-lock the edited versions named in ``refs``.

    A locked version whose text changed is only re-locked when named explicitly (for a
    version that was never released); otherwise the right move is a new version.
    Returns the entries written.
    """
    directory = directory or prompts_dir()
    entries = read_lock(directory)
    named = set(refs or [])
    changed = {}
    for path in available(directory):
        prompt = parse_prompt(path)  # parsed without the lock: validates the file
        if prompt.ref not in entries or (prompt.ref in named and entries[prompt.ref] != prompt.sha256):
            entries[prompt.ref] = changed[prompt.ref] = prompt.sha256
    (directory / LOCK_FILE).write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return changed
