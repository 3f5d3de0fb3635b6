"""Batch API jobs: the online pipeline's requests, sent through ``/v1/files`` + ``/v1/batches``.

A job runs in rounds. ``prepare`` runs every report through the pipeline offline
(:class:`~summarizer.runners.offline.OfflineRunner`) and writes the requests that can be sent
now: for a prompt whose steps are independent that is every call; a step that reads an
earlier step's output (a translation step, the reduce step of a long report) waits for the
next round. ``submit`` uploads the round's JSONL and creates the batch; ``status`` shows its
progress; ``collect`` downloads the output (or reads a local results file, e.g. from vLLM's
``run_batch``), validates every reply with the step's own output model, stores the valid
ones in the response cache under the keys the online path uses, and runs the pipeline
again: finished reports are written as NAME.brief.md/.json by the same code as
``summarizer brief``; the others get their next requests written as the next round.

A reply that failed or does not validate fails its report (listed with the reason); the
replies that did validate stay cached, so ``summarizer brief REPORT`` (same endpoint and
model) redoes only the failed calls, online. A request with no output line at all (an
expired batch) is simply sent again in the next round.

The job folder::

    job.json                           endpoint, model, prompt, reports and rounds (file and batch ids)
    round-1.requests.jsonl             the requests (more parts when over the API's per-file limits)
    round-1.results.jsonl              the output, as downloaded
    round-1.errors.jsonl               the API's error file, if any
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..brief import failure, write_outputs
from ..config import Settings, load_settings
from ..errors import UserError
from ..facts.glossary import Glossary
from ..files import output_bases, resolve_path, write_atomic, write_atomic_bytes
from ..llm.client import Mode
from ..pipeline import Briefed, Translated, add_checks, off_loop
from ..plan import History, PlanRow, plan_one, row_for
from ..prices import PriceTable, load_prices
from ..prompts import Prompt, load_prompt
from ..runners.offline import Planned, jsonl_line, offline_llm, structured_mode

log = logging.getLogger(__name__)

JOB_FILE = "job.json"
ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
# OpenAI's limits per batch input file: 50,000 requests and 200 MB
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 190 * 2**20
FINISHED = {"completed", "expired", "cancelled"}
UNFINISHED = {"validating", "in_progress", "finalizing", "cancelling"}


# ------------------------------------------------------------------ state (job.json)
class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Part(_State):
    file: str  # requests file, relative to the job folder
    requests: int
    bytes: int
    input_file_id: str | None = None
    batch_id: str | None = None
    status: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None


class RequestRef(_State):
    key: str  # response-cache key: what the reply is stored under
    step: str
    reports: list[int]  # indexes into Job.reports (identical requests are sent once)


class Round(_State):
    number: int
    parts: list[Part] = Field(default_factory=list)
    requests: dict[str, RequestRef] = Field(default_factory=dict)  # by custom_id
    collected: bool = False


class ReportEntry(_State):
    path: str
    root: str | None = None  # the folder argument it was found under (keeps the layout under --out)
    status: Literal["pending", "written", "failed"] = "pending"
    reason: str | None = None
    outputs: list[str] = Field(default_factory=list)


class Job(_State):
    version: int = 1
    created: str
    base_url: str
    model: str
    prompt: str  # path of the prompt file
    prompt_ref: str
    prompt_sha256: str
    mode: str  # structured-output mode of the request bodies
    grounding: bool = True
    glossaries: list[str] = Field(default_factory=list)
    context_tokens: int
    reports: list[ReportEntry]
    rounds: list[Round] = Field(default_factory=list)

    @property
    def current(self) -> Round:
        return self.rounds[-1]

    @property
    def done(self) -> bool:
        return all(r.status != "pending" for r in self.reports)


def load_job(job_dir: Path) -> Job:
    path = Path(job_dir) / JOB_FILE
    try:
        return Job.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("no batch job here", path=job_dir,
                        hint="create one with `summarizer batch prepare REPORTS... --job DIR`") from None
    except (ValidationError, ValueError) as exc:
        raise UserError(f"{JOB_FILE} is damaged: {str(exc).splitlines()[0]}", path=job_dir) from None


def save_job(job_dir: Path, job: Job) -> None:
    write_atomic(Path(job_dir) / JOB_FILE, job.model_dump_json(indent=2) + "\n")


def job_settings(job: Job, config: Path | None = None) -> Settings:
    """The settings a job was prepared with (endpoint, model, prompt...), plus the key and cache from here."""
    # glossaries change the facts, hence the requests: the job's list, even when empty, not the config's
    return load_settings(config, base_url=job.base_url, model=job.model, prompt=job.prompt,
                         grounding=job.grounding, glossaries=[Path(g) for g in job.glossaries], revise=False,
                         context_tokens=job.context_tokens)


def job_prompt(job: Job) -> Prompt:
    prompt = load_prompt(job.prompt, kind=None)
    if prompt.sha256 != job.prompt_sha256:
        raise UserError(f"prompt {job.prompt_ref} ({job.prompt}) changed since the job was prepared",
                        hint="its replies would not match; prepare a new job")
    return prompt


# ------------------------------------------------------------------ rounds
def _write_parts(job_dir: Path, number: int, lines: list[str]) -> list[Part]:
    """The round's requests as JSONL files within the API's per-file limits."""
    parts: list[list[str]] = [[]]
    size = 0
    for line in lines:
        n = len(line.encode("utf-8")) + 1
        if parts[-1] and (len(parts[-1]) >= MAX_REQUESTS_PER_FILE or size + n > MAX_BYTES_PER_FILE):
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += n
    written = []
    for i, chunk in enumerate(p for p in parts if p):
        name = f"round-{number}.requests.jsonl" if len(parts) == 1 else f"round-{number}.part-{i + 1}.requests.jsonl"
        data = ("\n".join(chunk) + "\n").encode("utf-8")
        write_atomic_bytes(job_dir / name, data)
        written.append(Part(file=name, requests=len(chunk), bytes=len(data)))
    return written


def new_round(job: Job, job_dir: Path, pending: dict[int, list[Planned]]) -> Round:
    """Round N+1 from the requests each pending report can send now (identical requests once)."""
    number = len(job.rounds) + 1
    by_key: dict[str, str] = {}
    requests: dict[str, RequestRef] = {}
    lines: list[str] = []
    for index in sorted(pending):
        for planned in pending[index]:
            if planned.key in by_key:
                ref = requests[by_key[planned.key]]
                if index not in ref.reports:
                    ref.reports.append(index)
                continue
            custom_id, n = planned.custom_id, 1
            while custom_id in requests:  # unique within the file, whatever the reports
                n += 1
                custom_id = f"{planned.custom_id}~{n}"
            if custom_id != planned.custom_id:
                planned = Planned(**{**planned.__dict__, "custom_id": custom_id})
            by_key[planned.key] = custom_id
            requests[custom_id] = RequestRef(key=planned.key, step=planned.step, reports=[index])
            lines.append(jsonl_line(planned))
    round_ = Round(number=number, requests=requests)
    round_.parts = _write_parts(job_dir, number, lines) if lines else []
    return round_


# ------------------------------------------------------------------ prepare
@dataclass
class Prepared:
    job: Job
    rows: list[PlanRow]


def prepare(targets: list[tuple[Path, Path | None]], settings: Settings, prompt: Prompt, job_dir: Path, *,
            mode: Mode | str | None = None, prices: PriceTable | Path | None = None, force: bool = False,
            glossary: Glossary | None = None) -> Prepared:
    """Create a job for reports ``[(path, root)]``: its first round of requests, and the cost plan."""
    if settings.is_embedded:
        raise UserError("the embedded model has no Batch API",
                        hint="give the endpoint and model the batch is for: --base-url URL --model NAME "
                             "(for vLLM's run_batch, the model it serves)")
    if not settings.use_cache:
        raise UserError("a batch job needs the response cache (it is where collected replies go)",
                        hint="drop --no-cache / use_cache = false")
    job_dir = Path(job_dir)
    if (job_dir / JOB_FILE).exists() and not force:
        raise UserError("a batch job already exists here", path=job_dir,
                        hint="use another --job folder, or --force to start this one over")
    job_dir.mkdir(parents=True, exist_ok=True)
    for old in job_dir.glob("round-*.jsonl"):
        old.unlink()
    table = prices if isinstance(prices, PriceTable) else load_prices(prices)
    price = table.price(settings.model_name)
    glossary = glossary if glossary is not None else Glossary.load(settings.glossaries)
    job = Job(created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), base_url=settings.base_url,
              model=settings.model_name, prompt=str(prompt.path.resolve()), prompt_ref=prompt.ref,
              prompt_sha256=prompt.sha256, mode="", grounding=settings.grounding,
              glossaries=[str(resolve_path(g)) for g in settings.glossaries],
              context_tokens=settings.context_budget,
              reports=[ReportEntry(path=str(resolve_path(p)), root=str(resolve_path(r)) if r else None)
                       for p, r in targets])

    async def main() -> list[PlanRow]:
        llm = offline_llm(settings)
        try:
            if llm.store is None:
                raise UserError(f"cannot open the response cache {settings.db_path}",
                                hint="a batch job keeps its replies there; move the file aside to start a new one")
            chosen = structured_mode(llm, mode)
            job.mode = chosen.value
            history = History(llm)
            rows, pending = [], {}
            for index, entry in enumerate(job.reports):
                run = await plan_one(Path(entry.path), settings=settings, prompt=prompt, llm=llm, glossary=glossary,
                                     mode=chosen)
                if run.runner is None:
                    entry.status, entry.reason = "failed", run.error
                    rows.append(PlanRow(path=Path(entry.path), error=run.error))
                    continue
                rows.append(row_for(Path(entry.path), run.runner, run.source_tokens, history, price, batch=True))
                pending[index] = run.runner.requests
            job.rounds.append(new_round(job, job_dir, pending))
            return rows
        finally:
            await llm.aclose()

    rows = asyncio.run(main())
    save_job(job_dir, job)
    return Prepared(job=job, rows=rows)


# ------------------------------------------------------------------ the API: submit, status, download
def api_client(settings: Settings) -> openai.OpenAI:
    key = settings.api_key.get_secret_value() if settings.api_key else None
    # control-plane calls are few: the SDK's own retries (with backoff) are enough here
    return openai.OpenAI(base_url=settings.base_url, api_key=key or "not-needed", max_retries=3,
                         timeout=min(settings.timeout, 300))


def _api_error(exc: openai.OpenAIError, settings: Settings, doing: str) -> UserError:
    if isinstance(exc, openai.APIStatusError):
        detail = f"HTTP {exc.status_code}: {' '.join(str(exc.message).split())[:200]}"
    else:
        detail = " ".join(str(exc).split())[:200]
    return UserError(settings.scrub(f"{doing} failed: {detail}"),
                     hint="check the endpoint supports the Batch API (/v1/files, /v1/batches)")


def submit(job_dir: Path, settings: Settings, client: openai.OpenAI | None = None) -> Job:
    """Upload the current round's request files and create one batch per file (idempotent per part)."""
    job = load_job(job_dir)
    round_ = job.current
    if round_.collected or job.done:
        raise UserError("nothing to submit: every report is written or failed", path=job_dir)
    if not round_.parts:
        raise UserError("this round has no requests (every reply is cached)", path=job_dir,
                        hint="run `summarizer batch collect` to write the briefings")
    client = client or api_client(settings)
    for part in round_.parts:
        if part.batch_id:
            continue
        try:
            if not part.input_file_id:
                with open(Path(job_dir) / part.file, "rb") as fh:
                    uploaded = client.files.create(file=(part.file, fh), purpose="batch")
                part.input_file_id = uploaded.id
                save_job(job_dir, job)  # an upload is not repeated if creating the batch fails
            batch = client.batches.create(input_file_id=part.input_file_id, endpoint=ENDPOINT,
                                          completion_window=COMPLETION_WINDOW,
                                          metadata={"tool": "summarizer", "round": str(round_.number),
                                                    "prompt": job.prompt_ref})
        except openai.OpenAIError as exc:
            raise _api_error(exc, settings, f"submitting {part.file}") from None
        part.batch_id, part.status = batch.id, batch.status
        save_job(job_dir, job)
    return job


