"""``summarizer spotcheck to-eval``: wrong claims become negative examples for the eval dataset.

Each item judged ``wrong`` becomes a :class:`~summarizer.evaluate.dataset.Negative`:

- ``id``: ``spot-<item id>`` (stable, so converting the same verdicts twice adds nothing);
- ``claim_en``: the claim (for an action: ``owner: task (deadline)``);
- ``why``: the reviewer's comment, else the flags shown, else "judged wrong in a spot-check";
- ``evidence_zh``: the first evidence sentence (verbatim in the report);
- ``source``: ``<verdict file>#<item id> (<reviewer>, <saved_at>)``.

With ``--dataset DIR`` a negative goes into the ``negatives`` of the case whose report is
byte-identical to the briefing's source (same sha256); the rest of ``reference.json`` is
kept as it is. Negatives with no matching case (or without ``--dataset``) go to a separate
file (``--out``, a :class:`NegativesFile`) that records the report they belong to, so
they can be filed once a case for that report exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict

from ..errors import UserError
from ..evaluate.cases import REFERENCE, load_dataset
from ..evaluate.dataset import Negative, Reference
from ..files import write_atomic
from ..ingest import file_sha256
from . import verdicts as vf

NEGATIVES_FORMAT = "summarizer-negatives/1"


class PendingNegative(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_sha256: str
    source: str
    brief: str
    prompt: str
    model: str
    negative: Negative


class NegativesFile(BaseModel):
    """Negatives not (yet) filed in a dataset case."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["summarizer-negatives/1"] = NEGATIVES_FORMAT
    negatives: list[PendingNegative]


def _claim(item: vf.Item) -> str:
    if item.kind == "summary":
        return item.claim
    text = f"{item.owner}: {item.claim}" if item.owner else item.claim
    return text + (f" (deadline: {item.deadline})" if item.deadline else "")


def negatives(paths: Sequence[Path]) -> list[tuple[vf.Item, Negative]]:
    out = []
    seen: set[str] = set()
    for path in paths:
        file = vf.load(path)
        stamp = ", ".join(filter(None, [file.reviewer, file.saved_at]))
        for item in file.items:
            if item.verdict != "wrong" or item.id in seen:
                continue
            seen.add(item.id)
            shown = "; ".join(f"{f.kind}: {f.message}" for f in item.flags if f.severity != "info")
            why = item.comment.strip() or (f"judged wrong; flags shown: {shown}" if shown else
                                           "judged wrong in a spot-check")
            out.append((item, Negative(id=f"spot-{item.id}", claim_en=_claim(item), why=why,
                                       evidence_zh=item.evidence_zh[0] if item.evidence_zh else None,
                                       source=f"{path}#{item.id}" + (f" ({stamp})" if stamp else ""))))
    return out


@dataclass
class Filed:
    cases: dict[str, int]  # case id -> negatives added
    already: int  # negatives the cases already had
    pending: list[PendingNegative]


def file_negatives(found: list[tuple[vf.Item, Negative]], dataset: Path | None) -> Filed:
    """Add negatives to the matching cases of ``dataset``; return what could not be filed."""
    filed = Filed({}, 0, [])
    by_sha: dict[str, object] = {}
    if dataset is not None:
        for case in load_dataset(dataset).cases:
            if case.report is not None:
                by_sha.setdefault(file_sha256(case.report), case)
    updates: dict[Path, tuple[str, dict, list[Negative]]] = {}
    for item, negative in found:
        case = by_sha.get(item.source_sha256)
        if case is None:
            filed.pending.append(PendingNegative(source_sha256=item.source_sha256, source=item.source,
                                                 brief=item.brief, prompt=item.prompt, model=item.model,
                                                 negative=negative))
            continue
        ref_path = case.dir / REFERENCE
        if ref_path not in updates:
            if case.error:
                raise UserError(f"case {case.id}: {case.error}", path=ref_path,
                                hint="fix the reference first (`summarizer eval validate`)")
            updates[ref_path] = (case.id, json.loads(ref_path.read_text(encoding="utf-8")), [])
        updates[ref_path][2].append(negative)
    for ref_path, (case_id, raw, new) in updates.items():
        have = {n.get("id") for n in raw.get("negatives", [])}
        fresh = [n for n in new if n.id not in have]
        filed.already += len(new) - len(fresh)
        if not fresh:
            continue
        raw["negatives"] = list(raw.get("negatives", [])) + [n.model_dump(mode="json", exclude_none=True)
                                                             for n in fresh]
        Reference.model_validate(raw)  # never write a reference that no longer fits the schema
        write_atomic(ref_path, json.dumps(raw, ensure_ascii=False, indent=2) + "\n")
        filed.cases[case_id] = len(fresh)
    return filed


def write_pending(pending: list[PendingNegative], out: Path) -> int:
    """Append to (or create) a negatives file; returns how many were new."""
    existing: list[PendingNegative] = []
    if out.exists():
        try:
            existing = NegativesFile.model_validate_json(out.read_text(encoding="utf-8")).negatives
        except ValueError as exc:
            raise UserError(f"not a negatives file ({NEGATIVES_FORMAT}): {str(exc).splitlines()[0]}",
                            path=out) from None
    have = {p.negative.id for p in existing}
    fresh = [p for p in pending if p.negative.id not in have]
    write_atomic(out, NegativesFile(negatives=existing + fresh).model_dump_json(indent=2) + "\n")
    return len(fresh)
