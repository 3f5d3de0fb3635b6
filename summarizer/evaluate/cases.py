"""Load and validate an eval dataset (the format is in :mod:`.dataset`).

``validate`` checks what a run relies on: every case folder has a readable report and a
``reference.json`` that fits the schema, ids are unique, and every ``evidence_zh`` is a
verbatim substring of the report's cleaned text (``read_report(path).text``) — so no
reference rests on text the report does not contain. Softer problems (a fact without
keywords, a summary outside 80-250 words, a keyword the fact does not mention) are
warnings.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import UserError
from ..ingest import SUFFIXES, read_report
from .dataset import ReferenceTranslation, Reference

MANIFEST = "dataset.toml"
REFERENCE = "reference.json"
TRANSLATION = "translation.json"  # optional: a reference translation, sentence by sentence
_DATE = re.compile(r"^(\d{4}-)?\d{2}-\d{2}$")


class DatasetInfo(BaseModel):
    """``dataset.toml``. Only ``name`` and ``description`` are read; other keys are kept."""

    model_config = ConfigDict(extra="allow")
    name: str
    description: str = ""


@dataclass
class Case:
    id: str
    dir: Path
    report: Path | None
    reference: Reference | None = None
    error: str | None = None  # why the reference could not be loaded
    translation: ReferenceTranslation | None = None  # translation.json, when the case has one


@dataclass
class Dataset:
    path: Path
    info: DatasetInfo
    cases: list[Case]
    sha256: str

    @property
    def name(self) -> str:
        return self.info.name

    def case(self, case_id: str) -> Case:
        return next(c for c in self.cases if c.id == case_id)


@dataclass
class Problem:
    severity: Literal["error", "warning"]
    case: str | None
    message: str


@dataclass
class Validation:
    dataset: Dataset | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _report_file(case_dir: Path) -> Path | None:
    found = sorted(p for p in case_dir.glob("report.*") if p.suffix.lower() in SUFFIXES)
    return found[0] if found else None


def dataset_hash(path: Path) -> str:
    """sha256 over every file of the dataset (relative path + content), independent of file order."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(path).parts)):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _schema_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _load_json(path: Path, model):
    """(the file as ``model``, None) or (None, why it does not load)."""
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8")), None
    except ValidationError as exc:
        return None, f"{path.name} does not fit the schema: {_schema_error(exc)}"
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"{path.name} is not valid JSON: {exc}"


def load_dataset(path: Path) -> Dataset:
    """Read a dataset folder. Cases whose reference does not load carry an ``error``."""
    path = Path(path)
    if not path.is_dir():
        raise UserError("dataset folder not found", path=path, hint="give a folder such as evals/datasets/dev")
    info_path = path / MANIFEST
    if info_path.exists():
        try:
            info = DatasetInfo(**tomllib.loads(info_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValidationError) as exc:
            raise UserError(f"{MANIFEST} is invalid: {exc}", path=path) from None
    else:
        info = DatasetInfo(name=path.name)
    cases = []
    for case_dir in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        case = Case(id=case_dir.name, dir=case_dir, report=_report_file(case_dir))
        if not (case_dir / REFERENCE).exists():
            case.error = f"no {REFERENCE}"
        else:
            case.reference, case.error = _load_json(case_dir / REFERENCE, Reference)
        if (case_dir / TRANSLATION).exists():
            case.translation, error = _load_json(case_dir / TRANSLATION, ReferenceTranslation)
            case.error = case.error or error
        cases.append(case)
    return Dataset(path=path, info=info, cases=cases, sha256=dataset_hash(path))


def validate(path: Path) -> Validation:
    dataset = load_dataset(path)
    result = Validation(dataset)

    def add(severity, case, message):
        result.problems.append(Problem(severity, case, message))

    if not (dataset.path / MANIFEST).exists():
        add("warning", None, f"no {MANIFEST} (name, description, how the references were checked)")
    if not dataset.cases:
        add("error", None, "no case folders")
    for case in dataset.cases:
        if case.report is None:
            add("error", case.id, "no report file (report.txt, .md or .html)")
        if case.error:
            add("error", case.id, case.error)
        if case.report is None or case.reference is None:
            continue
        try:
            doc = read_report(case.report)
        except UserError as exc:
            add("error", case.id, f"report cannot be read: {exc.problem}")
            continue
        _validate_reference(case.id, case.reference, doc.text, add)
        if case.translation is not None:
            _validate_translation(case.id, case.translation, doc, add)
    return result


def _validate_reference(case: str, ref: Reference, text: str, add) -> None:
    for kind, items in (("key fact", ref.key_facts), ("action", ref.actions), ("negative", ref.negatives)):
        ids = [item.id for item in items]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            add("error", case, f"{kind} id {dup!r} is used more than once")
    evidence = [(f"key fact {f.id}", f.evidence_zh) for f in ref.key_facts]
    evidence += [(f"action {a.id}", a.evidence_zh) for a in ref.actions]
    evidence += [(f"negative {n.id}", n.evidence_zh) for n in ref.negatives if n.evidence_zh]
    for what, quote in evidence:
        if not quote.strip():
            add("error", case, f"{what}: evidence_zh is empty")
        elif quote not in text:
            add("error", case, f"{what}: evidence_zh is not verbatim in the report's cleaned text: "
                               f"{quote[:40]!r}{'…' if len(quote) > 40 else ''}")
    for a in ref.actions:
        if a.owner_zh and a.owner_zh not in a.evidence_zh:
            add("warning", case, f"action {a.id}: owner_zh {a.owner_zh!r} does not occur in its evidence_zh")
        if a.deadline and a.deadline.date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", a.deadline.date):
            add("error", case, f"action {a.id}: deadline.date {a.deadline.date!r} is not YYYY-MM-DD")
    if ref.meeting.date and not _DATE.match(ref.meeting.date):
        add("error", case, f"meeting.date {ref.meeting.date!r} is not YYYY-MM-DD or MM-DD")
    from .metrics import keyword_in, word_count

    for f in ref.key_facts:
        keywords = [k for k in f.keywords if k.strip()]
        if not keywords:
            add("warning", case, f"key fact {f.id} has no keywords: only the semantic recall can score it")
        for k in keywords:
            if not keyword_in(k, f.fact):
                add("warning", case, f"key fact {f.id}: keyword {k!r} does not occur in the fact's own text")
    words = word_count(ref.summary)
    if not 80 <= words <= 250:
        add("warning", case, f"reference summary has {words} words (the format asks for 80-250)")



def _validate_translation(case: str, ref: ReferenceTranslation, doc, add) -> None:
    """Every reference sentence is one of the report's sentences, each sentence is translated once,
    and no English carries Chinese."""
    from ..schema import HAN

    sentences = [s.text for s in doc.sentences]
    given = [s.zh for s in ref.sentences]
    unknown = [zh for zh in given if zh not in set(sentences)]
    for zh in unknown[:3]:
        add("error", case, f"{TRANSLATION}: '{zh[:40]}' is not a sentence of the report (as the tool splits it)")
    missing = len([zh for zh in dict.fromkeys(sentences) if zh not in set(given)])
    if missing:
        add("warning", case, f"{TRANSLATION}: {missing} sentence(s) of the report have no reference English")
    for s in ref.sentences:
        if HAN.search(s.en):
            add("error", case, f"{TRANSLATION}: Chinese characters in the English of '{s.zh[:30]}'")
