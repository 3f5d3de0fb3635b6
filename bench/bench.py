#!/usr/bin/env python
"""Throughput benchmark: prints, for the machine it runs on, the five numbers of the README's
"Performance" section. A script, not a timed test.

    .venv/bin/python bench/bench.py            # everything (runs the embedded model: minutes)
    .venv/bin/python bench/bench.py --quick    # everything but the embedded model

1. tool overhead: wall time of ``summarizer brief`` on the seed reports with the embedded
   model, against the model's own time for the same requests. The server (llama-cpp-python,
   started by ``summarizer serve`` with ``--verbose True`` so llama.cpp prints
   ``llama_perf_context_print`` after every completion) logs each request's prompt-eval and
   eval time; their sum is the model's work. ``brief`` reuses that server, so model loading
   is not in either number; the CLI's start-up, ingest, checks and HTTP are. Target ≤ 1.05×.
2. calls and tokens per report (no model: the pipeline with stand-in replies): calls against
   the prompt's declared steps, and for each step the report text it shows (ids and the
   tool's inline renderings included) against the report's own tokens. Target: calls =
   declared steps for a fitting report; shown ≤ 1.15 × source (+ fixed instructions per call).
3. cached re-run of the dev eval set (``summarizer eval run``), or when that or the dataset
   is missing, of ``summarizer brief`` on the seeds — and the bench says which. The cache is
   filled through the local fake server first; the re-run makes no model call. Target < 5 s.
4. 100 reports (the seeds, 20 copies each) against the local fake server answering every
   request after 1 s, at ``--concurrency 16``; ideal = calls / 16 seconds. Target ≤ 1.15×.
5. peak resident memory of the ``summarizer brief`` process on a 5 MB report (the seeds'
   bodies repeated), against the fake server (no model server in the number).
6. speed against the floor: each seed briefed alone (``summarizer brief``, embedded model, no cache)
   with the default prompt and the ``--compare`` prompts; floor = (the report's tokens + one copy of
   the prompt's fixed instructions) / the server's prompt speed + (the briefing's English in tokens)
   / its generation speed, both measured in the same run with a plain completion. Targets: wall /
   floor ≤ 1.3, median ≤ 60 s per seed, completion tokens that are not English ≤ 25%.
7. digest scale: 1,000 briefings (made from the seeds' fake-server briefings: each its own place, date and
   number, items drawn from the reference translations' sentences) read and digested with every step
   but the model's (replies are stand-ins, answered at once); time and peak traced memory at 125, 250,
   500 and 1,000 briefings, and time / (n log n) against the 125 run. Target: that ratio does not grow.
0. start-up: wall time of ``summarizer --version`` and ``summarizer --help`` (the installed
   console script), median of 15 runs each, with a bare interpreter start for scale. Target < 0.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeserver import FakeOpenAI  # noqa: E402  (the same fake server the tests use)

SEEDS = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) or sorted((ROOT / "samples").glob("*.txt"))
DEV = ROOT / "evals" / "datasets" / "seeds"
PY = sys.executable

# The fake server writes headers and body separately; without TCP_NODELAY every reply waits for
# a delayed ACK (~40 ms): a test-server artefact that is not the tool's overhead.
http.server.BaseHTTPRequestHandler.disable_nagle_algorithm = True


@dataclass
class Row:
    measure: str
    result: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


# ------------------------------------------------------------------ plumbing
def base_env(tmp: Path, cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL")}
    env.update(SUMMARIZER_CACHE_DIR=str(tmp / cache), SUMMARIZER_CONFIG=str(tmp / "no-config.toml"),
               TIKTOKEN_CACHE_DIR=str(tmp / "tiktoken"), PYTHONPATH=str(ROOT), COLUMNS="160")
    return env


@dataclass
class Ran:
    seconds: float
    code: int
    max_rss_mb: float
    stdout: str
    stderr: str


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 3600) -> Ran:
    """Run a command; wall time, exit code and the child's own peak RSS (os.wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Ran(seconds, proc.returncode, usage.ru_maxrss / 1024, out.read(), err.read())


def summarizer(*args: object) -> list[str]:
    return [PY, "-m", "summarizer", *map(str, args)]


