"""Files the tool writes and the paths it derives: never a traceback for an odd file system.

- paths: Python 3.11's ``Path.resolve`` raises ``RuntimeError`` on a symbolic-link loop (3.13:
  ``OSError``); :func:`resolve_path` turns every such failure into the plain absolute path, so one
  bad entry in a folder cannot take a batch down;
- output names (:func:`output_base`, :func:`output_bases`): derived from input names, safe on every
  file system, never outside the output folder, distinct within a batch;
- atomic writes (:func:`write_atomic`): a reader or a crash never sees half a file; temporary files a
  killed process left are removed by the next run (:func:`remove_stale_temps`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path


def resolve_path(path: Path | str) -> Path:
    """``path`` made absolute with links followed where possible; never raises."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a link loop, a name too long, a vanished parent
        return Path(os.path.abspath(path))


def path_text(path: Path | str) -> str:
    """A path as text that can be written anywhere: a file name that is not valid UTF-8 (bytes a
    file system allows) keeps its bytes as ``\\xff`` escapes instead of unencodable surrogates."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


# ------------------------------------------------------------------ output names
# path separators, characters Windows forbids, and every control/format/unassigned code point
# (NUL, newlines, C1 controls, RTL/LTR overrides, zero-width characters, lone surrogates)
_UNSAFE = re.compile(r"[/\\:*?\"<>|]")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.IGNORECASE)
MAX_NAME_BYTES = 150  # leaves room for ".brief.json" and a temporary-file prefix under the usual 255


def _safe_part(part: str) -> str:
    """One path component that is safe to create on Linux, macOS and Windows, and readable."""
    part = unicodedata.normalize("NFC", part)
    part = "".join("_" if unicodedata.category(c) in _INVISIBLE else c for c in part)
    part = _UNSAFE.sub("_", part).strip().lstrip(".").rstrip(". ")
    if _RESERVED.match(part):
        part = "_" + part
    if len(part.encode("utf-8")) > MAX_NAME_BYTES:  # cut on a character boundary, keep it distinct
        digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cut = part.encode("utf-8")[:MAX_NAME_BYTES - 9].decode("utf-8", "ignore")
        part = f"{cut.rstrip('. ')}~{digest}"
    return part or "_"


def output_base(report: Path, root: Path | None, out_dir: Path) -> Path:
    """``out_dir/<relative path>/<stem>.brief`` — never outside ``out_dir`` whatever the input name."""
    try:
        rel = resolve_path(report).relative_to(resolve_path(root)) if root else Path(report.name)
    except (ValueError, OSError):
        rel = Path(report.name)
    parts = [p for p in rel.parts if p not in ("", ".", "..") and p != rel.anchor]
    if not parts:
        parts = ["report"]
    stem = Path(parts[-1]).stem if Path(parts[-1]).suffix else parts[-1]
    base = out_dir.joinpath(*(_safe_part(p) for p in parts[:-1]), f"{_safe_part(stem)}.brief")
    resolved_out = resolve_path(out_dir)
    if resolved_out not in resolve_path(base).parents:  # e.g. a symlinked sub-folder pointing elsewhere
        base = out_dir / f"{_safe_part(stem)}.brief"
    return base


def output_bases(paths: list[Path], root: Path | None, out_dir: Path) -> dict[Path, Path]:
    """Output bases for a batch: inputs that would share one (``a.txt`` and ``a.md``, names that only
    differ in unsafe characters or in case) get a short hash of their name, in a stable order."""
    bases: dict[Path, Path] = {}
    taken: set[str] = set()
    for path in sorted(paths, key=str):
        base = output_base(path, root, out_dir)
        if str(base).casefold() in taken:
            digest = hashlib.sha256(str(path.name).encode("utf-8", "surrogatepass")).hexdigest()[:8]
            base = base.with_name(f"{base.name[:-len('.brief')]}~{digest}.brief")
        taken.add(str(base).casefold())
        bases[path] = base
    return bases


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")
STALE_TEMP_SECONDS = 3600


def remove_stale_temps(target: Path) -> int:
    """Remove temporary files :func:`write_atomic` left next to ``target`` when its process died
    (killed mid-write). Files of a live process are kept unless an hour old."""
    removed = 0
    try:
        siblings = list(target.parent.glob(f".{glob_escape(target.name)}.*.tmp"))
    except OSError:
        return 0
    for tmp in siblings:
        m = _TEMP.match(tmp.name)
        if not m or m.group("name") != target.name:
            continue
        try:
            if _alive(int(m.group("pid"))) and time.time() - tmp.stat().st_mtime < STALE_TEMP_SECONDS:
                continue
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


# ------------------------------------------------------------------ atomic writes
def write_atomic(path: Path, text: str) -> None:
    """``write_atomic_bytes`` of the text in UTF-8."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename: a reader (or a crash) never sees half a file.

    The temporary file sits next to ``path`` as ``.NAME.PID.RANDOM.tmp``; a process killed
    mid-write leaves only that (the next run removes it: :func:`remove_stale_temps`).
    The folder is synced after the rename, so the new name survives a power cut too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        with_suppress_unlink(tmp)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # e.g. Windows: folders cannot be opened
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _read_umask() -> int:
    current = os.umask(0)  # the only way to read it; done once, at import, before any thread writes
    os.umask(current)
    return current


_UMASK = _read_umask()


def with_suppress_unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
