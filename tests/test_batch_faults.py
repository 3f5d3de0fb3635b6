"""A batch of 30 reports against a local OpenAI-compatible server that injects faults on a script.

The command runs as a real subprocess (``python -m summarizer brief DIR --out OUT``); the
server decides each reply from the report a request carries, so the fault script is
deterministic however the requests interleave. 20% of the reports (6) fail permanently
(503, 429, connection reset, schema violation, refusal, empty reply); 11 more meet one
transient fault each (429 with and without Retry-After, 500, 502 twice, 503, a hung
request, a reset, an empty reply, a reply cut at max_tokens, an invalid reply, a <think>
preamble) and must recover. Then: re-run (only the failures are re-sent), fix the faults
and re-run (all done), ``--force`` (all redone, from the cache).

The figures (faults injected, reports completed, retries made) are printed with ``-s``
and written to ``test-artifacts/batch-faults.json``.
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from summarizer.facts import establish_facts
from summarizer.facts.structure import topics
from summarizer.ingest import read_report
from summarizer.render import to_markdown
from summarizer.schema import Brief

from .conftest import ROOT, SEED_FILES
from .fakeserver import FakeOpenAI

COPIES = 6  # per seed: 5 seeds x 6 = 30 reports
_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")
_ANNOTATION = re.compile(r"\[[^\]\n]*\]")


def make_batch(folder: Path, copies: int = COPIES) -> dict[str, str]:
    """30 reports from the five seeds, each copy with its own meeting day (so no two texts are
    equal). Returns name -> a sentence only that report's requests carry (to attribute them)."""
    folder.mkdir(parents=True, exist_ok=True)
    markers: dict[str, str] = {}
    n = 0
    for k in range(copies):
        for seed_path in SEED_FILES:
            raw = seed_path.read_text(encoding="utf-8")
            m = _DATE.search(raw)
            day = (int(m.group(2)) - 1 + k) % 28 + 1
            text = raw[:m.start()] + f"{m.group(1)}月{day}日" + raw[m.end():]
            name = f"r{n:02d}_{seed_path.name[:3]}.txt"
            (folder / name).write_text(text, encoding="utf-8")
            doc = read_report(folder / name)
            markers[name] = doc.sentence(topics(doc, establish_facts(doc))[0].first).simplified
            n += 1
    assert len(set(markers.values())) == len(markers), "each report needs a sentence of its own"
    return markers


class ScriptedServer(FakeOpenAI):
    """The fake server, with each request's behaviour chosen by ``plan(report, attempt)``:
    ``report`` is the batch file the request belongs to, ``attempt`` counts its requests."""

    def __init__(self, markers: dict[str, str], plan, **kw):
        super().__init__(**kw)
        self.markers = markers
        self.plan = plan
        self.attempts: collections.Counter[str] = collections.Counter()  # drives the script; never reset
        self.per_report: collections.Counter[str] = collections.Counter()  # requests in this run
        self.faults: collections.Counter[str] = collections.Counter()
        self.log: list[tuple[str, str]] = []  # (report, fault kind or "ok")
        self._local = threading.local()

    def report_of(self, body: dict) -> str | None:
        user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
        plain = _ANNOTATION.sub("", user)
        found = [name for name, marker in self.markers.items() if marker in plain]
        return found[0] if len(found) == 1 else None

    def _chat(self, body: dict):
        report = self.report_of(body)
        with self.lock:
            self.per_report[report] += 1
            self.attempts[report] += 1
            attempt = self.attempts[report]
        kind, behaviour = self.plan(report, attempt) if report else (None, {})
        with self.lock:
            self.log.append((report, kind or "ok"))
            if kind:
                self.faults[kind] += 1
        self._local.behaviour = behaviour
        return super()._chat(body)

    def _next_behaviour(self) -> dict:
        return dict(getattr(self._local, "behaviour", None) or {})

    def reset_counts(self) -> None:
        with self.lock:
            self.per_report.clear()
            self.log.clear()