@contextlib.contextmanager
def fake_server(latency: float = 0.0):
    with FakeOpenAI(latency=latency) as server:
        yield server


def check(ran: Ran, what: str) -> None:
    if ran.code not in (0,):
        tail = "\n".join((ran.stderr or ran.stdout).strip().splitlines()[-15:])
        raise SystemExit(f"{what} failed (exit {ran.code}):\n{tail}")


def warm_up(tmp: Path) -> None:
    """Seed the shared tiktoken cache once, so no measurement pays for it."""
    run([PY, "-c", "from summarizer.chunk import count_tokens; count_tokens('x')"], base_env(tmp, "cache-warm"), ROOT)


# ------------------------------------------------------------------ 0. start-up
def bench_startup(tmp: Path, runs: int = 15) -> list[Row]:
    import statistics

    script = Path(PY).with_name("summarizer")
    command = [str(script)] if script.exists() else [PY, "-m", "summarizer"]
    env = base_env(tmp, "cache-startup")
    env.pop("PYTHONPATH")  # as a user runs it: the installed package, not the checkout on the path
    bare = statistics.median(run([PY, "-c", "pass"], env, tmp).seconds for _ in range(runs))
    rows = []
    for args in (["--version"], ["--help"]):
        times = []
        for _ in range(runs):
            ran = run(command + args, env, tmp)
            check(ran, f"summarizer {args[0]}")
            times.append(ran.seconds)
        median = statistics.median(times)
        rows.append(Row(f"0. start-up: summarizer {args[0]}", f"{median:.3f} s", "< 0.5 s", median < 0.5,
                        f"median of {runs}; max {max(times):.3f} s; a bare `python -c pass`: {bare:.3f} s"))
    return rows


# ------------------------------------------------------------------ 1. embedded overhead
PERF = {
    "prompt": re.compile(r"llama_perf_context_print:\s+prompt eval time =\s+([\d.]+) ms /\s+(\d+) tokens"),
    "eval": re.compile(r"llama_perf_context_print:\s+eval time =\s+([\d.]+) ms /\s+(\d+) runs"),
    "total": re.compile(r"llama_perf_context_print:\s+total time =\s+([\d.]+) ms"),
}


def perf_totals(log: str) -> dict[str, float]:
    """Seconds (and tokens) summed over every llama_perf_context_print block in a server log."""
    out: dict[str, float] = {}
    for name, pattern in PERF.items():
        found = [m if isinstance(m, tuple) else (m,) for m in pattern.findall(log)]
        out[name] = sum(float(m[0]) for m in found) / 1000
        out[f"{name}_count"] = len(found)
        out[f"{name}_tokens"] = sum(int(m[1]) for m in found if len(m) > 1)
    return out


@contextlib.contextmanager
def verbose_embedded(tmp: Path):
    """``summarizer serve`` with the tool's own llama.cpp command line plus ``--verbose True`` (llama.cpp
    then logs every request's timings); yields (config file, environment, server log, base URL)."""
    from summarizer.config import load_settings
    from summarizer.llm.local import EmbeddedServer, model_path

    cache = tmp / "cache-embedded"
    user = load_settings(None)  # the model is assembled (once) in the user's own cache folder
    model = model_path(user.cache_dir)
    settings = load_settings(None)
    settings.cache_dir = cache
    argv = EmbeddedServer(settings, command=None)._argv("{port}", model)  # the tool's own command line...
    argv[argv.index("--verbose") + 1] = "True"  # ...with llama.cpp's per-request timings printed
    config = tmp / "embedded.toml"
    config.write_text(f"[embedded]\ncommand = {json.dumps(argv)}\nstartup_timeout = 900\n")
    env = base_env(tmp, "cache-embedded")
    serve_log = open(tmp / "serve.out", "w")
    serve = subprocess.Popen(summarizer("serve", "--config", config), env=env, cwd=tmp, stdout=serve_log,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        state = cache / "embedded-server.json"
        deadline = time.monotonic() + 900
        while not state.exists():
            if serve.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"summarizer serve did not start: see {tmp / 'serve.out'}")
            time.sleep(0.5)
        yield config, env, cache / "embedded-server.log", json.loads(state.read_text())["base_url"]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
        serve_log.close()


