"""The SQLite cache under concurrency: two processes on one database (WAL) do not corrupt it,
and two ``brief`` runs sharing a cache both finish and both land their answers in it."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

from summarizer.llm.cache import Store
from summarizer.schema import Brief

from .conftest import ROOT, SEED_FILES

ROWS = 300


def _hammer(path: str, tag: str, rows: int, start) -> None:
    """Write ``rows`` entries, read back everything seen so far, and flip the remembered mode."""
    store = Store(Path(path))
    start.wait()
    for i in range(rows):
        store.put(f"{tag}-{i}", endpoint="e", model="m", prompt="p@v1:x", step=f"s{i % 3}",
                  content=f'{{"n": {i}, "by": "{tag}"}}' + "x" * (i % 50), prompt_tokens=i, completion_tokens=1,
                  seconds=0.01)
        assert store.get(f"{tag}-{i}").prompt_tokens == i
        store.set_mode("e", "m", "json_object" if i % 2 else "prompted")
        if i % 25 == 0:
            store.stats()
    store.close()


def test_two_processes_writing_one_database_do_not_corrupt_it(tmp_path):
    path = tmp_path / "cache.sqlite3"
    Store(path).close()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    workers = [ctx.Process(target=_hammer, args=(str(path), tag, ROWS, start)) for tag in ("a", "b")]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0, "a writer failed (database locked or corrupt?)"
    store = Store(path)
    assert store.integrity() == "ok"
    assert store.count() == 2 * ROWS
    assert all(store.get(f"{tag}-{i}") is not None for tag in "ab" for i in range(ROWS))
    assert store.mode("e", "m") in ("json_object", "prompted")
    assert store._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_brief_runs_share_one_cache(fake, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for path in SEED_FILES[2:4]:
        shutil.copy(path, reports / path.name)
    env = {**os.environ, "OPENAI_BASE_URL": fake.base_url, "SUMMARIZER_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.Popen([sys.executable, "-m", "summarizer", "brief", str(reports), "--out", str(tmp_path / out),
                              "--model", "fake", "-j", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for out in ("one", "two")]
    for r in runs:
        _, stderr = r.communicate(timeout=600)
        assert r.returncode == 0, stderr[-2000:]
    for out in ("one", "two"):
        for path in SEED_FILES[2:4]:
            Brief.model_validate_json((tmp_path / out / f"{path.stem}.brief.json").read_text())
    store = Store(tmp_path / "cache" / "cache.sqlite3")
    assert store.integrity() == "ok"
    # every distinct question either run asked was answered into the one database
    asked = {json.dumps(r["body"]["messages"], sort_keys=True) for r in fake.chat_requests}
    assert store.count() == len(asked) > 0
