"""The dry run: what briefing some reports would take, without calling a model.

Each report goes through the real pipeline with an :class:`~summarizer.runners.offline.OfflineRunner`
(cached replies are used, every other call gets a stand-in), so the count of calls is the
pipeline's own, chunking and the reduce step included. Per report: its source tokens, the
calls it needs (and how many are already cached), the input tokens those calls would send
(o200k count of the request bodies as they would be sent), the output tokens to expect,
and their cost from the price table.

Output tokens cannot be known before the model writes them: the estimate is the average
completion of that prompt's step in the response cache when the cache has seen it, else
the step's ``max_tokens`` (an upper bound; the table marks such figures with ``≤``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .chunk import count_tokens
from .config import Settings
from .errors import ModelError, UserError
from .facts.glossary import Glossary
from .generate.outputs import calls_when_fitting
from .llm import model_ref
from .llm.client import LLM
from .pipeline import Briefed, Translated, run_report
from .prices import ModelPrice, PriceTable, load_prices
from .prompts import Prompt
from .runners.offline import OfflineRunner, Planned, offline_llm, structured_mode


@dataclass
class PlanRow:
    path: Path
    source_tokens: int = 0
    calls: int = 0  # calls the pipeline needs for this report
    cached: int = 0  # of which already in the response cache (free)
    input_tokens: int = 0  # sent by the uncached calls
    output_tokens: int = 0  # expected from the uncached calls
    output_bound: bool = False  # output_tokens includes max_tokens upper bounds
    cost: float | None = None  # USD for the uncached calls; None: the model is not in the price table
    steps: dict[str, int] = field(default_factory=dict)  # calls per step
    error: str | None = None


class History:
    """Average completion tokens per (prompt, step), from the replies in the response cache."""

    def __init__(self, llm: LLM):
        sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        if llm.store is not None:
            for _endpoint, _model, prompt, step, count, _prompt_tok, completion_tok in llm.store.stats():
                entry = sums[(prompt, step)]
                entry[0] += int(count or 0)
                entry[1] += int(completion_tok or 0)
        self.averages = {k: total / n for k, (n, total) in sums.items() if n}

    def completion(self, planned: Planned) -> tuple[int, bool]:
        """(expected completion tokens, whether it is the max_tokens bound)."""
        average = self.averages.get((planned.prompt_ref, planned.step))
        if average is None:
            return planned.max_tokens, True
        return min(round(average), planned.max_tokens), False


def row_for(path: Path, runner: OfflineRunner, source_tokens: int, history: History,
            price: ModelPrice | None, *, batch: bool = False) -> PlanRow:
    """A report's plan row from the calls its offline run made (cached calls cost nothing)."""
    row = PlanRow(path=path, source_tokens=source_tokens)
    for planned in runner.calls:
        row.calls += 1
        row.steps[planned.step] = row.steps.get(planned.step, 0) + 1
        if planned.cached:
            row.cached += 1
            continue
        row.input_tokens += planned.prompt_tokens
        expected, bound = history.completion(planned)
        row.output_tokens += expected
        row.output_bound = row.output_bound or bound
    if price is not None:
        row.cost = price.cost(row.input_tokens, row.output_tokens, batch=batch)
    return row


def source_tokens(doc) -> int:
    return count_tokens(doc.text)


@dataclass
class Offline:
    """A report run through the pipeline offline: its runner (the calls it needed), and its briefing
    (built on stand-ins unless ``runner.complete``), or why it could not run."""

    runner: OfflineRunner | None = None
    briefed: Briefed | Translated | None = None
    error: str | None = None

    @property
    def source_tokens(self) -> int:
        return source_tokens(self.briefed.doc) if self.briefed else 0


async def plan_one(path: Path, *, settings: Settings, prompt: Prompt, llm: LLM, glossary: Glossary,
                   mode=None, results=None) -> Offline:
    """Run the pipeline offline on one report (no checks: they are added only to a briefing that is kept)."""
    try:
        runner = OfflineRunner(llm, mode=mode, results=results)
        briefed = await run_report(path, runner, settings=settings, prompt=prompt, model=model_ref(settings),
                                   glossary=glossary, check=False)
        return Offline(runner, briefed)
    except UserError as exc:
        return Offline(error=exc.problem + (f" ({exc.hint})" if exc.hint else ""))
    except ModelError as exc:
        return Offline(error=f"{exc.kind}: {exc}")


