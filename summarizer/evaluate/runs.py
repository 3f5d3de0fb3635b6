"""Run storage: ``evals/runs/RUN_ID/`` holds a manifest and one JSON line per item.

::

    RUN_ID/
      run.json         Manifest: dataset hash, variants (prompt hash, model, endpoint), tool
                       version, date, settings, metric directions, counts, status
      items.jsonl      one Item per (variant, case, repeat): status, reason, scores, details,
                       usage, the full Brief JSON, judge verdicts
      pairwise.jsonl   with --judge and two or more prompts: one PairwiseRecord per pair

A *variant* is one (prompt, model) of the run. Nothing here ever holds the API key: the
manifest is built from chosen fields, endpoints are stripped of any credentials.
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

from ..errors import UserError
from .metrics import CHECK_PREFIX, get_metric

RUN_FILE = "run.json"
ITEMS_FILE = "items.jsonl"
PAIRWISE_FILE = "pairwise.jsonl"
from . import DEFAULT_RUNS_DIR  # noqa: F401  (re-exported: runner and cli name it here)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Variant(_Model):
    id: str = Field(description="label: the prompt ref, plus '/MODEL' when the run has several models")
    prompt: str
    prompt_sha256: str
    prompt_path: str | None = None
    model: str
    endpoint: str


class DatasetRef(_Model):
    name: str
    path: str
    sha256: str
    cases: list[str]


class JudgeConfig(_Model):
    version: str
    sha256: str
    model: str
    endpoint: str
    seed: int


class Manifest(_Model):
    run_id: str
    status: Literal["running", "complete", "interrupted"] = "running"
    created: str
    finished: str | None = None
    tool_version: str
    python: str = Field(default_factory=platform.python_version)
    platform: str = Field(default_factory=platform.platform)
    dataset: DatasetRef
    variants: list[Variant]
    repeat: int = 1
    use_cache: bool = True
    grounding: bool = True
    revise: bool | None = Field(default=None, description="items re-asked once on a provable fault (None: older runs)")
    semantic: bool = True
    judge: JudgeConfig | None = None
    metrics: dict[str, str] = Field(default_factory=dict, description="metric name -> direction")
    scoring: dict = Field(default_factory=dict, description="thresholds used by the metrics")
    counts: dict[str, int] = Field(default_factory=dict)


class Item(_Model):
    variant: str
    prompt: str
    model: str
    case: str
    repeat: int
    status: Literal["ok", "failed"]
    reason: str | None = None
    scores: dict[str, float | None] = Field(default_factory=dict)
    details: dict = Field(default_factory=dict)
    usage: dict = Field(default_factory=dict)
    brief: dict | None = None
    judge: dict | None = None

    def value(self, metric: str) -> float | None:
        """A metric of this item; a check kind the briefing did not raise counts 0."""
        if metric in self.scores:
            return self.scores[metric]
        if self.status == "ok" and metric.startswith(CHECK_PREFIX):
            return 0.0
        return None


class PairwiseRecord(_Model):
    model: str
    case: str
    repeat: int
    a: str
    b: str
    shown_first: Literal["a", "b"]
    winner: Literal["a", "b", "tie"] | None
    reasoning: str | None = None
    error: str | None = None


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def scrub_urls(text: str) -> str:
    """Drop ``user:password@`` from any URL in a message."""
    return _USERINFO.sub(r"\1", text)


def safe_endpoint(url: str) -> str:
    """An endpoint URL without user:password and without a query string (keys hide there)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass
class Run:
    path: Path
    manifest: Manifest
    items: list[Item]
    pairwise: list[PairwiseRecord]

    @property
    def id(self) -> str:
        return self.manifest.run_id

    @property
    def variants(self) -> list[str]:
        return [v.id for v in self.manifest.variants]

    def variant(self, variant_id: str) -> Variant:
        return next(v for v in self.manifest.variants if v.id == variant_id)

    def items_of(self, variant: str) -> list[Item]:
        return [i for i in self.items if i.variant == variant]

    def metric_names(self) -> set[str]:
        names = {name for item in self.items for name in item.scores}
        return {n for n in names if _known(n)}

    def select(self, selector: str | None) -> str:
        """The variant a selector names: its id, its prompt ref or its model; None if the run has one."""
        if selector is None:
            if len(self.variants) == 1:
                return self.variants[0]
            raise UserError(f"run {self.id} has {len(self.variants)} variants: say which",
                            hint="write RUN:VARIANT, one of: " + ", ".join(f"{self.id}:{v}" for v in self.variants))
        exact = [v.id for v in self.manifest.variants if v.id == selector]
        found = exact or [v.id for v in self.manifest.variants if selector in (v.prompt, v.model)]
        if len(found) != 1:
            raise UserError(f"run {self.id} has {'no' if not found else 'several'} variant(s) matching {selector!r}",
                            hint="variants: " + ", ".join(self.variants))
        return found[0]