RA0 = {"Retry-After": "0"}
# transient: the fault on the report's first request only, then normal replies
TRANSIENT = {
    "r01": ("429 Retry-After: 0", [{"status": 429, "headers": RA0}]),
    "r02": ("429 without Retry-After", [{"status": 429}]),
    "r03": ("500", [{"status": 500}]),
    "r04": ("502 twice", [{"status": 502}, {"status": 502}]),
    "r05": ("503 Retry-After: 0", [{"status": 503, "headers": RA0}]),
    "r06": ("hung request", [{"delay": 4}]),
    "r07": ("connection reset", [{"reset": True}]),
    "r08": ("empty content", [{"content": ""}]),
    "r09": ("cut at max_tokens", [{"content": '{"headline": "The meeting', "finish_reason": "length"}]),
    "r10": ("schema violation", [{"content": json.dumps({"headline": 5, "points": "none"})}]),
    "r11": ("<think> preamble", [{"think": 'Let me plan the JSON {"headline": ...} first.'}]),
}
# permanent: every request fails until the faults are fixed; (fault, behaviour, reason kind, requests)
PERMANENT = {
    "r13": ("503 always", {"status": 503, "headers": RA0}, "http_503", 4),
    "r14": ("429 always", {"status": 429, "headers": RA0}, "http_429", 4),
    "r15": ("reset always", {"reset": True}, "connection", 4),
    "r16": ("schema violation always", {"content": json.dumps({"headline": 5})}, "schema_violation", 2),
    "r17": ("refusal", {"refusal": "I can't help with that."}, "refusal", 1),
    "r18": ("empty always", {"content": ""}, "empty_reply", 4),
}
# requests each transient report needs: the faulty ones plus one good reply
TRANSIENT_REQUESTS = {"r01": 2, "r02": 2, "r03": 2, "r04": 3, "r05": 2, "r06": 2, "r07": 2, "r08": 2, "r09": 2,
                      "r10": 2, "r11": 1}
BUDGET = ["--max-attempts", "4", "--timeout", "3", "--max-retry-seconds", "30"]


class Plan:
    def __init__(self):
        self.fixed = False

    def __call__(self, report: str, attempt: int):
        key = report[:3]
        if key in PERMANENT and not self.fixed:
            fault, behaviour, _, _ = PERMANENT[key]
            return fault, behaviour
        if key in TRANSIENT:
            fault, behaviours = TRANSIENT[key]
            if attempt <= len(behaviours):
                return fault, behaviours[attempt - 1]
        return None, {}


def brief_cli(*args, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "summarizer", "brief", *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "400", **env}, timeout=timeout, cwd=ROOT)