def plan_reports(paths: list[Path], settings: Settings, prompt: Prompt, *, prices: PriceTable | Path | None = None,
                 glossary: Glossary | None = None) -> list[PlanRow]:
    """Per report: source tokens, calls needed (and cached), tokens to send, expected cost. No call is made."""
    table = prices if isinstance(prices, PriceTable) else load_prices(prices)
    price = table.price(settings.model_name)
    glossary = glossary if glossary is not None else Glossary.load(settings.glossaries)

    async def main() -> list[PlanRow]:
        llm = offline_llm(settings)
        try:
            history = History(llm)
            mode = structured_mode(llm)
            rows = []
            for path in paths:
                run = await plan_one(path, settings=settings, prompt=prompt, llm=llm, glossary=glossary, mode=mode)
                rows.append(PlanRow(path=path, error=run.error) if run.runner is None
                            else row_for(path, run.runner, run.source_tokens, history, price))
            return rows
        finally:
            await llm.aclose()

    return asyncio.run(main())


def totals(rows: list[PlanRow]) -> PlanRow:
    total = PlanRow(path=Path("total"))
    for row in rows:
        if row.error:
            continue
        total.source_tokens += row.source_tokens
        total.calls += row.calls
        total.cached += row.cached
        total.input_tokens += row.input_tokens
        total.output_tokens += row.output_tokens
        total.output_bound = total.output_bound or row.output_bound
        for step, n in row.steps.items():
            total.steps[step] = total.steps.get(step, 0) + n
    costs = [r.cost for r in rows if not r.error]
    total.cost = sum(costs) if costs and all(c is not None for c in costs) else None
    return total


def _usd(cost: float | None, bound: bool) -> str:
    if cost is None:
        return "n/a"
    return f"{'≤ ' if bound else ''}${cost:,.4f}"


def print_plan(rows: list[PlanRow], settings: Settings, prompt: Prompt, *, prices: PriceTable | Path | None = None,
               console: Console | None = None, title: str | None = None, batch: bool = False) -> PlanRow:
    """A table of the plan, one row per report and a total; returns the total."""
    console = console or Console()
    table_prices = prices if isinstance(prices, PriceTable) else load_prices(prices)
    price = table_prices.price(settings.model_name)
    table = Table(title=title or f"dry run: {prompt.ref} on {settings.model_name} (no call made)")
    for column, justify in (("report", "left"), ("source tok", "right"), ("calls", "right"), ("cached", "right"),
                            ("input tok", "right"), ("output tok", "right"), ("cost USD", "right")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        if row.error:
            table.add_row(escape(str(row.path)), "[red]failed[/]", "", "", "", "", "")
            continue
        table.add_row(escape(str(row.path)), f"{row.source_tokens:,}", str(row.calls), str(row.cached),
                      f"{row.input_tokens:,}", f"{'≤ ' if row.output_bound else ''}{row.output_tokens:,}",
                      _usd(row.cost, row.output_bound))
    total = totals(rows)
    table.add_section()
    table.add_row(f"total ({sum(not r.error for r in rows)} reports)", f"{total.source_tokens:,}", str(total.calls),
                  str(total.cached), f"{total.input_tokens:,}",
                  f"{'≤ ' if total.output_bound else ''}{total.output_tokens:,}", _usd(total.cost, total.output_bound))
    console.print(table)
    for row in rows:
        if row.error:
            console.print(f"[red]failed[/] {escape(str(row.path))}: {escape(row.error)}", highlight=False)
    console.print(f"calls per report that fits the context: {calls_when_fitting(prompt)} "
                  f"(steps: {', '.join(s.name for s in prompt.meta.steps)})", highlight=False)
    if price is None:
        console.print(f"[yellow]no price for {escape(settings.model_name)}[/] in {escape(table_prices.source)}: "
                      "add it there or pass --prices FILE", highlight=False)
    else:
        note = f" (Batch API: ×{price.batch:g})" if batch and price.batch else ""
        console.print(f"prices: {escape(settings.model_name)} ${price.input:g} in / ${price.output:g} out per 1M "
                      f"tokens{note}, examples as of {table_prices.as_of} from {escape(table_prices.source)} "
                      "(edit it, or --prices FILE)", highlight=False)
    if total.output_bound:
        console.print("≤: output tokens not seen in the cache yet are counted at max_tokens (an upper bound)",
                      highlight=False)
    return total
