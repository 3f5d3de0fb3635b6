"""Versioned prompt files: parsing, rendering, hashing, and edit-without-bump detection."""

from __future__ import annotations

import shutil

import jinja2
import pytest

from summarizer.errors import UserError
from summarizer.prompts import available, load_prompt, lock, parse_prompt, prompts_dir, read_lock


def test_every_shipped_prompt_is_locked_and_unchanged():
    """CI fails when a released prompt version is edited without bumping its version."""
    entries = read_lock(prompts_dir())
    paths = available()
    assert paths, "no prompts found"
    for path in paths:
        prompt = parse_prompt(path)
        assert entries.get(prompt.ref) == prompt.sha256, (
            f"{prompt.ref} differs from prompts.lock.json: bump its version (new file) or, if never released, "
            f"run `summarizer prompts lock {prompt.ref}`")


def test_refs_resolve(tmp_path):
    assert load_prompt("briefing@v1").version == 1
    assert load_prompt("briefing@2").version == 2
    latest = max(int(p.stem[1:]) for p in available() if p.parent.name == "briefing")
    assert load_prompt("briefing").version == latest
    with pytest.raises(UserError, match="no prompt briefing@v99"):
        load_prompt("briefing@v99")
    with pytest.raises(UserError, match="no prompt named"):
        load_prompt("nosuch")


def copy_library(tmp_path):
    library = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), library)
    return library


def test_editing_a_locked_version_is_detected(tmp_path):
    library = copy_library(tmp_path)
    path = library / "briefing" / "v1.md"
    path.write_text(path.read_text().replace("precise, plain English", "precise English"))
    with pytest.raises(UserError, match="edited after its version was released"):
        load_prompt("briefing@v1", library)
    # a new version is the way forward
    new = library / "briefing" / "v9.md"
    new.write_text(path.read_text().replace("version: 1", "version: 9"))
    assert load_prompt("briefing@v9", library).locked is False
    assert lock(directory=library) == {"briefing@v9": load_prompt("briefing@v9", library).sha256}
    assert load_prompt("briefing@v9", library).locked
    # lock never silently accepts an edit of a released version unless asked by name
    assert "briefing@v1" not in lock(directory=library)
    assert "briefing@v1" in lock(["briefing@v1"], directory=library)


def test_hash_goes_into_prompt_ref_and_rendering_is_strict():
    prompt = load_prompt("briefing@v2")
    assert len(prompt.sha256) == 64
    with pytest.raises(jinja2.UndefinedError):  # StrictUndefined: a missing variable is an error, not ""
        prompt.render("summarize")


def test_bad_front_matter_is_a_clear_error(tmp_path):
    path = tmp_path / "x" / "v1.md"
    path.parent.mkdir()
    path.write_text("---\nname: x\nversion: 1\ndescription: d\nsteps:\n  - {name: a, output: nosuch}\n---\n## system\nhi\n## a\nq\n")
    with pytest.raises(UserError, match="invalid front matter"):
        parse_prompt(path)
    path.write_text("---\nname: x\nversion: 1\ndescription: d\nsteps:\n  - {name: a, output: point}\n---\n## system\nhi\n")
    with pytest.raises(UserError, match="no section for: a"):
        parse_prompt(path)
    path.write_text("---\nname: x\nversion: 1\ndescription: d\nsteps:\n  - {name: a, output: point, reads: english}"
                    "\n---\n## system\nhi\n## a\nq\n")
    with pytest.raises(UserError, match="no translation step"):
        parse_prompt(path)