def _known(name: str) -> bool:
    try:
        get_metric(name)
        return True
    except KeyError:
        return False


# ------------------------------------------------------------------ writing
class RunWriter:
    def __init__(self, path: Path, manifest: Manifest):
        self.path = path
        self.manifest = manifest
        path.mkdir(parents=True, exist_ok=False)
        self.write_manifest()
        self._items = open(path / ITEMS_FILE, "a", encoding="utf-8")
        self._pairwise = None

    def write_manifest(self) -> None:
        tmp = self.path / f".{RUN_FILE}.tmp"
        tmp.write_text(self.manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / RUN_FILE)

    def item(self, item: Item) -> None:
        self._items.write(item.model_dump_json() + "\n")
        self._items.flush()

    def pair(self, record: PairwiseRecord) -> None:
        if self._pairwise is None:
            self._pairwise = open(self.path / PAIRWISE_FILE, "a", encoding="utf-8")
        self._pairwise.write(record.model_dump_json() + "\n")
        self._pairwise.flush()

    def close(self) -> None:
        self._items.close()
        if self._pairwise is not None:
            self._pairwise.close()


# ------------------------------------------------------------------ reading
def _jsonl(path: Path, model):
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(model.model_validate_json(line))
        except ValueError as exc:
            raise UserError(f"line {n} is not a valid record: {str(exc).splitlines()[0]}", path=path) from None
    return out


def load_run(path: Path) -> Run:
    manifest_path = path / RUN_FILE
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"not a run folder (no {RUN_FILE})", path=path) from None
    except ValueError as exc:
        raise UserError(f"{RUN_FILE} is not valid: {str(exc).splitlines()[0]}", path=path) from None
    items = sorted(_jsonl(path / ITEMS_FILE, Item), key=lambda i: (manifest_order(manifest, i.variant), i.case,
                                                                    i.repeat))
    return Run(path, manifest, items, _jsonl(path / PAIRWISE_FILE, PairwiseRecord))


def manifest_order(manifest: Manifest, variant: str) -> int:
    ids = [v.id for v in manifest.variants]
    return ids.index(variant) if variant in ids else len(ids)


def list_runs(runs_dir: Path) -> list[Path]:
    """Run folders under ``runs_dir``, oldest first (by their manifest's creation time)."""
    if not runs_dir.is_dir():
        return []
    found = []
    for p in runs_dir.iterdir():
        if (p / RUN_FILE).exists():
            try:
                created = json.loads((p / RUN_FILE).read_text(encoding="utf-8")).get("created", "")
            except ValueError:
                created = ""
            found.append((created, p.name, p))
    return [p for _, _, p in sorted(found)]


def resolve_run(ref: str, runs_dir: Path) -> tuple[Run, str | None]:
    """``RUN[:VARIANT]`` -> (the run, the variant selector or None).

    RUN is a run folder, a run id under ``runs_dir``, or ``latest`` (``latest~1`` the one before).
    """
    candidates = [(ref, None)]
    if ":" in ref:
        run_part, selector = ref.split(":", 1)
        candidates.append((run_part, selector or None))
    for run_ref, selector in candidates:
        path = _run_path(run_ref, runs_dir)
        if path is not None:
            return load_run(path), selector
    known = [p.name for p in list_runs(runs_dir)][-5:]
    raise UserError(f"no run {ref!r} (looked for a folder with {RUN_FILE}, and under {runs_dir})",
                    hint="recent runs: " + ", ".join(known) if known else "run `summarizer eval run` first")


def _run_path(ref: str, runs_dir: Path) -> Path | None:
    if ref == "latest" or ref.startswith("latest~"):
        back = int(ref.partition("~")[2] or 0) if ref.partition("~")[2].isdigit() or ref == "latest" else -1
        runs = list_runs(runs_dir)
        return runs[-1 - back] if 0 <= back < len(runs) else None
    for path in (Path(ref), runs_dir / ref):
        if (path / RUN_FILE).exists():
            return path
    return None