def log_since(path: Path, offset: int) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        fh.seek(offset)
        return fh.read()


def bench_overhead(tmp: Path, prompt: str) -> list[Row]:
    rows = []
    with verbose_embedded(tmp) as (config, env, log_path, _):
        offset = log_path.stat().st_size
        ran = run(summarizer("brief", *SEEDS, "--out", tmp / "out-embedded", "--prompt", prompt, "--config",
                             config), env, tmp)
        check(ran, "summarizer brief (embedded)")
        perf = perf_totals(log_since(log_path, offset))
        calls = sum(json.loads(p.read_text())["usage"]["calls"] for p in (tmp / "out-embedded").glob("*.brief.json"))
        model_s = perf["prompt"] + perf["eval"]
        if not model_s:
            raise SystemExit(f"no llama_perf_context_print timings in {log_path}: was the server verbose?")
        ratio = ran.seconds / model_s
        note = (f"{perf['prompt_count']:.0f} requests timed ({calls} calls); model = prompt eval {perf['prompt']:.1f} s "
                f"({perf['prompt_tokens']:.0f} tok) + eval {perf['eval']:.1f} s ({perf['eval_tokens']:.0f} tok); "
                f"llama.cpp's total incl. sampling and grammar: {perf['total']:.1f} s -> "
                f"{ran.seconds / max(perf['total'], 1e-9):.3f}×")
        rows.append(Row("1. overhead: brief on the seeds, embedded model",
                        f"{ran.seconds:.1f} s wall / {model_s:.1f} s model = {ratio:.3f}×", "≤ 1.05×", ratio <= 1.05,
                        note))
        # 3b. a cached re-run on the embedded endpoint, its server already running
        again = run(summarizer("brief", *SEEDS, "--out", tmp / "out-embedded", "--prompt", prompt, "--config",
                               config, "--force"), env, tmp)
        check(again, "cached re-run (embedded)")
        rows.append(Row("3b. cached re-run: brief on the seeds, embedded (server up)", f"{again.seconds:.2f} s",
                        "< 5 s", again.seconds < 5, "every reply from the cache"))
    return rows


# ------------------------------------------------------------------ 6. speed against the floor
def post_json(url: str, body: dict, timeout: float = 900) -> dict:
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def server_speeds(base_url: str, log_path: Path) -> tuple[float, float]:
    """(prompt tokens/s, generated tokens/s) of the running server: a plain completion, no grammar,
    no reused prefix, timed by llama.cpp itself."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in SEEDS)[:1500]

    def timed(prompt: str, max_tokens: int) -> dict[str, float]:
        offset = log_path.stat().st_size
        post_json(f"{base_url}/completions", {"prompt": f"{time.time()}\n{prompt}", "max_tokens": max_tokens,
                                              "temperature": 0})
        return perf_totals(log_since(log_path, offset))

    read = timed(text, 1)
    written = timed("Write a long English essay about rivers.\n", 200)
    return read["prompt_tokens"] / read["prompt"], written["eval_tokens"] / written["eval"]


def english_written(brief: dict) -> str:
    """The English a briefing's model replies wrote: headline, points, owners, tasks."""
    parts = [brief["meeting"].get("title_en") or ""]
    parts += [item["text"] for item in brief["summary"]]
    for action in brief["actions"]:
        parts += [action.get("owner_en") or "", action["task_en"]]
    return "\n".join(p for p in parts if p)


def reply_english(db: Path) -> tuple[int, str]:
    """(completion tokens, the English text) of every reply a run stored in its response cache."""
    import sqlite3

    def strings(value) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT content, completion_tokens FROM responses").fetchall()
    return sum(n or 0 for _, n in rows), "\n".join(s for content, _ in rows for s in strings(json.loads(content)))


def instructions(prompt_name: str) -> str:
    """One copy of a prompt's fixed instructions: its system message and each step's own text."""
    from summarizer.prompts import load_prompt

    prompt = load_prompt(prompt_name)
    steps = [re.sub(r"\{[{%#].*?[}%#]\}", "", prompt.sections[s.name]) for s in prompt.meta.steps]
    return "\n".join([prompt.render("system"), *steps])


