"""Every file-system oddity a folder walk meets, by kind, through the real command: each bad entry
is one line naming it, the good reports beside it are briefed, the run exits 2, nothing crashes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from summarizer.ingest import find_reports

from .conftest import ROOT, seed


def _cli(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "summarizer", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, cwd=cwd)


@pytest.fixture
def odd_folder(tmp_path):
    r = tmp_path / "reports"
    (r / "sub").mkdir(parents=True)
    shutil.copy(seed("004"), r / "good.txt")
    shutil.copy(seed("002"), r / "sub" / "also-good.md")
    (r / "loop-a.txt").symlink_to("loop-b.txt")  # a two-link loop
    (r / "loop-b.txt").symlink_to("loop-a.txt")
    (r / "self.txt").symlink_to("self.txt")  # a link to itself
    (r / "broken.txt").symlink_to("nowhere.txt")
    (r / "device.txt").symlink_to("/dev/zero")
    os.mkfifo(r / "fifo.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(r / "socket.txt"))
    sock.close()
    (r / "folder.txt").mkdir()  # a folder named like a report: not a report
    (r / "linked-folder").symlink_to(r)  # a link to the folder itself: not entered (it would loop forever)
    (r / "empty.txt").write_bytes(b"")
    (r / "binary.txt").write_bytes(bytes(range(256)) * 8)
    with open(r / "huge.txt", "wb") as f:  # sparse: 51 MB on paper, nothing on disk
        f.truncate(51 * 2**20)
    return r


def test_a_folder_of_oddities_briefs_the_good_reports_and_names_each_bad_one(odd_folder, fake, tmp_path):
    out = tmp_path / "out"
    run = _cli("brief", odd_folder, "--out", out, "--model", "fake", env={"OPENAI_BASE_URL": fake.base_url})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    failed = {line.split(": ", 1)[0].removeprefix("failed "): line for line in run.stderr.splitlines()
              if line.startswith("failed ")}
    expected = {
        "loop-a.txt": "Too many levels of symbolic links", "loop-b.txt": "Too many levels of symbolic links",
        "self.txt": "Too many levels of symbolic links", "broken.txt": "broken symbolic link",
        "device.txt": "not a regular file", "fifo.txt": "not a regular file", "socket.txt": "not a regular file",
        "empty.txt": "file is empty", "binary.txt": "binary", "huge.txt": "over the 50 MB limit",
    }
    for name, reason in expected.items():
        line = next((v for k, v in failed.items() if k.endswith(name)), None)
        assert line is not None and reason in line, (name, sorted(failed))
    assert len(failed) == len(expected), sorted(failed)  # the folder, the linked folder: not reports
    assert (out / "good.brief.json").exists() and (out / "sub" / "also-good.brief.json").exists()
    assert not list(out.glob("linked-folder*"))


def test_odd_file_names_are_briefed_and_shown_escaped(fake, tmp_path):
    r = tmp_path / "reports"
    r.mkdir()
    names = [os.fsdecode(b"bad-bytes-\xff\xfe.txt"), "new\nline.txt", "\u202eevil.txt", "a" * 240 + ".txt"]
    for name in names:
        shutil.copy(seed("004"), r / name)
    out = tmp_path / "out"
    run = _cli("brief", r, "--out", out, "--model", "fake", env={"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "300"})
    assert run.returncode == 0, run.stderr
    written = sorted(p.name for p in out.glob("*.brief.json"))
    assert len(written) == len(names)
    assert all("\n" not in n and "\u202e" not in n and len(n.encode()) < 255 for n in written)
    assert "\u202e" not in run.stdout + run.stderr and "\\u202e" in run.stdout


def test_a_report_that_vanishes_after_listing_is_one_failure(fake, tmp_path, monkeypatch):
    from summarizer import console

    r = tmp_path / "reports"
    r.mkdir()
    shutil.copy(seed("004"), r / "stays.txt")
    shutil.copy(seed("004"), r / "goes.txt")
    listed = console.gather_reports([r])
    (r / "goes.txt").unlink()
    assert [p.name for p, _ in listed] == ["goes.txt", "stays.txt"]
    from summarizer.errors import InputError
    from summarizer.ingest import read_report

    with pytest.raises(InputError, match="file not found"):
        read_report(r / "goes.txt")


def test_a_sub_folder_that_cannot_be_listed_is_a_warning_not_a_stop(tmp_path, monkeypatch):
    r = tmp_path / "reports"
    (r / "locked").mkdir(parents=True)
    shutil.copy(seed("004"), r / "open.txt")
    shutil.copy(seed("004"), r / "locked" / "hidden.txt")
    real = os.scandir

    def scandir(path="."):  # as for a folder without read permission (root can read any; simulate it)
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    problems = []
    found = find_reports(r, on_error=lambda folder, reason: problems.append((folder.name, reason)))
    assert [p.name for p in found] == ["open.txt"]
    assert problems == [("locked", "Permission denied")]


def test_output_folder_that_is_a_file_is_one_error_before_any_work(fake, tmp_path):
    target = tmp_path / "out"
    target.write_text("not a folder")
    run = _cli("brief", seed("004"), "--out", target, "--model", "fake", env={"OPENAI_BASE_URL": fake.base_url})
    assert run.returncode == 1 and "the output folder is a file" in run.stderr and "Traceback" not in run.stderr
    assert not fake.chat_requests
