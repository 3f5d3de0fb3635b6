"""How many requests `summarizer brief` keeps in flight: --concurrency for a remote endpoint, and
never more than embedded.parallel (1) for the embedded server, whatever --concurrency says.

A counting responder holds each request for a moment and records the most it saw at once:
in-process for the remote endpoint, and in a fake "embedded" server process started through
``embedded.command`` (the same seam the real llama.cpp server goes through)."""

from __future__ import annotations

import json
import sys
import threading
import time

from .conftest import ROOT, seed
from .fakeserver import schema_responder
from .test_cli import cli

HOLD = 0.15

COUNTING_SERVER = f"""
import json, sys, threading, time
sys.path.insert(0, {str(ROOT)!r})
from tests.fakeserver import FakeOpenAI, schema_responder
port, stats = int(sys.argv[1]), sys.argv[2]
lock, state = threading.Lock(), {{"now": 0, "max": 0, "total": 0}}
def responder(body):
    with lock:
        state["now"] += 1
        state["total"] += 1
        state["max"] = max(state["max"], state["now"])
        open(stats, "w").write(json.dumps(state))
    time.sleep({HOLD})
    with lock:
        state["now"] -= 1
    return schema_responder(body)
FakeOpenAI(responder, port=port)._httpd.serve_forever()
"""


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.now = self.most = self.total = 0

    def __call__(self, body: dict) -> str:
        with self.lock:
            self.now += 1
            self.total += 1
            self.most = max(self.most, self.now)
        time.sleep(HOLD)
        with self.lock:
            self.now -= 1
        return schema_responder(body)


def test_remote_endpoint_gets_exactly_the_requested_concurrency(fake, tmp_path):
    counter = Counter()
    fake.responder = counter
    env = {"OPENAI_BASE_URL": fake.base_url}
    run = cli("brief", seed("000"), seed("003"), "--out", tmp_path / "out", "--model", "m", "--prompt",
              "briefing@v2", "--concurrency", "5", env=env)
    assert run.returncode == 0, run.stderr
    assert counter.total > 20
    assert counter.most == 5  # saturated, never exceeded


def test_embedded_server_never_gets_more_than_one_request_at_once(tmp_path):
    stats = tmp_path / "stats.json"
    config = tmp_path / "config.toml"
    command = [sys.executable, "-c", COUNTING_SERVER, "{port}", str(stats)]
    config.write_text(f"[embedded]\ncommand = {json.dumps(command)}\nstartup_timeout = 60\n")
    run = cli("brief", seed("000"), seed("003"), "--out", tmp_path / "out", "--prompt", "briefing@v2",
              "--concurrency", "4", "--config", config)
    assert run.returncode == 0, run.stderr
    state = json.loads(stats.read_text())
    assert state["total"] > 20
    assert state["max"] == 1  # llama-cpp-python serves one request at a time: the tool sends one at a time
