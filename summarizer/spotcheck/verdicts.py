"""The verdict file: a drawn sample of claims and actions, and what a reviewer said about each.

``summarizer spotcheck sample`` embeds one in the review page with every ``verdict`` null;
the page saves it back (download, or POST to ``spotcheck serve``) with verdicts, comments,
the reviewer's name and ``saved_at`` filled in. ``stats`` and ``to-eval`` read it. The
format is versioned by ``format``; fields are never renamed.

Example (one item)::

    {"format": "summarizer-spotcheck/1",
     "sample": {"seed": 7, "requested": 20, "population": 61, "flagged_share": 0.5, ...},
     "reviewer": "wl", "saved_at": "2024-05-02T10:31:07Z",
     "items": [{"id": "3f2a9c81d0e4", "brief": "out/dongchuan.brief.json",
                "source": "reports/dongchuan.txt", "source_sha256": "edec80af…",
                "prompt": "briefing@v2", "prompt_sha256": "…", "model": "qwen2.5-coder-1.5b",
                "endpoint": "embedded", "kind": "action", "target": "actions[3]",
                "claim": "Break down the Opinions …", "owner": "District Development and Reform Bureau",
                "owner_zh": "区发展改革局", "deadline": "by March 10 (2021-03-10)",
                "evidence_zh": ["会议要求,区发展改革局于3月10日前将《意见》进行分解,…"],
                "support": 0.45, "flags": [{"kind": "deadline_missing", "severity": "warning", …}],
                "stratum": "dongchuan.brief.json|flagged", "weight": 1.5,
                "verdict": "wrong", "comment": "deadline is March 10, not 15"}]}
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import UserError

FORMAT = "summarizer-spotcheck/1"
Verdict = Literal["correct", "wrong", "unsure"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Flag(_Model):
    kind: str
    severity: Literal["info", "warning", "error"]
    message: str
    target: str | None = None


class Item(_Model):
    id: str = Field(description="stable id: the same claim of the same briefing gets the same id in every sample")
    brief: str = Field(description="path of the NAME.brief.json, as given to `spotcheck sample`")
    source: str = Field(description="path of the source report")
    source_sha256: str
    prompt: str = Field(description="prompt NAME@vN")
    prompt_sha256: str
    model: str
    endpoint: str
    kind: Literal["summary", "action"]
    target: str = Field(description="JSON path of the item in the briefing: summary[2], actions[0]")
    claim: str = Field(description="the English claim: the summary point, or the action's task")
    owner: str | None = None
    owner_zh: str | None = None
    deadline: str | None = None
    evidence_zh: list[str] = Field(default_factory=list, description="verbatim source sentences")
    evidence_en: list[str | None] = Field(default_factory=list, description="their English, from the report's "
                                          "translation (brief --translate); null where there is none")
    support: float | None = Field(default=None, description="similarity of the claim to its evidence")
    flags: list[Flag] = Field(default_factory=list, description="the automatic checks shown to the reviewer")
    stratum: str = Field(description="BRIEF|flagged or BRIEF|unflagged")
    weight: float = Field(description="items of the stratum per item sampled from it")
    verdict: Verdict | None = None
    comment: str = ""

    @property
    def flagged(self) -> bool:
        return any(f.severity in ("warning", "error") for f in self.flags)


class Stratum(_Model):
    key: str
    brief: str
    flagged: bool
    population: int
    sampled: int


class SampleInfo(_Model):
    seed: int
    requested: int
    population: int = Field(description="claims and actions in all the briefings")
    flagged_share: float = Field(description="share of the sample reserved for flagged items, when there are enough")
    created: str
    tool_version: str
    briefs: list[str]
    strata: list[Stratum]


class VerdictFile(_Model):
    format: Literal["summarizer-spotcheck/1"] = FORMAT
    sample: SampleInfo
    reviewer: str = ""
    saved_at: str | None = None
    items: list[Item]

    @property
    def judged(self) -> int:
        return sum(i.verdict is not None for i in self.items)


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse(text: str, where: object = None) -> VerdictFile:
    try:
        return VerdictFile.model_validate_json(text)
    except ValidationError as exc:
        first = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        raise UserError(f"not a spot-check verdict file ({FORMAT}): {first}", path=where) from None


def load(path: Path) -> VerdictFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the verdict file: {exc.strerror or exc}", path=path) from None
    return parse(text, path)


def dumps(verdicts: VerdictFile) -> str:
    return json.dumps(verdicts.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
