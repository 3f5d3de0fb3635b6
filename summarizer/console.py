"""What every command shares: consoles, logging with secrets scrubbed, common options, errors."""

from __future__ import annotations

import functools
import logging
import re
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from .errors import UserError, redact

if TYPE_CHECKING:
    from .config import Settings

console = Console(stderr=True, soft_wrap=True)  # messages stay one line when piped or logged
out = Console()


class Redact(logging.Filter):
    """Scrub secrets from every log record, whatever logged it: the message, and any traceback
    or stack attached to it (those are formatted here, scrubbed, and folded into the message).

    Credentials in headers are masked whatever the key (``Authorization: Bearer ...``,
    ``api-key``, ``x-api-key``, as text, dict or bytes-tuple reprs).
    """

    HEADER = re.compile(r"(?i)((?:proxy-)?authorization|x-api-key|api-key|api_key)(['\"]?\s*(?:[:=]|,)\s*"
                        r"(?:b?['\"])?)(?:(?:bearer|basic)\s+)?[^\s'\",})\]]+")

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def scrub(self, text: str) -> str:
        return self.HEADER.sub(r"\1\2***", redact(text, *self.secrets))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: still never let a secret through
            message = f"{record.msg} {record.args}"
        extra = []
        if record.exc_info and record.exc_info[0] is not None:
            extra.append("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            extra.append(record.exc_text)
        if record.stack_info:
            extra.append(record.stack_info)
        scrubbed = self.scrub("\n".join([message, *extra]))
        if scrubbed != message or extra:
            record.msg, record.args = scrubbed, None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def setup_logging(verbose: int, settings: Settings | None = None) -> None:
    from rich.logging import RichHandler

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = RichHandler(console=console, show_path=False, show_time=verbose > 1, markup=False)
    secret = settings.api_key.get_secret_value() if settings and settings.api_key else ""
    handler.addFilter(Redact([secret]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("summarizer").setLevel(level)
    if verbose > 2:  # HTTP-level detail from the SDK and its transport, still redacted by the filter
        for name in ("openai", "httpx", "httpx2", "httpcore"):
            logging.getLogger(name).setLevel(logging.DEBUG)


Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v progress details, -vv debug.")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="TOML config file.", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name at the endpoint.")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible endpoint URL "
                                                   "(default: $OPENAI_BASE_URL, OpenAI with a key, else embedded).")]
PromptOpt = Annotated[Optional[str], typer.Option("--prompt", "-p", help="Prompt NAME[@vN] or a path to a prompt file.")]




def user_errors(fn):
    """Print a UserError as one line on stderr and exit with its code, in any sub-app (and under
    typer's CliRunner, where the top-level handler in cli.main does not run)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(exc.render())}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def gather_reports(targets: list[Path], warn: Console | None = None) -> list[tuple[Path, Path | None]]:
    """(report, the folder argument it was found under, or None) for files and folders given.
    A sub-folder that cannot be listed is a warning (its reports are not briefed), not a stop."""
    from .ingest import find_reports

    def unlistable(folder: Path, reason: str) -> None:
        if warn is not None:
            warn.print(f"[yellow]warning:[/] cannot list {escape(str(folder))} ({escape(reason)}); its reports "
                       "are skipped (check the folder's permissions)")

    found: list[tuple[Path, Path | None]] = []
    empty = []
    for target in targets:
        reports = find_reports(target, on_error=unlistable)
        if target.is_dir() and not reports:
            empty.append(target)
        found += [(p, target if target.is_dir() else None) for p in reports]
    if found and warn is not None:  # with nothing found at all, the caller's one error says it
        for target in empty:
            warn.print(f"[yellow]warning:[/] no .txt/.md/.html reports under {escape(str(target))}")
    return found
