#!/usr/bin/env python
"""llama-cpp-python build options: compile time and inference speed, measured side by side.

    .venv/bin/python bench/build.py                       # default build vs -DLLAVA_BUILD=OFF
    .venv/bin/python bench/build.py --variant "-DGGML_NATIVE=OFF"   # add variants (CMAKE_ARGS)

Each variant compiles the version requirements.lock pins from its sdist (pip's wheel cache off,
so every build is a real compile), then the same wheel serves the embedded model in a fresh
virtualenv (third-party packages borrowed from this one) for the same prompt: prompt-eval and
generation speed, median of ``--runs`` alternating runs. Prints one table (Markdown).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEED = r'''
import json, sys, time
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=4096, n_threads=2, n_threads_batch=2, n_batch=512, verbose=False)
prompt = open(sys.argv[2], encoding="utf-8").read()
tokens = llm.tokenize(prompt.encode("utf-8"))
llm.reset()
t0 = time.perf_counter()
t1 = None
generated = 0
for token in llm.generate(tokens, temp=0.0):  # greedy; the first token comes after the prompt is evaluated
    generated += 1
    if t1 is None:
        t1 = time.perf_counter()
    if generated >= 129:
        break
t2 = time.perf_counter()
print(json.dumps({"prompt_tokens": len(tokens), "prompt_tps": len(tokens) / (t1 - t0),
                  "gen_tokens": generated - 1, "gen_tps": (generated - 1) / (t2 - t1)}))
'''


def locked_version() -> str:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return re.search(r"^llama-cpp-python==([\w.]+)", text, re.MULTILINE).group(1)


def build(version: str, cmake_args: str, dest: Path) -> tuple[Path, float]:
    env = {**os.environ, "CMAKE_ARGS": cmake_args, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
           "PIP_NO_CACHE_DIR": "1"}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-binary", "llama-cpp-python",
                    f"llama-cpp-python=={version}", "-w", str(dest)], check=True, env=env)
    seconds = time.monotonic() - started
    (wheel,) = dest.glob("llama_cpp_python-*.whl")
    return wheel, seconds


def venv_with(wheel: Path, where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True,
                   env={**os.environ, "PIP_CONSTRAINT": ""})
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", default=[], help="CMAKE_ARGS of an extra variant")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wheels", type=Path, default=None,
                        help="keep the built wheels here, and reuse those already there (no compile time then)")
    args = parser.parse_args()
    from summarizer.config import load_settings
    from summarizer.llm.local import model_path

    model = model_path(load_settings(None).cache_dir)
    sample = ROOT / "samples" / "dongchuan-district-79th-executive-meeting.txt"
    variants = ["", "-DLLAVA_BUILD=OFF", *args.variant]
    version = locked_version()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pythons = {}
        for i, cmake_args in enumerate(variants):
            where = (args.wheels or Path(tmp)) / f"w{i}"
            kept = list(where.glob("llama_cpp_python-*.whl")) if args.wheels else []
            if kept and (where / "seconds").exists():
                wheel, seconds = kept[0], float((where / "seconds").read_text())
            else:
                wheel, seconds = build(version, cmake_args, where)
                (where / "seconds").write_text(f"{seconds:.1f}")
            pythons[cmake_args] = venv_with(wheel, Path(tmp) / f"v{i}")
            rows.append({"cmake_args": cmake_args or "(default)", "compile_s": seconds,
                         "wheel_mb": wheel.stat().st_size / 2**20, "runs": []})
            print(f"built {cmake_args or '(default)'} in {seconds:.0f} s", file=sys.stderr)
        script = Path(tmp) / "speed.py"
        script.write_text(SPEED)
        for _ in range(args.runs):  # alternate variants so load drift hits them alike
            for row, cmake_args in zip(rows, variants):
                out = subprocess.run([str(pythons[cmake_args]), str(script), str(model), str(sample)],
                                     capture_output=True, text=True, check=True).stdout
                row["runs"].append(json.loads(out.strip().splitlines()[-1]))
    print(f"llama-cpp-python {version}, {os.cpu_count()} cores; {args.runs} alternating runs, medians\n")
    print("| CMAKE_ARGS | compile | wheel | prompt eval | generation |")
    print("|---|---|---|---|---|")
    for row in rows:
        p = statistics.median(r["prompt_tps"] for r in row["runs"])
        g = statistics.median(r["gen_tps"] for r in row["runs"])
        print(f"| `{row['cmake_args']}` | {row['compile_s'] / 60:.1f} min | {row['wheel_mb']:.1f} MB | "
              f"{p:.1f} tok/s ({row['runs'][0]['prompt_tokens']} tok) | {g:.1f} tok/s |")


if __name__ == "__main__":
    main()
