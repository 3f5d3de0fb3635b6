"""Nothing half-written: outputs survive ``kill -9`` at random moments, and a re-run completes them.

1. ``files.write_atomic`` on its own: a child process rewrites a 4 MB file in a loop and is
   SIGKILLed at seeded random moments; the file is always one whole version, and the
   temporary files the kills leave are removed by ``files.remove_stale_temps``.
2. The real command on a batch: ``summarizer brief`` is SIGKILLed at seeded random moments,
   resumed each time, then run to the end: after every kill each ``.brief.json`` parses and its
   ``.brief.md`` is the Markdown of that very JSON; the cache database passes SQLite's
   integrity check; the final run finishes every report and leaves no temporary file.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from summarizer.files import remove_stale_temps, write_atomic
from summarizer.llm.cache import Store
from summarizer.render import to_markdown
from summarizer.schema import Brief

from .conftest import ROOT, SEED_FILES

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from summarizer.files import write_atomic
    target = Path(sys.argv[1])
    size = int(sys.argv[2])
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        write_atomic(target, f"BEGIN {n}\\n" + "x" * size + f"\\nEND {n}\\n")
""")


def _whole(text: str) -> bool:
    lines = text.split("\n")
    return (len(lines) == 4 and lines[0].startswith("BEGIN ") and lines[2] == f"END {lines[0][6:]}"
            and lines[3] == "")


def test_write_atomic_survives_sigkill_mid_write(tmp_path):
    target = tmp_path / "out.brief.json"
    write_atomic(target, "BEGIN 0\n" + "x" * 10 + "\nEND 0\n")
    rng = random.Random(20240229)
    leftovers = trials = 0
    # at least 6 kills, and more (up to 40) until one lands mid-write: under load a kill can
    # keep landing between writes, and a run where none lands mid-write has tested nothing
    while trials < 6 or (leftovers == 0 and trials < 40):
        trials += 1
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(4 * 2**20)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.5))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert _whole(target.read_text()), "a kill left a partial file"
        temps = list(tmp_path.glob(".out.brief.json.*.tmp"))
        leftovers += len(temps)
        assert remove_stale_temps(target) == len(temps)  # the writer is dead: its temporaries are stale
        assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    assert leftovers >= 1, "no kill landed mid-write: the test did not test anything"


def test_remove_stale_temps_keeps_a_live_writers_file(tmp_path):
    target = tmp_path / "a.brief.md"
    mine = tmp_path / f".a.brief.md.{os.getpid()}.abcd1234.tmp"
    dead = tmp_path / ".a.brief.md.999999999.abcd1234.tmp"
    other = tmp_path / ".b.brief.md.999999999.abcd1234.tmp"
    for p in (mine, dead, other):
        p.write_text("partial")
    assert remove_stale_temps(target) == 1
    assert mine.exists() and not dead.exists() and other.exists()


def _check_outputs(out: Path) -> int:
    """Every JSON brief parses and has its own Markdown beside it; returns how many are complete."""
    complete = 0
    for json_path in out.rglob("*.brief.json"):
        brief = Brief.model_validate_json(json_path.read_text(encoding="utf-8"))
        md = json_path.with_name(json_path.name[:-len(".json")] + ".md")
        assert md.read_text(encoding="utf-8") == to_markdown(brief), f"{md} does not match its JSON"
        complete += 1
    return complete


def test_brief_killed_at_random_moments_loses_nothing_and_resumes(fake, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for n, path in enumerate(SEED_FILES[1:] + SEED_FILES[2:4]):  # six reports (two are copies)
        shutil.copy(path, reports / f"{n}_{path.name}")
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    fake.latency = 0.01
    env = {**os.environ, "OPENAI_BASE_URL": fake.base_url, "SUMMARIZER_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "summarizer", "brief", str(reports), "--out", str(out), "--model", "fake", "-j", "4"]
    rng = random.Random(7)
    progress = []
    done = 0
    for trial in range(3):
        # a random moment while reports are being written: after a random number more of them
        # are finished, plus a random fraction of a second (a fixed clock would miss the writes
        # on a slow or busy machine)
        wanted = done + rng.randint(1, 2)
        child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline and len(list(out.rglob("*.brief.json"))) < wanted:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        done = _check_outputs(out) if out.exists() else 0
        progress.append(done)
        if cache.joinpath("cache.sqlite3").exists():
            store = Store(cache / "cache.sqlite3")
            assert store.integrity() == "ok"
            store.close()
    final = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert _check_outputs(out) == 6
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "temporary files left behind"
    assert progress == sorted(progress)  # nothing finished was lost by a later kill
    print(f"\nkill -9 trials: complete reports after each kill {progress}, then 6/6 after the final run")
