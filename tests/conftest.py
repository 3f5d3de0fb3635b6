"""Shared fixtures: an isolated cache/config per test, and a real local fake OpenAI server."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import tomllib
from pathlib import Path

import pytest

from summarizer.config import load_settings

from .fakeserver import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent


def _seeds() -> Path:
    """The seed reports: ../shared/seeds when the clone has it beside it (as CI does), otherwise
    the byte-identical copies in the dev eval set, under their original names, in a temp folder."""
    shared = ROOT.parent / "shared" / "seeds"
    if any(shared.glob("*.txt")):
        return shared
    folder = Path(tempfile.mkdtemp(prefix="summarizer-seeds-"))
    atexit.register(shutil.rmtree, folder, True)
    names = tomllib.loads((ROOT / "tests" / "fixtures" / "seeds.toml").read_text(encoding="utf-8"))
    for case, name in names.items():
        shutil.copyfile(ROOT / "evals" / "datasets" / "seeds" / case / "report.txt", folder / name)
    return folder


SEEDS = _seeds()
SEED_FILES = sorted(SEEDS.glob("*.txt"))
ARTIFACTS = ROOT / "test-artifacts"


def seed(prefix: str) -> Path:
    return next(p for p in SEED_FILES if p.name.startswith(prefix))


@pytest.fixture(scope="session")
def glossary():
    """The packaged glossary (read once per session; tests must not change it)."""
    from summarizer.facts.glossary import Glossary

    return Glossary.load()


@pytest.fixture(scope="session", autouse=True)
def _tiktoken_cache(tmp_path_factory):
    # one seeded tiktoken vocabulary per test session (seeding is part of what is tested)
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken")))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test sees the user's config, cache, keys or endpoint."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL", "OPENAI_LOG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(tmp_path / "no-config.toml"))
    return tmp_path


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def settings_for():
    """Settings pointing at a fake server (flags win over everything)."""

    def make(server: FakeOpenAI, **flags):
        flags.setdefault("max_retry_seconds", 30)
        return load_settings(None, base_url=server.base_url, model="fake-model", **flags)

    return make


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    """A headless Chromium (playwright ``Browser``) from the system package, never a downloaded build.

    Skips with the reason when Chromium or playwright is missing; with SUMMARIZER_REQUIRE_BROWSER=1
    (CI) that is a failure instead. Install Chromium with ``bash scripts/ensure-chromium.sh``.
    """
    required = os.environ.get("SUMMARIZER_REQUIRE_BROWSER") == "1"

    def unavailable(reason: str):
        if required:
            pytest.fail(f"{reason} (SUMMARIZER_REQUIRE_BROWSER=1: browser tests must run)")
        pytest.skip(f"{reason}; run `bash scripts/ensure-chromium.sh` to enable browser tests")

    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()
