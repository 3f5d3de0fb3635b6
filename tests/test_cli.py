"""The command line, run as a real subprocess against the fake OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from summarizer.schema import Brief

from .conftest import ROOT, seed
from .test_local import FAKE_CMD, gone

CANARY = "sk-canary-0123456789abcdefCANARY"


def cli(*args, env=None, timeout=300):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "summarizer", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=ROOT)


def test_brief_a_folder_writes_outputs_and_a_table_and_survives_a_bad_file(fake, tmp_path):
    reports = tmp_path / "reports"
    (reports / "2021").mkdir(parents=True)
    shutil.copy(seed("003"), reports / "2021" / "dongchuan.txt")
    shutil.copy(seed("001"), reports / "puyang.md")
    (reports / "empty.txt").write_text("   \n")
    (reports / "notes.pdf").write_bytes(b"%PDF")  # not a report suffix: ignored
    out = tmp_path / "out"
    env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "200"}
    run = cli("brief", reports, "--out", out, "--model", "fake", env=env)
    assert run.returncode == 2, run.stderr  # one report failed
    assert "empty.txt: file is empty" in run.stdout + run.stderr
    for name in ("2021/dongchuan.brief.md", "2021/dongchuan.brief.json", "puyang.brief.md", "puyang.brief.json"):
        assert (out / name).exists(), name
    brief = Brief.model_validate_json((out / "2021/dongchuan.brief.json").read_text())
    assert brief.meeting.number == 79 and brief.source.sha256
    assert "calls" in run.stdout and "dongchuan.txt" in run.stdout  # the summary table
    calls_before = len(fake.chat_requests)
    # re-run: finished reports are skipped, only the failure is redone
    again = cli("brief", reports, "--out", out, "--model", "fake", env=env)
    assert again.returncode == 2 and "up to date" in again.stdout
    assert len(fake.chat_requests) == calls_before
    (reports / "empty.txt").unlink()
    forced = cli("brief", reports, "--out", out, "--model", "fake", "--force", "--no-cache", env=env)
    assert forced.returncode == 0, forced.stderr
    assert len(fake.chat_requests) > calls_before


def test_single_file_default_output_is_the_current_folder(fake, tmp_path):
    run = subprocess.run([sys.executable, "-m", "summarizer", "brief", str(seed("000")), "--model", "fake"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300,
                         env={**os.environ, "OPENAI_BASE_URL": fake.base_url, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "000_135582c317a90c25.brief.md").exists()


def test_schema_command_prints_the_contract():
    run = cli("schema")
    schema = json.loads(run.stdout)
    assert run.returncode == 0 and set(schema["required"]) >= {"source", "prompt", "model", "meeting", "summary",
                                                                "actions", "usage"}


def test_bad_input_is_one_clear_line_and_no_traceback(tmp_path):
    missing = cli("brief", tmp_path / "nope.txt")
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_prompt = cli("brief", seed("000"), "--prompt", "briefing@v99")
    assert bad_prompt.returncode == 1 and "no prompt briefing@v99" in bad_prompt.stderr
    assert "Traceback" not in bad_prompt.stderr


def test_api_key_never_printed_or_stored(fake, tmp_path):
    out = tmp_path / "out"
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": CANARY}
    fake.script.append({"status": 401, "message": f"Incorrect API key provided: {CANARY}"})
    run = cli("brief", seed("003"), "--out", out, "--model", "fake", "-vvv", env=env)
    assert CANARY not in run.stdout + run.stderr
    headers = {k.lower(): v for k, v in fake.chat_requests[0]["headers"].items()}
    assert headers["authorization"] == f"Bearer {CANARY}"  # it was used, not leaked
    for path in [*out.rglob("*"), *(tmp_path / "cache").rglob("*")]:
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_serve_is_reused_by_brief_and_stops_cleanly(fake, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[embedded]\ncommand = " + json.dumps(FAKE_CMD) + "\nstartup_timeout = 30\n")
    env = {**os.environ, "SUMMARIZER_CONFIG": str(config)}
    serve = subprocess.Popen([sys.executable, "-m", "summarizer", "serve"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "serving at" not in line and time.monotonic() < deadline:
            line = serve.stdout.readline()
        assert "serving at" in line
        url = line.split("serving at ")[1].split()[0]
        run = cli("brief", seed("003"), "--out", tmp_path / "o", "-v", env={"SUMMARIZER_CONFIG": str(config)})
        assert run.returncode == 0, run.stderr
        assert "reusing the embedded model server" in run.stderr and url.split("/v1")[0] in run.stderr
        state = json.loads((tmp_path / "cache" / "embedded-server.json").read_text())
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
    assert gone(state["pid"])


def test_changing_grounding_redoes_the_report(fake, tmp_path):
    out = tmp_path / "out"
    env = {"OPENAI_BASE_URL": fake.base_url}
    assert cli("brief", seed("003"), "--out", out, "--model", "fake", env=env).returncode == 0
    again = cli("brief", seed("003"), "--out", out, "--model", "fake", env=env)
    assert "up to date" in again.stdout
    other = cli("brief", seed("003"), "--out", out, "--model", "fake", "--no-grounding", env=env)
    assert other.returncode == 0 and "up to date" not in other.stdout
    data = json.loads((out / "003_edec80af956350d4.brief.json").read_text())
    assert data["options"] == {"grounding": False, "glossaries": [], "revise": False}


BLOCK_IMPORT = '''
import sys

class _Blocked:
    """Makes {name} unimportable, as on a machine where pip skipped it."""
    def find_spec(self, fullname, path=None, target=None):
        if fullname == {name!r} or fullname.startswith({name!r} + "."):
            raise ModuleNotFoundError(f"No module named {{fullname!r}}", name=fullname)
        return None

sys.meta_path.insert(0, _Blocked())
'''


def test_a_dependency_broken_at_import_is_one_line_and_only_fails_what_needs_it(fake, tmp_path):
    """lxml 5.2+ without lxml_html_clean (what pip 23 installed for trafilatura 2.3): HTML reports fail
    with one line naming the package; text reports in the same run are briefed; --help still works."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_IMPORT.format(name="lxml_html_clean"))
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(ROOT / "tests" / "corpus" / "government-page.html", reports / "page.html")
    shutil.copy(seed("004"), reports / "shanyang.txt")
    env = {"PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "OPENAI_BASE_URL": fake.base_url}
    assert cli("--help", env=env).returncode == 0
    run = cli("brief", reports, "--out", tmp_path / "out", "--model", "fake", env=env)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    (line,) = [x for x in run.stderr.splitlines() if "page.html" in x]
    assert "cannot import trafilatura, needed for reading HTML reports" in line and "lxml_html_clean" in line
    assert (tmp_path / "out" / "shanyang.brief.json").exists()
    assert not (tmp_path / "out" / "page.brief.json").exists()