def bench_speed(tmp: Path, prompts: list[str]) -> list[Row]:
    """Per seed report, ``summarizer brief`` wall time against its floor: (the report's own tokens + one
    copy of the fixed instructions) / the server's prompt speed + (the briefing's English, in tokens) /
    its generation speed, both speeds measured in the same run. Also the share of completion tokens
    that are not English content (JSON keys, ids, punctuation)."""
    import statistics

    from summarizer.ingest import read_report

    rows = []
    with verbose_embedded(tmp) as (config, env, log_path, base_url):
        root = base_url.removesuffix("/v1")

        def tokens(text: str) -> int:
            return post_json(f"{root}/extras/tokenize/count", {"input": text})["count"]

        prompt_speed, gen_speed = server_speeds(base_url, log_path)
        rows.append(Row("6. server speeds (plain completion, same run)",
                        f"prompt {prompt_speed:.1f} tok/s, generation {gen_speed:.1f} tok/s", "", None,
                        "llama.cpp's own timings of a 1,500-character prompt and a 200-token completion"))
        served = log_path.parent / "embedded-server.json"
        for name in prompts:
            fixed = tokens(instructions(name))
            walls, ratios, written, english, kept = [], [], 0, 0, 0
            for seed_path in SEEDS:
                out = tmp / f"out-speed-{name.replace('@', '-')}"
                # a fresh cache per report (no hit; its replies are read below), which finds the running server
                cache = tmp / f"cache-speed-{name.replace('@', '-')}-{seed_path.name[:3]}"
                cache.mkdir()
                shutil.copy(served, cache / served.name)
                ran = run(summarizer("brief", seed_path, "--out", out, "--prompt", name, "--config", config,
                                     "--force"), dict(env, SUMMARIZER_CACHE_DIR=str(cache)), tmp)
                check(ran, f"brief {seed_path.name} with {name}")
                brief = json.loads((out / f"{seed_path.stem}.brief.json").read_text())
                source = tokens("\n".join(s.text for s in read_report(seed_path).sentences))
                english_here = tokens(english_written(brief))
                kept += english_here
                floor = (source + fixed) / prompt_speed + english_here / gen_speed
                walls.append(ran.seconds)
                ratios.append(ran.seconds / floor)
                replies, content = reply_english(cache / "cache.sqlite3")
                written += replies
                english += tokens(content) if content else 0
                rows.append(Row(f"6. {name}: seed {seed_path.name[:3]}", f"{ran.seconds:.1f} s / floor {floor:.1f} s "
                                f"= {ran.seconds / floor:.2f}×", "≤ 1.3×", ran.seconds / floor <= 1.3,
                                f"{brief['usage']['calls']} calls; source {source} tok + instructions {fixed} tok; "
                                f"the briefing's English {english_here} tok; {brief['usage']['completion_tokens']} "
                                "tok written"))
            median = statistics.median(walls)
            overhead = 1 - english / written if written else 0.0
            rows.append(Row(f"6. {name}: median seconds per seed", f"{median:.1f} s (floor ratio median "
                            f"{statistics.median(ratios):.2f}×)", "≤ 60 s", median <= 60,
                            "wall time of `summarizer brief` on one seed, start-up and checks included"))
            rows.append(Row(f"6. {name}: structure overhead of completions", f"{overhead:.0%} of {written} tokens",
                            "≤ 25%", overhead <= 0.25, "completion tokens of the replies that are not English text "
                            "(keys, ids, JSON punctuation); English the tool later cuts counts as English"))
            rows.append(Row(f"6. {name}: English written, then cut by the tool", f"{english - kept} tokens, "
                            f"{(english - kept) / written if written else 0:.0%} of completion tokens", "", None,
                            "English of the replies minus the briefings' English: points past two sentences, "
                            "fields past their limits"))
    return rows


# ------------------------------------------------------------------ 2. calls and tokens
# report data in a request: numbered sentences (wherever they are), topic headers, owner hints
REPORT_LINE = re.compile(r"^(\s*\[\d+\] |Topic \d+ \(sentences |\s*\(?Owner named in the source)")


