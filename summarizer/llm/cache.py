"""SQLite store: the response cache and what each endpoint+model supports.

One database file per cache directory, in WAL mode so several processes can read and
write it at once (each connection waits up to 30 s for a lock instead of failing). Every
write is one autocommit statement, so a process killed at any moment leaves the database
consistent (SQLite's journal rolls back the unfinished write). Keys never contain the API
key; values are model outputs that already validated.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS responses (
        key TEXT PRIMARY KEY,
        created REAL NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt TEXT NOT NULL,
        step TEXT NOT NULL,
        content TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        seconds REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS capabilities (
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        mode TEXT NOT NULL,
        updated REAL NOT NULL,
        PRIMARY KEY (endpoint, model)
    )""",
    """CREATE TABLE IF NOT EXISTS embeddings (
        key TEXT PRIMARY KEY,
        vector BLOB NOT NULL
    )""",
]


def cache_key(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Cached:
    content: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    # ---- responses
    def get(self, key: str) -> Cached | None:
        row = self._conn().execute(
            "SELECT content, prompt_tokens, completion_tokens, seconds FROM responses WHERE key = ?", (key,)
        ).fetchone()
        return Cached(*row) if row else None

    def put(self, key: str, *, endpoint: str, model: str, prompt: str, step: str, content: str,
            prompt_tokens: int, completion_tokens: int, seconds: float) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, time.time(), endpoint, model, prompt, step, content, prompt_tokens, completion_tokens, seconds),
        )

    def stats(self) -> list[tuple]:
        return self._conn().execute(
            "SELECT endpoint, model, prompt, step, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens) "
            "FROM responses GROUP BY endpoint, model, prompt, step ORDER BY endpoint, model, prompt, step"
        ).fetchall()

    def clear(self, older_than_days: float | None = None) -> int:
        if older_than_days is None:
            cur = self._conn().execute("DELETE FROM responses")
        else:
            cur = self._conn().execute("DELETE FROM responses WHERE created < ?",
                                       (time.time() - older_than_days * 86400,))
        return cur.rowcount

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def integrity(self) -> str:
        """SQLite's own consistency check: 'ok' when the database is sound."""
        return "; ".join(row[0] for row in self._conn().execute("PRAGMA integrity_check").fetchall())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ---- sentence embeddings (summarizer.embed), keyed by model and text hash
    def vectors(self, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            part = keys[start:start + 500]
            rows = self._conn().execute(
                f"SELECT key, vector FROM embeddings WHERE key IN ({','.join('?' * len(part))})", part).fetchall()
            out.update(rows)
        return out

    def put_vectors(self, items: list[tuple[str, bytes]]) -> None:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?)", items)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # ---- structured-output capability per endpoint+model
    def mode(self, endpoint: str, model: str) -> str | None:
        row = self._conn().execute(
            "SELECT mode FROM capabilities WHERE endpoint = ? AND model = ?", (endpoint, model)
        ).fetchone()
        return row[0] if row else None

    def set_mode(self, endpoint: str, model: str, mode: str) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO capabilities VALUES (?, ?, ?, ?)", (endpoint, model, mode, time.time())
        )
