"""The dry run: calls, tokens and cost per report from the real pipeline, without any call; the
price table; the stand-in replies that let the pipeline run without a model."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from rich.console import Console

from summarizer.config import load_settings
from summarizer.errors import UserError
from summarizer.facts import establish_facts
from summarizer.facts.structure import assignments, topics
from summarizer.generate import generate
from summarizer.generate.outputs import OUTPUTS
from summarizer.ingest import read_report
from summarizer.llm import connect, model_ref
from summarizer.plan import plan_reports, print_plan, totals
from summarizer.prices import load_prices
from summarizer.prompts import load_prompt
from summarizer.runners.synthetic import reply_for

from .conftest import SEED_FILES, seed


def declared_calls(path, prompt: str) -> int:
    doc = read_report(path)
    facts = establish_facts(doc)
    return 1 if prompt == "briefing@v3" else 1 + len(topics(doc, facts)) + len(assignments(doc, facts))


def remote(fake, model="gpt-4o-mini", **flags):
    return load_settings(None, base_url=fake.base_url, model=model, **flags)


def brief_online(settings, path, prompt):
    async def go():
        async with connect(settings) as llm:
            doc = read_report(path)
            return await generate(doc, establish_facts(doc), load_prompt(prompt), llm, model=model_ref(settings),
                                  context_tokens=settings.context_budget)

    return asyncio.run(go())


@pytest.mark.parametrize("prompt", ["briefing@v1", "briefing@v2", "briefing@v3", "briefing@v4", "briefing@v5", "briefing@v6"])
def test_dry_run_counts_the_declared_calls_and_sends_nothing(fake, prompt):
    settings = remote(fake)
    rows = plan_reports(SEED_FILES, settings, load_prompt(prompt))
    assert fake.requests == []  # no call of any kind
    price = load_prices().price("gpt-4o-mini")
    for path, row in zip(SEED_FILES, rows):
        assert row.error is None
        assert row.calls == declared_calls(path, prompt)  # a report that fits the context: no chunking
        assert row.cached == 0 and row.input_tokens > row.source_tokens > 0
        assert row.output_bound  # nothing in the cache yet: max_tokens is the bound
        assert row.cost == pytest.approx(price.cost(row.input_tokens, row.output_tokens))
    total = totals(rows)
    assert total.calls == sum(r.calls for r in rows) and total.cost == pytest.approx(sum(r.cost for r in rows))


def test_cached_calls_are_free_and_output_estimates_come_from_the_cache(fake):
    settings = remote(fake)
    brief_online(settings, seed("003"), "briefing@v2")
    sent = len(fake.chat_requests)
    first, second = plan_reports([seed("003"), seed("001")], settings, load_prompt("briefing@v2"))
    assert len(fake.chat_requests) == sent
    assert first.cached == first.calls == sent and first.input_tokens == 0 and first.cost == 0
    assert second.cached == 0 and not second.output_bound  # every step's replies have been seen
    prompt = load_prompt("briefing@v2")
    bound = sum(prompt.step(name).max_tokens * n for name, n in second.steps.items())
    assert 0 < second.output_tokens < bound  # the fake server's replies are short; max_tokens is not used


def test_dry_run_on_the_embedded_model_starts_nothing(tmp_path):
    settings = load_settings(None)
    assert settings.is_embedded
    settings.embedded.command = ["false"]  # starting a server would fail the test
    rows = plan_reports([seed("004")], settings, load_prompt("briefing@v2"))
    assert rows[0].error is None and rows[0].calls == declared_calls(seed("004"), "briefing@v2")
    assert rows[0].cost == 0  # the embedded model is priced at zero
    assert not (settings.cache_dir / "embedded-server.log").exists()


def test_the_prompt_prefix_is_the_same_for_every_call_and_report(fake):
    from summarizer.facts.glossary import Glossary
    from summarizer.plan import plan_one
    from summarizer.runners.offline import offline_llm

    settings = remote(fake)
    prompt = load_prompt("briefing@v2")

    async def go():
        llm = offline_llm(settings)
        bodies = []
        for path in SEED_FILES[:3]:
            run = await plan_one(path, settings=settings, prompt=prompt, llm=llm, glossary=Glossary.load())
            bodies += [c.body for c in run.runner.calls]
        await llm.aclose()
        return bodies

    bodies = asyncio.run(go())
    assert len({b["messages"][0]["content"] for b in bodies}) == 1  # static instructions first, shared
    for b in bodies:
        user = b["messages"][1]["content"]
        assert user.startswith("<report>\n")  # then the report, then the step's question
        assert user.index("</report>") < len(user) - 20


def test_the_plan_table(fake, tmp_path):
    settings = remote(fake)
    prompt = load_prompt("briefing@v3")
    rows = plan_reports([seed("004"), tmp_path / "missing.txt"], settings, prompt)
    console = Console(record=True, width=200)
    total = print_plan(rows, settings, prompt, console=console)
    text = console.export_text()
    assert "total (1 reports)" in text and "missing.txt: file not found" in text and "≤ $" in text
    assert "as of 2025" in text and total.calls == 1
    unpriced = remote(fake, model="my-own-model")
    console = Console(record=True, width=200)
    print_plan(plan_reports([seed("004")], unpriced, prompt), unpriced, prompt, console=console)
    assert "no price for my-own-model" in console.export_text()
    table = tmp_path / "prices.toml"
    table.write_text('as_of = "2026-01-01"\n[models."my-own-model"]\ninput = 1.0\noutput = 2.0\n')
    priced = plan_reports([seed("004")], unpriced, prompt, prices=table)
    assert priced[0].cost == pytest.approx((priced[0].input_tokens * 1.0 + priced[0].output_tokens * 2.0) / 1e6)


def test_price_table():
    table = load_prices()
    for name in ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "deepseek-chat", "qwen-plus",
                 "qwen2.5-coder-1.5b-instruct-q4_k_m"):
        assert table.price(name) is not None, name
    assert table.as_of and table.price("qwen2.5-coder-1.5b-instruct-q4_k_m").input == 0
    assert table.price("gpt-4o-mini-2024-07-18") is table.price("gpt-4o-mini")  # longest prefix wins
    assert table.price("gpt-4o-2024-08-06") is table.price("gpt-4o")
    assert table.price("openai/GPT-4o") is table.price("gpt-4o")
    assert table.price("gpt-4ox") is None and table.price("llama-3") is None
    price = table.price("gpt-4o-mini")
    assert price.cost(1_000_000, 1_000_000, batch=True) == pytest.approx((0.15 + 0.60) / 2)


def test_a_bad_price_table_is_a_user_error(tmp_path):
    bad = tmp_path / "prices.toml"
    bad.write_text('as_of = "x"\n[models.m]\ninput = 1\noutptu = 2\n')
    with pytest.raises(UserError, match="outptu"):
        load_prices(bad)
    bad.write_text("not toml [")
    with pytest.raises(UserError, match="not valid TOML"):
        load_prices(bad)
    with pytest.raises(UserError, match="cannot read"):
        load_prices(tmp_path / "none.toml")


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_stand_in_replies_fit_every_step_output(name):
    _scope, schema = OUTPUTS[name]
    messages = [{"role": "system", "content": "s"},
                {"role": "user", "content": "<report>\n[3] 一。\n[4] 二。\n[7] 三。\n</report>\nTask"}]
    arity = 0 if not callable(schema) or isinstance(schema, type) else len(inspect.signature(schema).parameters)
    if name == "translation":  # a window: the ids it shows
        models = [schema(ids) for ids in ([3], [3, 4], [3, 4, 7])]
    else:
        models = [schema] if arity == 0 else [schema(*([n] * arity)) for n in (1, 3, 5)]
    for model in models:
        value = reply_for(model, messages, marker="zz1234")
        dumped = value.model_dump_json()
        assert "zz1234" in dumped  # every stand-in can be recognised downstream


def test_brief_dry_run_on_the_command_line(fake, tmp_path):
    from .test_cli import cli

    env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "200"}
    run = cli("brief", seed("001"), seed("004"), "--out", tmp_path / "out", "--dry-run", "--model", "gpt-4o-mini",
              env=env)
    assert run.returncode == 0, run.stderr
    assert "total (2 reports)" in run.stdout and "$" in run.stdout
    assert fake.requests == [] and not (tmp_path / "out").exists()  # no call, no output