def _update(part: Part, batch: Any) -> None:
    part.status = batch.status
    counts = getattr(batch, "request_counts", None)
    if counts is not None:
        part.counts = {"total": counts.total, "completed": counts.completed, "failed": counts.failed}
    part.output_file_id = getattr(batch, "output_file_id", None)
    part.error_file_id = getattr(batch, "error_file_id", None)


def status(job_dir: Path, settings: Settings, client: openai.OpenAI | None = None) -> Job:
    """Refresh every submitted part of the current round from the API."""
    job = load_job(job_dir)
    submitted = [p for p in job.current.parts if p.batch_id]
    if submitted:
        client = client or api_client(settings)
        for part in submitted:
            try:
                _update(part, client.batches.retrieve(part.batch_id))
            except openai.OpenAIError as exc:
                raise _api_error(exc, settings, f"reading batch {part.batch_id}") from None
        save_job(job_dir, job)
    return job


def download(job_dir: Path, job: Job, settings: Settings, client: openai.OpenAI | None = None) -> list[Path]:
    """The output (and error) files of the current round, once every part is finished."""
    round_ = job.current
    unsent = [p.file for p in round_.parts if not p.batch_id]
    if unsent:
        raise UserError(f"not submitted yet: {', '.join(unsent)}", path=job_dir,
                        hint="run `summarizer batch submit`, or collect a local results file with --results")
    client = client or api_client(settings)
    files = []
    for n, part in enumerate(round_.parts, 1):
        try:
            batch = client.batches.retrieve(part.batch_id)
        except openai.OpenAIError as exc:
            raise _api_error(exc, settings, f"reading batch {part.batch_id}") from None
        _update(part, batch)
        if part.status in UNFINISHED:
            done = part.counts.get("completed", 0) + part.counts.get("failed", 0)
            raise UserError(f"batch {part.batch_id} is {part.status} ({done}/{part.counts.get('total', '?')} done)",
                            hint="check later with `summarizer batch status`")
        if part.status not in FINISHED:
            errors = getattr(getattr(batch, "errors", None), "data", None) or []
            detail = "; ".join(f"{getattr(e, 'code', '')}: {getattr(e, 'message', '')}" for e in errors[:3])
            raise UserError(f"batch {part.batch_id} {part.status}" + (f": {detail}" if detail else ""),
                            hint="fix the cause, then `summarizer batch prepare` a new job")
        suffix = "" if len(round_.parts) == 1 else f".part-{n}"
        for kind, file_id in (("results", part.output_file_id), ("errors", part.error_file_id)):
            if not file_id:
                continue
            try:
                data = client.files.content(file_id).read()
            except openai.OpenAIError as exc:
                raise _api_error(exc, settings, f"downloading {file_id}") from None
            target = Path(job_dir) / f"round-{round_.number}{suffix}.{kind}.jsonl"
            write_atomic_bytes(target, data)
            files.append(target)
    save_job(job_dir, job)
    return files


