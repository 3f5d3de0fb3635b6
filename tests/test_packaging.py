"""The built wheel works on its own: installed (not editable) into a fresh virtualenv outside the
checkout, it finds its prompts and data and briefs the bundled sample against the local fake server.

The virtualenv borrows its third-party dependencies from the test environment (a path line in a
``.pth`` file: no download, no compile); the project itself comes only from the wheel.
``scripts/check-install.sh`` (run by CI) covers full installs from the lock and from pyproject.toml.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from summarizer.config import DEFAULT_PROMPT
from summarizer.prompts import load_prompt

from .conftest import ROOT

SAMPLE = ROOT / "samples" / "dongchuan-district-79th-executive-meeting.txt"


def _tracked_copy(dest: Path) -> Path:
    """The checkout's tracked files (symlinks kept), so building never writes into the checkout."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        src, dst = ROOT / name, dest / name
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the working tree
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, dst)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files belong to the package")
    work = tmp_path_factory.mktemp("wheel")
    source = _tracked_copy(work / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    str(source), "-w", str(work / "dist")], check=True, capture_output=True, text=True)
    (built,) = (work / "dist").glob("summarizer-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    site = Path(subprocess.run([str(root / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, text=True, env={**os.environ, "PIP_CONSTRAINT": ""})
    return root


def test_the_wheel_carries_the_prompts_and_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = sorted((ROOT / "prompts").rglob("*.md"))
    assert prompts
    for path in prompts:
        assert f"summarizer/_prompts/{path.relative_to(ROOT / 'prompts').as_posix()}" in names
    assert "summarizer/_prompts/prompts.lock.json" in names
    for data in (ROOT / "summarizer").rglob("*"):
        if data.is_file() and data.suffix in {".tsv", ".toml", ".html", ".css", ".js", ".json"} \
                and "__pycache__" not in data.parts:
            rel = data.relative_to(ROOT).as_posix()
            assert rel in names, f"{rel} is not in the wheel"


def _run(venv: Path, *args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / "summarizer"), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**clean, **(env or {})})


def test_installed_wheel_lists_its_prompts_outside_the_checkout(venv, tmp_path):
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import summarizer, summarizer.prompts as p; "
                            "print(summarizer.__file__); print(p.prompts_dir())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert all(str(venv) in line and str(ROOT) not in line for line in where), where
    listed = _run(venv, "prompts", "list", cwd=tmp_path, env={"COLUMNS": "200"})
    assert listed.returncode == 0, listed.stderr
    for version in ("briefing@v1", "briefing@v2", "briefing@v3"):
        assert version in listed.stdout
    assert "EDITED" not in listed.stdout


def test_installed_wheel_briefs_the_bundled_sample(venv, fake, tmp_path):
    out = tmp_path / "out"
    run = _run(venv, "brief", SAMPLE, "--out", out, "--model", "fake", cwd=tmp_path,
               env={"OPENAI_BASE_URL": fake.base_url})
    assert run.returncode == 0, run.stderr
    brief = json.loads((out / "dongchuan-district-79th-executive-meeting.brief.json").read_text(encoding="utf-8"))
    default = load_prompt(DEFAULT_PROMPT)
    assert brief["meeting"]["number"] == 79  # the tool's facts, from the installed package's data
    assert (brief["prompt"]["name"], brief["prompt"]["version"], brief["prompt"]["sha256"]) == \
        (default.name, default.version, default.sha256)  # the default prompt, shipped in the wheel unchanged
    assert brief["summary"] and all(item["evidence"] for item in brief["summary"])
    assert fake.chat_requests  # the briefing came from the endpoint, not from a cache the checkout left