def bench_tokens(prompts: list[str]) -> list[Row]:
    import asyncio

    from summarizer.chunk import count_tokens
    from summarizer.config import load_settings
    from summarizer.facts import establish_facts
    from summarizer.facts.glossary import Glossary
    from summarizer.facts.structure import assignments, topics
    from summarizer.generate.outputs import OUTPUTS, calls_when_fitting
    from summarizer.ingest import read_report
    from summarizer.plan import plan_one
    from summarizer.prompts import load_prompt
    from summarizer.runners.offline import offline_llm

    rows = []
    glossary = Glossary.load()
    for name in prompts:
        prompt = load_prompt(name)
        for grounding in (True, False):
            settings = load_settings(None, base_url="https://api.example.invalid/v1", model="gpt-4o-mini",
                                     grounding=grounding, use_cache=False)

            async def plan():
                llm = offline_llm(settings)
                try:
                    return [await plan_one(p, settings=settings, prompt=prompt, llm=llm, glossary=glossary)
                            for p in SEEDS]
                finally:
                    await llm.aclose()

            plans = asyncio.run(plan())
            calls_ok = True
            source = shown = fixed = reading_calls = 0
            per_report_calls = []
            for path, planned in zip(SEEDS, plans):
                if planned.error:
                    raise SystemExit(f"{path}: {planned.error}")
                runner = planned.runner
                doc = read_report(path)
                facts = establish_facts(doc, glossary)
                counts = {"report": 1, "opening": 1, "topic": len(topics(doc, facts)),
                          "assignment": len(assignments(doc, facts))}
                declared = sum(counts.get(OUTPUTS[s.output][0], 0) for s in prompt.meta.steps)
                per_report_calls.append(len(runner.calls))
                calls_ok = calls_ok and len(runner.calls) == declared
                source += planned.source_tokens
                for call in runner.calls:
                    scope = OUTPUTS[prompt.step(call.step).output][0]
                    if scope not in ("report", "topic", "sentences"):  # steps that read the whole report
                        continue
                    user = call.body["messages"][1]["content"]
                    data = [line for line in user.splitlines() if REPORT_LINE.match(line)]
                    shown_here = count_tokens("\n".join(data))
                    shown += shown_here
                    fixed += call.prompt_tokens - shown_here
                    reading_calls += 1
            ratio = shown / source
            rows.append(Row(f"2. {name}, grounding {'on' if grounding else 'off'}: calls per report",
                            " ".join(map(str, per_report_calls)) + f" (= {calls_when_fitting(prompt)})",
                            "= declared steps", calls_ok))
            rows.append(Row(f"2. {name}, grounding {'on' if grounding else 'off'}: report text sent by the "
                            "source-reading step(s)", f"{shown:,} / {source:,} source = {ratio:.2f}×", "≤ 1.15×",
                            ratio <= 1.15, f"numbered sentences (ids, inline renderings and repeats included) "
                            f"over {reading_calls} calls, + {fixed / max(reading_calls, 1):,.0f} fixed tokens per "
                            "call (system, question, JSON Schema)"))
    return rows


# ------------------------------------------------------------------ 3. cached re-run
def eval_command(env: dict[str, str]) -> list[str] | None:
    for cmd in (summarizer("eval", "run"), [PY, "-m", "summarizer.evaluate.cli", "run"]):
        if run(cmd + ["--help"], env, ROOT, timeout=120).code == 0:
            return cmd
    return None


