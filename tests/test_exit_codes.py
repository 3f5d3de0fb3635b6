"""The exit codes of the README's table, one test per code, and the arguments and environment
that must map to them (bad arguments are 1, never typer's 2, which means "some reports failed")."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, seed
from .fakeserver import FakeOpenAI


def _cli(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "summarizer", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, cwd=cwd)


def _one_error_line(run) -> str:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert "Traceback" not in run.stderr and len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_readme_exit_code_table_matches_the_codes_tested_here():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `(\d+)` \|", section, re.MULTILINE) == ["0", "1", "2", "3", "130"]


def test_exit_0_when_every_report_is_done(fake, tmp_path):
    run = _cli("brief", seed("004"), "--out", tmp_path, "--model", "fake", env={"OPENAI_BASE_URL": fake.base_url})
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("args, message", [
    (["brief", "--no-such-flag", "x.txt"], "No such option: --no-such-flag"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (["brief", "REPORT", "--concurrency", "0"], "invalid setting concurrency"),
    (["brief", "REPORT", "-j", "-3"], "invalid setting concurrency"),
    (["brief", "REPORT", "--timeout", "0"], "--timeout"),
    (["brief", "REPORT", "--max-attempts", "0"], "--max-attempts"),
    (["brief", "nope/missing.txt"], "no such file or folder"),
    (["brief", "REPORT", "--prompt", "prompts/briefing/v9.md"], "prompt file not found"),
    (["brief", "REPORT", "--prompt", "briefing@v99"], "no prompt briefing@v99"),
    (["brief", "REPORT", "--prompt", "not a ref!"], "bad prompt reference"),
    (["brief", "REPORT", "--config", "missing.toml"], "config file not found"),
    (["brief", "EMPTYDIR"], "no reports to brief"),
])
def test_exit_1_when_nothing_could_start(args, message, tmp_path):
    (tmp_path / "empty").mkdir()
    args = [str(seed("004")) if a == "REPORT" else str(tmp_path / "empty") if a == "EMPTYDIR" else a for a in args]
    run = _cli(*args)
    assert run.returncode == 1, run.stderr
    assert message in _one_error_line(run)


def test_exit_1_for_a_bad_config_value_names_the_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("concurrency = -1\n")
    run = _cli("brief", seed("004"), "--config", config)
    assert run.returncode == 1
    line = _one_error_line(run)
    assert "invalid setting concurrency" in line and str(config) in line


def test_exit_2_when_some_reports_failed(fake, tmp_path):
    reports = tmp_path / "r"
    reports.mkdir()
    shutil.copy(seed("004"), reports / "good.txt")
    (reports / "empty.txt").write_text("")
    run = _cli("brief", reports, "--out", tmp_path / "out", "--model", "fake", env={"OPENAI_BASE_URL": fake.base_url})
    assert run.returncode == 2 and "1 of 2 reports failed" in run.stderr


def test_exit_3_when_an_eval_gate_finds_a_regression(tmp_path):
    from .test_eval_compare import scores, synthetic_run

    a = {(f"c{i}", 0): scores(rougeL=0.40) for i in range(4)}
    b = {(f"c{i}", 0): scores(rougeL=0.30) for i in range(4)}
    synthetic_run(tmp_path / "runs", "ab", {"briefing@v1": a, "briefing@v2": b})
    args = ["eval", "compare", "ab", "--runs-dir", tmp_path / "runs"]
    assert _cli(*args, "--fail-on-regression", "rougeL:0.2").returncode == 0
    gated = _cli(*args, "--fail-on-regression", "rougeL:0.05")
    assert gated.returncode == 3, gated.stdout + gated.stderr
    assert "REGRESSION rougeL:0.05" in gated.stdout


def test_exit_130_when_interrupted_and_finished_reports_are_kept(tmp_path):
    with FakeOpenAI(latency=3.0) as slow:
        proc = subprocess.Popen([sys.executable, "-m", "summarizer", "brief", str(seed("004")), "--out",
                                 str(tmp_path / "out"), "--model", "fake"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "OPENAI_BASE_URL": slow.base_url},
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while not slow.chat_requests and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err


def test_an_unusable_cache_folder_runs_without_a_cache(fake, tmp_path):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x")
    run = _cli("brief", seed("004"), "--out", tmp_path / "out", "--model", "fake",
               env={"OPENAI_BASE_URL": fake.base_url, "SUMMARIZER_CACHE_DIR": str(blocker),
                    "TIKTOKEN_CACHE_DIR": ""})
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / f"{seed('004').stem}.brief.json").exists()
    assert "running without it" in run.stderr and "cannot write outputs" not in run.stderr
