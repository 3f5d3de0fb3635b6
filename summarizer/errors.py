"""Errors a user can act on. The CLI prints them as one line and exits non-zero."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, bad configuration, a missing package.

    ``str(err)`` is the one-line message: what went wrong, where, and what to do.
    """

    exit_code = 1

    def __init__(self, message: str, *, path: object | None = None, hint: str | None = None):
        self.problem = message
        self.path = str(path) if path is not None else None
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.path}: {self.problem}" if self.path else self.problem
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(UserError):
    """The report itself cannot be processed (empty, binary, unsupported language...)."""


class MissingDependency(UserError):
    """A package the tool needs is missing or broken at import (an environment problem, not the input's)."""

    @classmethod
    def from_import(cls, exc: ImportError, *, package: str, needed_for: str) -> "MissingDependency":
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return cls(f"cannot import {package}, needed for {needed_for}: {reason}",
                   hint="reinstall the locked dependencies with `make setup` in a checkout, or reinstall "
                        "summarizer with pip; the message above names the missing piece")


class ModelError(Exception):
    """The model endpoint failed in a way retries did not fix. Carries no secrets."""

    def __init__(self, message: str, *, kind: str = "model_error"):
        self.kind = kind
        self.usage = None  # what the failed attempt cost (schema.Usage), when known
        super().__init__(message)


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every secret in it replaced by ``***`` (secrets shorter than 4 characters
    are left alone: masking them would garble ordinary text)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
