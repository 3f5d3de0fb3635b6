"""Settings: command-line flags > environment > TOML config file > defaults.

The API key is only ever read from the environment (``OPENAI_API_KEY``, or the variable
named by ``api_key_env``); it is never accepted in a file, printed, logged or cached.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .errors import UserError, redact

EMBEDDED = "embedded"
EMBEDDED_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
DEFAULT_REMOTE_BASE_URL = "https://api.openai.com/v1"
DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
# the default prompt version is chosen by the eval on the embedded model (README: "Prompt versions")
DEFAULT_PROMPT = "briefing@v6"
# the default translation prompt (README: "Translation"), chosen the same way
DEFAULT_TRANSLATION_PROMPT = "translation@v1"


class EmbeddedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threads: int | None = Field(default=None, ge=1, description="llama.cpp threads; default: all cores")
    n_ctx: int = Field(default=16384, ge=512)
    parallel: int = Field(default=1, ge=1, description="requests the embedded server serves at once")
    startup_timeout: float = Field(default=600.0, gt=0)
    command: list[str] | None = Field(
        default=None,
        description="serve the model with another command, e.g. llama.cpp's native llama-server; "
        "{model} and {port} are substituted",
    )


class Settings(BaseModel):
    """Everything a run can be configured with. Unknown keys in a config file are errors."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    model: str | None = None
    prompt: str = DEFAULT_PROMPT
    translation_prompt: str = DEFAULT_TRANSLATION_PROMPT
    # brief: also translate the report (or reuse its up-to-date translation), for the English of the evidence
    translate: bool = False
    cache_dir: Path = Field(default_factory=lambda: default_cache_dir())
    use_cache: bool = True
    grounding: bool = True
    # re-ask once an item with a number, date or name the source lacks (revise.py); off until it
    # measurably helps: on 9 dev reports with the embedded model it fixed 0 of the 1 item it re-asked
    revise: bool = False
    glossaries: list[Path] = Field(default_factory=list)
    concurrency: int | None = Field(default=None, ge=1)
    # per-call retry budget
    timeout: float = Field(default=600.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    max_retry_seconds: float = Field(default=300.0, ge=0)
    # rate limits (0 = unlimited)
    requests_per_minute: float = Field(default=0, ge=0)
    tokens_per_minute: float = Field(default=0, ge=0)
    # context budget of the model in tokens (None: embedded n_ctx, else 128k)
    context_tokens: int | None = Field(default=None, ge=512)
    embedded: EmbeddedSettings = Field(default_factory=EmbeddedSettings)
    # never from a file; filled from the environment
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)

    @property
    def is_embedded(self) -> bool:
        return self.base_url == EMBEDDED

    @property
    def model_name(self) -> str:
        return self.model or (EMBEDDED_MODEL if self.is_embedded else DEFAULT_REMOTE_MODEL)

    @property
    def context_budget(self) -> int:
        if self.context_tokens:
            return self.context_tokens
        return self.embedded.n_ctx if self.is_embedded else 128_000

    @property
    def effective_concurrency(self) -> int:
        if self.concurrency:
            return self.concurrency
        return self.embedded.parallel if self.is_embedded else 4

    @property
    def db_path(self) -> Path:
        return self.cache_dir / "cache.sqlite3"

    def scrub(self, text: str) -> str:
        """``text`` with the API key, if any, replaced by ``***``."""
        return redact(text, self.api_key.get_secret_value() if self.api_key else None)


def default_cache_dir() -> Path:
    """$SUMMARIZER_CACHE_DIR, else the platform's user cache folder."""
    env = os.environ.get("SUMMARIZER_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("summarizer"))


def config_path() -> Path:
    env = os.environ.get("SUMMARIZER_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("summarizer")) / "config.toml"


def _read_file(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise UserError(f"config file not found: {path}", hint="check the path given to --config")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}", hint="fix the file or remove it") from None
    if "api_key" in data:
        raise UserError(
            f"config file {path} contains api_key",
            hint="keys are read only from the environment; remove it and set OPENAI_API_KEY "
            "(or name another variable with api_key_env)",
        )
    return data


def load_settings(config_file: Path | None = None, **flags: Any) -> Settings:
    """Merge defaults, the config file, the environment and flags (None = not given)."""
    file = config_file or config_path()
    merged: dict[str, Any] = _read_file(file, explicit=config_file is not None)
    origin = {key: f"the config file {file}" for key in merged}
    env = os.environ
    for key, variable in (("base_url", "OPENAI_BASE_URL"), ("model", "SUMMARIZER_MODEL"),
                          ("cache_dir", "SUMMARIZER_CACHE_DIR")):
        if env.get(variable):
            merged[key] = env[variable]
            origin[key] = f"the environment variable {variable}"
    for key, value in flags.items():
        if value is not None:
            merged[key] = value
            origin[key] = f"--{key.replace('_', '-')}"
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        given = origin.get(str(first["loc"][0]), f"the config file {file}")
        raise UserError(f"invalid setting {where}: {first['msg']}", hint=f"check {given}") from None
    key = env.get(settings.api_key_env)
    if key:
        settings.api_key = SecretStr(key)
    if not settings.base_url:
        # no endpoint configured: a key means OpenAI, no key means the embedded model
        settings.base_url = DEFAULT_REMOTE_BASE_URL if settings.api_key else EMBEDDED
    if settings.is_embedded and settings.model not in (None, EMBEDDED, EMBEDDED_MODEL):
        raise UserError(
            f"model {settings.model!r} needs an endpoint, but none is configured",
            hint="set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for another OpenAI-compatible server; "
            "without either the embedded model is used",
        )
    if settings.is_embedded:
        settings.model = EMBEDDED_MODEL
    return settings
