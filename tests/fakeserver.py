"""A real OpenAI-compatible HTTP server on 127.0.0.1 with scripted replies and faults.

Tests talk to it over real sockets through the real openai SDK: no mocked client.

- ``server.script`` is a queue of behaviours applied to the next chat-completion requests
  (a behaviour is a dict; see :meth:`FakeOpenAI._chat`), e.g. ``{"status": 429,
  "headers": {"Retry-After": "0"}}``, ``{"delay": 2}``, ``{"reset": True}``,
  ``{"content": "not json"}``, ``{"finish_reason": "length"}``, ``{"refusal": "no"}``.
- ``server.reject`` names response_format types the server refuses (like llama.cpp,
  which answers HTTP 500 to ``json_schema``).
- Otherwise ``server.responder(request) -> str`` writes the reply content; the default
  :func:`schema_responder` answers any step of the summarizer pipeline validly.
- ``server.requests`` records every request (path, headers, JSON body).
- Also ``/v1/models``, and ``/v1/files`` + ``/v1/batches`` for the Batch API flow.

Run as a script (``python tests/fakeserver.py --port N``) it serves the default responder:
the tests use that as a stand-in for the embedded llama.cpp server process.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

if __package__ in (None, ""):  # run as a script (a stand-in for the embedded server): find the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer.runners import synthetic


def report_lines(body: dict) -> list[tuple[int, str]]:
    return synthetic.report_lines(body.get("messages", []))


def schema_responder(body: dict) -> str:
    """A valid reply for any structured request, derived from the request's own schema
    (the package's one stand-in generator, :mod:`summarizer.runners.synthetic`)."""
    return synthetic.reply_to_request(body)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # clients that hang up (timeouts) are expected
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeOpenAI:
    def __init__(self, responder: Callable[[dict], str] | None = None, *, port: int = 0, latency: float = 0.0):
        self.responder = responder or schema_responder
        self.script: collections.deque[dict] = collections.deque()
        self.reject: set[str] = set()
        self.reject_status = 500
        self.requests: list[dict[str, Any]] = []
        self.latency = latency
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---- lifecycle
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAI":
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    # ---- behaviour
    def _next_behaviour(self) -> dict:
        with self.lock:
            return self.script.popleft() if self.script else {}

    def _chat(self, body: dict) -> tuple[int, dict, Any]:
        """(status, headers, payload) for a chat completion; payload None = drop the connection."""
        fmt = (body.get("response_format") or {}).get("type")
        if fmt in self.reject:
            return self.reject_status, {}, {"error": {"message": f"response_format: Input should be 'text' or "
                                                                 f"'json_object', got '{fmt}'", "type": "invalid"}}
        b = self._next_behaviour()
        if b.get("delay"):
            time.sleep(b["delay"])
        if b.get("reset"):
            return 200, {}, None
        if "status" in b:
            return b["status"], b.get("headers", {}), b.get("body", {"error": {"message": b.get("message",
                                                                                                "scripted failure")}})
        content = b["content"] if "content" in b else self.responder(body)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if b.get("refusal"):
            message = {"role": "assistant", "content": None, "refusal": b["refusal"]}
        if b.get("think"):
            message["content"] = f"<think>{b['think']}</think>\n{content}"
        prompt_tokens = sum(len(m.get("content", "")) for m in body.get("messages", [])) // 2
        return 200, b.get("headers", {}), {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": b.get("finish_reason", "stop")}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content or "") // 3 + 1,
                      "total_tokens": prompt_tokens + len(content or "") // 3 + 1},
        }

    # ---- Batch API (files + batches), enough for the summarizer's batch flow
    def _batch_routes(self, method: str, path: str, body: Any, raw: bytes, headers) -> tuple[int, dict, Any] | None:
        if method == "POST" and path == "/v1/files":
            file_id = f"file-{uuid.uuid4().hex[:12]}"
            content = _multipart_file(raw, headers.get("Content-Type", ""))
            self.files[file_id] = content
            return 200, {}, {"id": file_id, "object": "file", "bytes": len(content), "purpose": "batch",
                             "filename": "input.jsonl", "created_at": int(time.time()), "status": "processed"}
        m = re.fullmatch(r"/v1/files/([\w-]+)/content", path)
        if method == "GET" and m:
            return 200, {"Content-Type": "application/octet-stream"}, self.files.get(m.group(1), b"")
        if method == "POST" and path == "/v1/batches":
            batch_id = f"batch_{uuid.uuid4().hex[:12]}"
            self.batches[batch_id] = {"id": batch_id, "object": "batch", "endpoint": body["endpoint"],
                                      "input_file_id": body["input_file_id"], "completion_window": "24h",
                                      "status": "in_progress", "created_at": int(time.time()),
                                      "output_file_id": None, "error_file_id": None,
                                      "request_counts": {"total": 0, "completed": 0, "failed": 0}}
            return 200, {}, self.batches[batch_id]
        m = re.fullmatch(r"/v1/batches/([\w-]+)", path)
        if method == "GET" and m and m.group(1) in self.batches:
            self._complete(m.group(1))
            return 200, {}, self.batches[m.group(1)]
        return None

    def _complete(self, batch_id: str) -> None:
        batch = self.batches[batch_id]
        if batch["status"] != "in_progress":
            return
        lines_out = []
        requests = [json.loads(line) for line in self.files[batch["input_file_id"]].decode().splitlines() if line]
        for req in requests:
            status, _, payload = self._chat(req["body"])
            lines_out.append(json.dumps({"id": f"req_{uuid.uuid4().hex[:8]}", "custom_id": req["custom_id"],
                                         "response": {"status_code": status, "body": payload}, "error": None}))
        out_id = f"file-{uuid.uuid4().hex[:12]}"
        self.files[out_id] = ("\n".join(lines_out) + "\n").encode()
        batch.update(status="completed", output_file_id=out_id,
                     request_counts={"total": len(requests), "completed": len(requests), "failed": 0})

    # ---- HTTP plumbing
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall)

            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, headers: dict, payload: Any) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw and "json" in (self.headers.get("Content-Type") or "") else None
                except ValueError:
                    body = None
                path = self.path.split("?")[0]
                server.requests.append({"method": method, "path": path, "headers": dict(self.headers),
                                        "body": body})
                if server.latency:
                    time.sleep(server.latency)
                if path.endswith("/models"):
                    return self._reply(200, {}, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                if path.endswith("/chat/completions") and method == "POST":
                    status, headers, payload = server._chat(body or {})
                    if payload is None:  # connection reset mid-response
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", "1000")
                        self.end_headers()
                        self.wfile.write(b'{"id": "chatcmpl-')
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    return self._reply(status, dict(headers), payload)
                routed = server._batch_routes(method, path, body, raw, self.headers)
                if routed:
                    return self._reply(*routed)
                return self._reply(404, {}, {"error": {"message": f"no route {method} {path}"}})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        return Handler


def _multipart_file(raw: bytes, content_type: str) -> bytes:
    """The file part of a multipart/form-data upload."""
    m = re.search(r"boundary=\"?([^\";]+)", content_type)
    if not m:
        return raw
    boundary = ("--" + m.group(1)).encode()
    for part in raw.split(boundary):
        if b'name="file"' in part:
            head, _, data = part.partition(b"\r\n\r\n")
            return data[:-2] if data.endswith(b"\r\n") else data
    return b""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible server (default responder).")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="")
    args = parser.parse_args()
    fake = FakeOpenAI(port=args.port)
    try:
        fake._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