def bench_cached(tmp: Path, prompt: str) -> list[Row]:
    env = base_env(tmp, "cache-rerun")
    rows = []
    with fake_server() as fake:
        cmd = eval_command(env) if DEV.is_dir() and any(DEV.iterdir()) else None
        if cmd:
            for semantic in ("--semantic", "--no-semantic"):
                args = cmd + ["--dataset", DEV, "--prompt", prompt, "--base-url", fake.base_url, "--model", "bench",
                              "--runs-dir", tmp / "runs", semantic]
                first = run([str(a) for a in args], env, tmp)
                check(first, "eval run (filling the cache)")
                sent = len(fake.chat_requests)
                again = run([str(a) for a in args], env, tmp)
                check(again, "eval run (cached)")
                cases = sum(1 for p in DEV.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
                rows.append(Row(f"3. cached re-run: eval run on {DEV.relative_to(ROOT)} ({cases} cases, {semantic})",
                                f"{again.seconds:.2f} s", "< 5 s", again.seconds < 5,
                                f"{len(fake.chat_requests) - sent} model calls in the re-run"))
        else:
            why = "no evals/datasets/seeds" if not DEV.is_dir() else "`summarizer eval run` not available"
            args = ["brief", *SEEDS, "--out", tmp / "out-rerun", "--prompt", prompt, "--base-url", fake.base_url,
                    "--model", "bench"]
            check(run(summarizer(*args), env, tmp), "brief (filling the cache)")
            sent = len(fake.chat_requests)
            again = run(summarizer(*args, "--force"), env, tmp)
            check(again, "brief (cached)")
            rows.append(Row(f"3. cached re-run: brief on the {len(SEEDS)} seeds (instead of the dev eval set: {why})",
                            f"{again.seconds:.2f} s", "< 5 s", again.seconds < 5,
                            f"{len(fake.chat_requests) - sent} model calls in the re-run"))
    return rows


# ------------------------------------------------------------------ 4. concurrency
def bench_concurrency(tmp: Path, prompt: str, reports: int = 100, concurrency: int = 16,
                      latency: float = 1.0) -> list[Row]:
    folder = tmp / "hundred"
    folder.mkdir()
    for n in range(reports):
        shutil.copy(SEEDS[n % len(SEEDS)], folder / f"r{n:03d}-{SEEDS[n % len(SEEDS)].name}")
    env = base_env(tmp, "cache-hundred")
    with fake_server(latency=latency) as fake:
        ran = run(summarizer("brief", folder, "--out", tmp / "out-hundred", "--prompt", prompt, "--base-url",
                             fake.base_url, "--model", "bench", "--concurrency", concurrency, "--no-cache"), env, tmp)
        check(ran, "brief of 100 reports")
        calls = len(fake.chat_requests)
    ideal = calls * latency / concurrency
    ratio = ran.seconds / ideal
    return [Row(f"4. {reports} reports, fake server {latency:g} s per request, --concurrency {concurrency}",
                f"{ran.seconds:.1f} s / {ideal:.1f} s ideal = {ratio:.3f}×", "≤ 1.15×", ratio <= 1.15,
                f"{calls} calls ({calls / reports:.1f} per report, {prompt}); ideal = calls × {latency:g} s / "
                f"{concurrency}")]


# ------------------------------------------------------------------ 5. memory
def big_report(path: Path, megabytes: float) -> None:
    bodies = [p.read_text(encoding="utf-8").splitlines()[2:] for p in SEEDS]
    parts = ["县政府召开第9次常务会议", "2021年3月1日，县长向恒林主持召开县政府第9次常务会议。"]
    size, n = 0, 0
    while size < megabytes * 2**20:
        chunk = [f"会议强调，第{n}部分。", *bodies[n % len(bodies)]]
        parts += chunk
        size += sum(len(line.encode("utf-8")) + 1 for line in chunk)
        n += 1
    path.write_text("\n".join(parts), encoding="utf-8")


def bench_memory(tmp: Path, megabytes: float, growth: float = 4.0) -> list[Row]:
    """Peak memory on a big report, and how time grows: the same made-up report at ``megabytes`` and
    ``growth`` times that (seconds per MB should stay flat: nothing in the tool may be quadratic)."""
    rows, per_mb = [], []
    for size in (megabytes, megabytes * growth):
        report = tmp / f"big-{size:g}.txt"
        big_report(report, size)
        env = base_env(tmp, f"cache-memory-{size:g}")
        with fake_server() as fake:
            # briefing@v3: whole-report calls, so the run is about the input, not thousands of small calls
            ran = run(summarizer("brief", report, "--out", tmp / f"out-memory-{size:g}", "--prompt", "briefing@v3",
                                 "--base-url", fake.base_url, "--model", "bench", "--no-cache"), env, tmp)
            check(ran, f"brief of a {size:g} MB report")
            calls = len(fake.chat_requests)
        real_mb = report.stat().st_size / 2**20
        per_mb.append(ran.seconds / real_mb)
        rows.append(Row(f"5. peak memory: brief of a {real_mb:.1f} MB report", f"{ran.max_rss_mb:.0f} MB RSS", "",
                        None, f"tool process only (fake server in the bench process); {ran.seconds:.0f} s, "
                              f"{calls} calls, briefing@v3"))
    ratio = per_mb[1] / per_mb[0]
    rows.append(Row(f"5b. growth: seconds per MB at {megabytes * growth:g} MB / at {megabytes:g} MB",
                    f"{per_mb[1]:.1f} / {per_mb[0]:.1f} = {ratio:.2f}×", "≤ 1.5×", ratio <= 1.5,
                    "1.0 is linear; a quadratic step would give about the growth factor"))
    return rows


# ------------------------------------------------------------------ report
def synthetic_briefings(tmp: Path, count: int) -> list[Path]:
    """``count`` briefing files: the seeds' fake-server briefings as templates, each copy with its own
    place, date, number and items (English and Chinese sentences from the reference translations)."""
    import datetime as dt
    import random

    from summarizer.schema import Action, Brief, Deadline, SummaryItem

    seeds = tmp / "digest-seeds"
    if not seeds.exists():
        with fake_server() as fake:
            env = base_env(tmp, "digest-cache") | {"OPENAI_BASE_URL": fake.base_url}
            check(run(summarizer("brief", *SEEDS, "--out", seeds, "--model", "m"), env, tmp), "brief the seeds")
    templates = [Brief.model_validate_json(p.read_text()) for p in sorted(seeds.glob("*.brief.json"))]
    pool = []
    for f in sorted((ROOT / "evals" / "datasets").glob("*/*/translation.json")):
        pool += [(x["zh"], x["en"]) for x in json.loads(f.read_text())["sentences"] if len(x["zh"]) > 12]
    places = [line.split("\t")[0] for line in (ROOT / "summarizer" / "facts" / "data" / "hierarchy.tsv").read_text(
        encoding="utf-8").splitlines() if line.endswith("省") and line.split("\t")[0].endswith("县")]
    from summarizer.facts.romanize import romanize_place

    rng = random.Random(7)
    folder = tmp / f"digest-{count}"
    folder.mkdir(exist_ok=True)
    out = []
    for n in range(count):
        brief = templates[n % len(templates)].model_copy(deep=True)
        place = romanize_place(places[n % len(places)])
        brief.meeting.body_en = f"{place} People's Government"
        brief.meeting.number, brief.meeting.date = n + 1, (dt.date(2021, 1, 1) + dt.timedelta(days=n % 365)).isoformat()
        brief.source.path, brief.source.sha256 = f"missing/{n}.txt", f"{n:064x}"
        picks = rng.sample(pool, 8)
        brief.summary = [SummaryItem(text=en, evidence=[zh]) for zh, en in picks[:5]]
        brief.actions = [Action(owner_en="All departments", task_en=en, evidence_zh=zh,
                                deadline=Deadline(text_en="by the date set", date=(dt.date(2021, 1, 1) + dt.timedelta(
                                    days=rng.randrange(400))).isoformat())) for zh, en in picks[5:]]
        path = folder / f"b{n:04d}.brief.json"
        path.write_text(brief.model_dump_json())
        out.append(path)
    return out


def bench_digest_scale(tmp: Path, sizes=(125, 250, 500, 1000)) -> list[Row]:
    import asyncio
    import math
    import tracemalloc

    from summarizer.digest import Options, build_digest
    from summarizer.digest.meetings import read_briefings
    from summarizer.embed import default_embedder
    from summarizer.facts.glossary import Glossary
    from summarizer.prompts import load_prompt
    from summarizer.runners.synthetic import reply_for
    from summarizer.schema import ModelRef

    class Instant:  # the model's replies, at once: only the tool's own work is timed
        async def run(self, call):
            from summarizer.llm.client import Result

            return Result(reply_for(call.output, call.messages), "", 0, 0, 0.0, False)

    paths = synthetic_briefings(tmp, max(sizes))
    prompt, embedder, glossary = load_prompt("digest@v1", kind="digest"), default_embedder(), Glossary.load()
    # the items' texts are drawn from a pool of reference sentences: embed the pool once before timing, so the
    # runs compare the digest's own work (a new text costs one embedding more: measured apart, below)
    texts = sorted({t for p in paths for b in [json.loads(p.read_text())]
                    for t in [i["text"] for i in b["summary"]] + [a["task_en"] for a in b["actions"]]})
    embedder.encode(texts)
    from summarizer.embed import Embedder

    fresh = Embedder(model=embedder.model, store=None)  # no cache: what a text never seen costs
    started = time.perf_counter()
    fresh.encode(texts[:200])
    per_text = (time.perf_counter() - started) / min(200, len(texts))
    rows, base = [], None
    for n in sizes:
        tracemalloc.start()
        started = time.perf_counter()
        reads = read_briefings(paths[:n], glossary)
        digest = asyncio.run(build_digest(reads, Options(as_of="2021-06-01"), prompt=prompt, runner=Instant(),
                                          model=ModelRef(name="none", endpoint="none"), embedder=embedder))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        per = seconds / (n * math.log(n))
        base = base or per
        rows.append(Row(f"7. digest of {n:>4} briefings (no model)", f"{seconds:.1f} s, peak {peak:.0f} MiB traced, "
                        f"{digest.counts.meetings} meetings, {len(digest.themes)} themes, {digest.usage.calls} calls",
                        "time/(n log n) not growing", per <= base * 1.25,
                        f"time/(n log n) = {per / base:.2f}× the 125 run; duplicates {digest.counts.duplicates}"))
    rows.append(Row("7. digest: embedding a new item text", f"{per_text * 1000:.0f} ms per text "
                    f"(200 texts, no cache)", "", None, "linear in new texts; vectors are kept by text in the cache database"))
    return rows


def markdown(rows: list[Row], quick: bool, load: tuple[float, float]) -> str:
    import platform

    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}{' (--quick: no embedded-model run)' if quick else ''}; load average "
             f"{load[0]:.1f} before, {load[1]:.1f} after (other work on the machine skews the timings).", "",
             "| measure | result | target | met | note |", "|---|---|---|---|---|"]
    for r in rows:
        met = "" if r.ok is None else ("yes" if r.ok else "**no**")
        lines.append(f"| {r.measure} | {r.result} | {r.target} | {met} | {r.note} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the embedded-model measurements (1, 3b and 6)")
    parser.add_argument("--prompt", default=None, help="prompt for 1, 3 and 4 (default: the configured default)")
    parser.add_argument("--memory-mb", type=float, default=5.0, help="size of the report for 5")
    parser.add_argument("--only", default="01234567", help="which measurements to run, e.g. 24")
    parser.add_argument("--compare", nargs="*", default=["briefing@v5"],
                        help="prompts 6 also times beside the default (the default before briefing@v6)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    from summarizer.config import DEFAULT_PROMPT

    prompt = args.prompt or DEFAULT_PROMPT
    tmp = Path(tempfile.mkdtemp(prefix="summarizer-bench-"))
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    try:
        warm_up(tmp)
        steps = [
            ("0", lambda: bench_startup(tmp)),
            ("1", lambda: [] if args.quick else bench_overhead(tmp, prompt)),
            ("2", lambda: bench_tokens(sorted({prompt, "briefing@v3"}))),
            ("3", lambda: bench_cached(tmp, prompt)),
            ("4", lambda: bench_concurrency(tmp, prompt)),
            ("5", lambda: bench_memory(tmp, args.memory_mb)),
            ("6", lambda: [] if args.quick else bench_speed(tmp, sorted({prompt, *args.compare}))),
            ("7", lambda: bench_digest_scale(tmp)),
        ]
        for key, step in steps:
            if key in args.only:
                started = time.monotonic()
                got = step()
                rows += got
                for r in got:
                    print(f"[{time.monotonic() - started:6.1f}s] {r.measure}: {r.result}", file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    rows.sort(key=lambda r: r.measure)
    print(markdown(rows, args.quick, (load_before, os.getloadavg()[0])))


if __name__ == "__main__":
    main()
