"""``summarizer spotcheck serve``: the review page on 127.0.0.1, saving verdicts it POSTs.

- ``GET /`` the page (read from disk on every request, so a re-drawn page is picked up);
- ``GET /verdicts`` the verdicts saved so far (204 No Content before the first save);
- ``POST /verdicts`` a verdict file (JSON): validated, checked to belong to this page's
  sample, written atomically.

Only loopback is bound, and a POST must come from the page itself (its Host and, when
sent, Origin must be this server), so another web site open in the same browser cannot
write verdicts.
"""

from __future__ import annotations

import json
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import UserError
from ..files import write_atomic
from . import verdicts as vf

MAX_BODY = 32 * 1024 * 1024
HOST = "127.0.0.1"


def sample_of_page(page: Path) -> vf.VerdictFile:
    """The sample embedded in a review page."""
    text = Path(page).read_text(encoding="utf-8")
    m = re.search(r'<script id="sample" type="application/json">(.*?)</script>', text, re.DOTALL)
    if not m:
        raise UserError("not a spot-check review page (no embedded sample)", path=page,
                        hint="make one with `summarizer spotcheck sample BRIEFS... -o review.html`")
    return vf.parse(m.group(1), page)


class ReviewServer:
    """The server; use as a context manager (tests) or ``serve_forever`` (the CLI)."""

    def __init__(self, page: Path, verdicts: Path, port: int = 8765):
        self.page = Path(page)
        self.verdicts = Path(verdicts)
        self.sample = sample_of_page(self.page)
        self.ids = {item.id for item in self.sample.items}
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"app": self})
        try:
            self.httpd = ThreadingHTTPServer((HOST, port), handler)
        except OSError as exc:
            raise UserError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}",
                            hint="choose another --port (0 picks a free one)") from None
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def save(self, body: bytes) -> tuple[int, dict]:
        try:
            data = vf.parse(body.decode("utf-8"))
        except (UserError, UnicodeDecodeError) as exc:
            return HTTPStatus.BAD_REQUEST, {"error": str(exc)}
        foreign = {item.id for item in data.items} - self.ids
        if foreign or data.sample.seed != self.sample.sample.seed:
            return HTTPStatus.CONFLICT, {"error": "these verdicts are for another sample than this page's"}
        with self.lock:
            write_atomic(self.verdicts, vf.dumps(data))
        return HTTPStatus.OK, {"saved": str(self.verdicts), "judged": data.judged}

    def start(self) -> "ReviewServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve_forever(self) -> None:
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()

    def __enter__(self) -> "ReviewServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    app: ReviewServer
    server_version = "summarizer-spotcheck"

    def log_message(self, format, *args):  # quiet: the CLI prints what matters
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _same_origin(self) -> bool:
        allowed = {f"{HOST}:{self.app.port}", f"localhost:{self.app.port}"}
        if self.headers.get("Host") not in allowed:
            return False
        origin = self.headers.get("Origin")
        return origin is None or origin in {f"http://{a}" for a in allowed}

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if not self._same_origin():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "wrong host"})
        if path in ("/", "/index.html"):
            try:
                body = self.app.page.read_bytes()
            except OSError as exc:
                return self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"cannot read the page: {exc}"})
            return self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")
        if path == "/verdicts":
            if not self.app.verdicts.exists():  # nothing saved yet: not an error
                return self._send(HTTPStatus.NO_CONTENT, b"", "application/json")
            return self._send(HTTPStatus.OK, self.app.verdicts.read_bytes(), "application/json; charset=utf-8")
        if path == "/favicon.ico":  # browsers ask; the page has none
            return self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != "/verdicts":
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        if not self._same_origin():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "verdicts are accepted only from the review page"})
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send application/json"})
        try:
            length = int(self.headers.get("Content-Length") or "-1")
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.LENGTH_REQUIRED,
                              {"error": f"body must have a Content-Length of at most {MAX_BODY} bytes"})
        status, payload = self.app.save(self.rfile.read(length))
        self._json(status, payload)

    def do_PUT(self) -> None:
        self._json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST /verdicts"})

    do_DELETE = do_PATCH = do_PUT
