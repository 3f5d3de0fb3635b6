"""Files the tool writes and the paths it derives: never a traceback for an odd file system.

Python 3.11's ``Path.resolve`` raises ``RuntimeError`` on a symbolic-link loop (3.13: ``OSError``);
:func:`resolve_path` turns every such failure into the plain absolute path, so one bad entry in a
folder cannot take a batch down.
"""

from __future__ import annotations

import os
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
