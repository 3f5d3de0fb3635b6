"""The price table: USD per 1M input/output tokens per model, a user-editable TOML file.

The packaged default (``summarizer/data/prices.toml``) holds dated example prices;
``--prices FILE`` replaces it. Unknown keys are errors, so a typo fails loudly.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import UserError

DEFAULT = "prices.toml"


class ModelPrice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0, description="USD per 1M input tokens")
    output: float = Field(ge=0, description="USD per 1M output tokens")
    batch: float | None = Field(default=None, gt=0, le=1,
                                description="fraction of the price billed for Batch API requests")

    def cost(self, input_tokens: int, output_tokens: int, *, batch: bool = False) -> float:
        usd = (input_tokens * self.input + output_tokens * self.output) / 1_000_000
        return usd * (self.batch or 1.0) if batch else usd


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: str = Field(description="when these prices were taken from the providers' lists")
    currency: str = "USD"
    models: dict[str, ModelPrice]
    source: str = Field(default="", exclude=True)

    def price(self, model: str) -> ModelPrice | None:
        """The entry for a model: exact (case-insensitive), else the longest entry its name starts with."""
        wanted = model.lower().rsplit("/", 1)[-1]
        entries = {name.lower(): price for name, price in self.models.items()}
        if wanted in entries:
            return entries[wanted]
        prefixes = [name for name in entries if wanted.startswith(name) and wanted[len(name)] in "-:@._"]
        return entries[max(prefixes, key=len)] if prefixes else None


def load_prices(path: Path | None = None) -> PriceTable:
    """The price table at ``path``, or the packaged default."""
    if path is None:
        text = resources.files("summarizer").joinpath("data", DEFAULT).read_text(encoding="utf-8")
        source = f"summarizer/data/{DEFAULT}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read the price table: {exc.strerror}", path=path) from None
        source = str(path)
    try:
        table = PriceTable(**tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"price table is not valid TOML: {exc}", path=source) from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        raise UserError(f"invalid price table: {problems}", path=source,
                        hint="each model needs input and output (USD per 1M tokens)") from None
    table.source = source
    return table