def table_rows(stdout: str) -> dict[str, str]:
    """file -> status cell, from the summary table."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)]
        if len(cells) > 3 and re.fullmatch(r"r\d\d_\d{3}\.txt", cells[1]):
            rows[cells[1]] = cells[2]
    return rows


def call_stats(stderr: str) -> dict[str, int]:
    m = re.search(r"model calls: (\d+) answered, (\d+) retries, (\d+) re-asks, (\d+) with a bigger max_tokens, "
                  r"(\d+) from the cache", stderr)
    assert m, stderr[-2000:]
    return dict(zip(("answered", "retries", "reasks", "widened", "cache_hits"), map(int, m.groups())))


def assert_complete(out: Path, names) -> None:
    """Every named report has a valid JSON brief and the Markdown rendered from it."""
    for name in names:
        stem = name[:-len(".txt")]
        brief = Brief.model_validate_json((out / f"{stem}.brief.json").read_text(encoding="utf-8"))
        assert (out / f"{stem}.brief.md").read_text(encoding="utf-8") == to_markdown(brief)
        assert brief.summary and brief.source.path.endswith(name)


@pytest.fixture
def batch(tmp_path):
    reports = tmp_path / "reports"
    markers = make_batch(reports)
    plan = Plan()
    with ScriptedServer(markers, plan) as server:
        yield reports, tmp_path / "out", server, plan


def test_batch_of_30_with_20_percent_faults_finishes_loses_nothing_and_resumes(batch, artifacts):
    reports, out, server, plan = batch
    env = {"OPENAI_BASE_URL": server.base_url}
    args = [reports, "--out", out, "--model", "fake", "--prompt", "briefing@v3", "-j", "8", *BUDGET]
    names = sorted(p.name for p in reports.glob("*.txt"))
    failing = {n for n in names if n[:3] in PERMANENT}
    assert len(names) == 30 and len(failing) == 6  # 20% of the reports fail for good

    # ---- run 1: everything that can finish does; each failure is listed with its reason
    first = brief_cli(*args, env=env)
    assert first.returncode == 2, first.stderr[-3000:]
    rows = table_rows(first.stdout)
    assert set(rows) == set(names), first.stdout
    for name in names:
        if name in failing:
            kind = PERMANENT[name[:3]][2]
            assert rows[name].startswith(f"failed: {kind}:"), (name, rows[name])
            assert f"failed {name}: {kind}:" in first.stderr  # also said as it happened
            assert not (out / f"{name[:-4]}.brief.json").exists()
        else:
            assert rows[name] == "ok", (name, rows[name])
    assert_complete(out, set(names) - failing)
    assert "6 of 30 reports failed" in first.stderr
    # each report got exactly the requests its script calls for: retries bounded, no storm
    expected = {n: 1 for n in names}
    expected.update({n: TRANSIENT_REQUESTS[n[:3]] for n in names if n[:3] in TRANSIENT})
    expected.update({n: PERMANENT[n[:3]][3] for n in failing})
    assert dict(server.per_report) == expected
    stats1 = call_stats(first.stderr)
    faults1 = dict(server.faults)
    assert stats1["retries"] == 21 and stats1["reasks"] == 2 and stats1["widened"] == 1
    requests1 = sum(server.per_report.values())

    # ---- run 2, same command: finished reports are skipped, only the failures are re-sent
    server.reset_counts()
    second = brief_cli(*args, env=env)
    assert second.returncode == 2
    assert set(server.per_report) == failing  # not one request for a finished report
    rows = table_rows(second.stdout)
    assert all(rows[n] == "up to date" for n in set(names) - failing)
    assert all(rows[n].startswith("failed:") for n in failing)

    # ---- run 3: the faults are fixed; the same command finishes the batch
    plan.fixed = True
    server.reset_counts()
    third = brief_cli(*args, env=env)
    assert third.returncode == 0, third.stderr[-3000:]
    assert dict(server.per_report) == {n: 1 for n in failing}
    rows = table_rows(third.stdout)
    assert sorted(n for n, s in rows.items() if s == "ok") == sorted(failing)
    assert_complete(out, names)

    # ---- --force redoes every report; the model is not asked again (the cache answers: --no-cache
    # would ask it, see test_cli)
    server.reset_counts()
    before = {p: p.stat().st_mtime_ns for p in out.glob("*.brief.json")}
    forced = brief_cli(*args, "--force", env=env)
    assert forced.returncode == 0 and not server.per_report
    assert set(table_rows(forced.stdout).values()) == {"ok"}
    assert call_stats(forced.stderr)["cache_hits"] == 30
    assert len(before) == 30 and all(p.stat().st_mtime_ns != mtime for p, mtime in before.items())
    assert_complete(out, names)
    assert not list(out.glob(".*.tmp"))

    figures = {
        "reports": 30, "fault_kinds": len(TRANSIENT) + len(PERMANENT),
        "faults_injected_run1": sum(faults1.values()), "faults_by_kind_run1": faults1,
        "requests_run1": requests1, "completed_run1": 30 - len(failing), "failed_run1": len(failing),
        "retries_run1": stats1["retries"], "reasks_run1": stats1["reasks"], "widened_run1": stats1["widened"],
        "completed_after_fix": 30, "lost": 0,
    }
    print("\nbatch figures:", json.dumps(figures))
    (artifacts / "batch-faults.json").write_text(json.dumps(figures, indent=2) + "\n")