# ------------------------------------------------------------------ collect
class ReportOutcome(BaseModel):
    path: str
    status: Literal["written", "next round", "failed"]
    reason: str | None = None
    outputs: list[str] = Field(default_factory=list)


class Collected(BaseModel):
    job: Job
    reports: list[ReportOutcome]
    stored: int  # replies validated and cached
    invalid: int  # replies that failed or did not validate
    unknown: int  # output lines whose custom_id is not in the round
    next_round: int | None = None  # its number, if one was written


def read_results(files: Iterable[Path]) -> list[dict]:
    lines = []
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read results: {exc.strerror}", path=path) from None
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                lines.append(json.loads(line))
            except ValueError:
                raise UserError(f"line {n} is not JSON", path=path, hint="give the batch output file as written "
                                "by the API or by vLLM's run_batch") from None
    return lines


def collect(job_dir: Path, out_dir: Path, settings: Settings, *, results: list[Path] | None = None,
            client: openai.OpenAI | None = None) -> Collected:
    """Validate and cache the current round's replies; write finished reports; prepare the next round."""
    job_dir = Path(job_dir)
    job = load_job(job_dir)
    if job.done:
        raise UserError("this job is finished: every report is written or failed", path=job_dir)
    prompt = job_prompt(job)
    round_ = job.current
    if results:
        files = list(results)
    elif round_.parts:
        files = download(job_dir, job, settings, client)
    else:
        files = []  # nothing was sent: every reply was already cached
    by_key: dict[str, dict] = {}
    unknown = 0
    for line in read_results(files):
        ref = round_.requests.get(str(line.get("custom_id")))
        if ref is None:
            unknown += 1
            continue
        # an error-file line never replaces a real reply for the same request
        if ref.key not in by_key or line.get("response"):
            by_key[ref.key] = line
    if unknown:
        log.warning("%d result lines name requests that are not in round %d (ignored)", unknown, round_.number)
    glossary = Glossary.load(settings.glossaries)
    outcomes: dict[int, ReportOutcome] = {}

    async def main() -> tuple[int, int]:
        llm = offline_llm(settings)
        stored = invalid = 0
        try:
            if llm.store is None or not llm.use_cache:
                raise UserError(f"cannot use the response cache {settings.db_path}",
                                hint="collected replies are kept there; check use_cache and the file")
            mode = Mode(job.mode)
            pending: dict[int, list[Planned]] = {}
            finished: dict[int, Briefed | Translated] = {}
            for index, entry in enumerate(job.reports):
                if entry.status != "pending":
                    continue
                run = await plan_one(Path(entry.path), settings=settings, prompt=prompt, llm=llm, glossary=glossary,
                                     mode=mode, results=by_key)
                runner = run.runner
                if runner is None:
                    outcomes[index] = ReportOutcome(path=entry.path, status="failed", reason=run.error)
                    continue
                stored += runner.stored
                invalid += len(runner.failures)
                if runner.failures:
                    reason = "; ".join(f"{cid}: {why}" for cid, why in runner.failures)
                    outcomes[index] = ReportOutcome(path=entry.path, status="failed",
                                                    reason=f"{len(runner.failures)} replies unusable ({reason}); "
                                                           "retry online with `summarizer brief`")
                elif runner.complete:
                    finished[index] = run.briefed
                elif runner.requests:
                    pending[index] = runner.requests
                    outcomes[index] = ReportOutcome(path=entry.path, status="next round")
                else:  # cannot happen: a stand-in is only made for a request this round can send
                    outcomes[index] = ReportOutcome(path=entry.path, status="failed",
                                                    reason="internal error: no request can make progress")
            await _write(finished)
            if pending:
                job.rounds.append(new_round(job, job_dir, pending))
            return stored, invalid
        finally:
            await llm.aclose()

    async def _write(finished: dict[int, Briefed | Translated]) -> None:
        """A finished report's briefing is the one its offline run just built from real replies only."""
        by_root: dict[str | None, list[int]] = {}
        for index in finished:
            by_root.setdefault(job.reports[index].root, []).append(index)
        for root, group in by_root.items():
            bases = output_bases([Path(job.reports[i].path) for i in group], Path(root) if root else None, out_dir)
            for index in group:
                path = Path(job.reports[index].path)
                writing = False
                try:
                    await off_loop(add_checks, finished[index], prompt, glossary)
                    writing = True
                    outputs = await off_loop(write_outputs, finished[index].output, bases[path])
                except Exception as exc:  # one report's failure is its own
                    outcomes[index] = ReportOutcome(path=job.reports[index].path, status="failed",
                                                    reason=failure(path, exc, settings, writing=writing).reason)
                    continue
                outcomes[index] = ReportOutcome(path=job.reports[index].path, status="written",
                                                outputs=[str(p) for p in outputs])

    stored, invalid = asyncio.run(main())
    round_.collected = True
    for index, outcome in outcomes.items():
        entry = job.reports[index]
        if outcome.status == "written":
            entry.status, entry.reason, entry.outputs = "written", None, outcome.outputs
        elif outcome.status == "failed":
            entry.status, entry.reason = "failed", outcome.reason
    save_job(job_dir, job)
    next_number = job.current.number if job.current is not round_ else None
    return Collected(job=job, reports=[outcomes[i] for i in sorted(outcomes)], stored=stored, invalid=invalid,
                     unknown=unknown, next_round=next_number)
