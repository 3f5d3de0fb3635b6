"""`eval run` end to end against the real local fake OpenAI server: run, store, cache, fail, judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer import __version__
from summarizer.evaluate.cli import eval_app
from summarizer.evaluate.runs import ITEMS_FILE, PAIRWISE_FILE, RUN_FILE, load_run
from summarizer.prompts import load_prompt

from .fakeserver import FakeOpenAI, schema_responder
from .test_eval_data import make_dataset

CANARY = "sk-canary-eval-0123456789CANARY"


def invoke(*args, env=None):
    result = CliRunner().invoke(eval_app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def run_args(dataset: Path, fake: FakeOpenAI, runs: Path, run_id: str, *extra) -> list:
    return ["run", "--dataset", dataset, "--prompt", "briefing@v1", "--prompt", "briefing@v2",
            "--base-url", fake.base_url, "--model", "fake-model", "--runs-dir", runs, "--run-id", run_id, *extra]


@pytest.fixture
def dataset(tmp_path):
    return make_dataset(tmp_path / "datasets")


def test_run_stores_every_item_with_scores_and_a_manifest(fake, dataset, tmp_path):
    runs = tmp_path / "runs"
    result = invoke(*run_args(dataset, fake, runs, "r1", "--repeat", "2"))
    assert result.exit_code == 0, result.output
    assert "rougeL" in result.output and "briefing@v1" in result.output and "briefing@v2" in result.output
    assert "eval compare r1" in result.output

    run = load_run(runs / "r1")
    m = run.manifest
    assert m.status == "complete" and m.tool_version == __version__ and m.created and m.finished
    assert m.dataset.name == "mini" and m.dataset.cases == ["luxi-87", "schools-12"] and len(m.dataset.sha256) == 64
    assert [(v.id, v.prompt, v.model) for v in m.variants] == [("briefing@v1", "briefing@v1", "fake-model"),
                                                               ("briefing@v2", "briefing@v2", "fake-model")]
    assert m.variants[0].prompt_sha256 == load_prompt("briefing@v1").sha256
    assert m.variants[1].endpoint == fake.base_url
    assert m.repeat == 2 and m.metrics["seconds"] == "lower" and m.scoring["semantic_threshold"] > 0
    assert m.counts["ok"] == 8 and m.counts["failed"] == 0

    assert len(run.items) == 2 * 2 * 2  # prompts x cases x repeats
    keys = {(i.variant, i.case, i.repeat) for i in run.items}
    assert len(keys) == 8
    for item in run.items:
        assert item.status == "ok" and item.brief["prompt"]["version"] in (1, 2)
        assert item.scores["ok"] == 1 and item.scores["metadata_accuracy"] == 1  # the tool's own meeting facts
        assert 0 <= item.scores["rougeL"] <= 1 and item.scores["semantic_similarity"] is not None
        assert item.scores["calls"] >= 1 and item.usage["prompt_tokens"] > 0
        assert {f["id"] for f in item.details["facts"]} >= {"f1", "f2"}
    # the fake model writes "English text 1 about sentence N": no key fact is stated in the summary,
    # but the chair and meeting number come from the tool: f1 of luxi-87 is stated
    luxi = next(i for i in run.items if i.case == "luxi-87")
    assert {f["id"]: f["keyword"] for f in luxi.details["facts"]} == {"f1": True, "f2": False, "f3": False}


def test_repeats_do_not_share_the_cache_but_reruns_do(fake, dataset, tmp_path):
    runs = tmp_path / "runs"
    invoke(*run_args(dataset, fake, runs, "once"))
    first = len(fake.chat_requests)
    assert first > 0
    invoke(*run_args(dataset, fake, runs, "twice", "--repeat", "2"))
    # repeat 0 is served from the cache, repeat 1 (epoch 1) asks the model again
    assert len(fake.chat_requests) == 2 * first
    run = load_run(runs / "twice")
    repeat1 = [i for i in run.items if i.repeat == 1]
    assert all(i.usage["calls"] > 0 and i.usage["cached_calls"] == 0 for i in repeat1)
    assert all(i.usage["calls"] == 0 and i.scores["seconds"] is None for i in run.items if i.repeat == 0)
    invoke(*run_args(dataset, fake, runs, "again"))
    assert len(fake.chat_requests) == 2 * first  # all cached
    invoke(*run_args(dataset, fake, runs, "fresh", "--no-cache"))
    assert len(fake.chat_requests) == 3 * first


class FailingFor(FakeOpenAI):
    """Answers HTTP 503 to every request about one report."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker

    def _chat(self, body):
        if self.marker in json.dumps(body, ensure_ascii=False):
            return 503, {}, {"error": {"message": "overloaded"}}
        return super()._chat(body)


def test_a_failed_item_is_recorded_and_the_run_goes_on(dataset, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("max_attempts = 1\n", encoding="utf-8")
    runs = tmp_path / "runs"
    with FailingFor("李明") as server:  # the chair of schools-12
        result = invoke(*run_args(dataset, server, runs, "r", "--config", config))
    assert result.exit_code == 0, result.output
    assert "2 of 4 items failed" in result.output
    run = load_run(runs / "r")
    failed = [i for i in run.items if i.status == "failed"]
    assert {i.case for i in failed} == {"schools-12"} and len(failed) == 2
    assert all("http_503" in i.reason and i.scores == {"ok": 0.0} and i.brief is None for i in failed)
    assert all(i.status == "ok" for i in run.items if i.case == "luxi-87")
    assert run.manifest.counts == {"ok": 2, "failed": 2, "judge_failed": 0}


def test_every_item_failing_exits_2(dataset, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("max_attempts = 1\n", encoding="utf-8")
    with FailingFor("会议") as server:
        result = invoke(*run_args(dataset, server, tmp_path / "runs", "r", "--config", config))
    assert result.exit_code == 2
    assert "every item failed" in result.output


def test_the_api_key_and_url_credentials_are_never_stored(fake, dataset, tmp_path):
    runs = tmp_path / "runs"
    with_creds = fake.base_url.replace("http://", "http://user:hunter2secret@")
    for run_id, url in (("key", fake.base_url), ("creds", with_creds)):
        result = invoke("run", "--dataset", dataset, "--prompt", "briefing@v2", "--base-url", url, "--model", "m",
                        "--runs-dir", runs, "--run-id", run_id, "--no-cache", env={"OPENAI_API_KEY": CANARY})
        assert result.exit_code == 0, result.output
        assert CANARY not in result.output and "hunter2secret" not in result.output
    sent = {v for r in fake.requests for k, v in r["headers"].items() if k.lower() == "authorization"}
    assert f"Bearer {CANARY}" in sent  # the key was used, and is nowhere below
    files = [f for run in ("key", "creds") for f in (runs / run).iterdir()]
    assert {f.name for f in files} >= {RUN_FILE, ITEMS_FILE}
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert CANARY not in text and "hunter2secret" not in text, file
    run = load_run(runs / "creds")
    assert run.manifest.variants[0].endpoint == fake.base_url
    assert all(i.brief["model"]["endpoint"] == fake.base_url for i in run.items)


def test_an_invalid_dataset_or_prompt_stops_before_any_call(fake, dataset, tmp_path):
    ref = dataset / "luxi-87" / "reference.json"
    data = json.loads(ref.read_text(encoding="utf-8"))
    data["key_facts"][0]["evidence_zh"] = "报告里没有这句话"
    ref.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke(*run_args(dataset, fake, tmp_path / "runs", "bad"))
    assert result.exit_code == 1 and "dataset has 1 error(s)" in result.output and "eval validate" in result.output
    ok = make_dataset(tmp_path / "ok")
    result = invoke("run", "--dataset", ok, "--prompt", "briefing@v99", "--base-url", fake.base_url,
                    "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 1 and "no prompt briefing@v99" in result.output
    assert fake.chat_requests == [] and not (tmp_path / "runs").exists()


def test_cases_and_models_can_be_chosen(fake, dataset, tmp_path):
    runs = tmp_path / "runs"
    result = invoke("run", "--dataset", dataset, "--prompt", "briefing@v3", "--base-url", fake.base_url,
                    "--model", "model-a", "--model", "model-b", "--case", "schools-12", "--runs-dir", runs,
                    "--run-id", "m", "--no-semantic")
    assert result.exit_code == 0, result.output
    run = load_run(runs / "m")
    assert run.variants == ["briefing@v3/model-a", "briefing@v3/model-b"]
    assert {(i.model, i.case) for i in run.items} == {("model-a", "schools-12"), ("model-b", "schools-12")}
    assert {r["body"]["model"] for r in fake.chat_requests} == {"model-a", "model-b"}
    assert all(i.scores["semantic_similarity"] is None for i in run.items) and not run.manifest.semantic


# ------------------------------------------------------------------ judge
def judge_responder(body: dict) -> str:
    name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    user = body["messages"][-1]["content"]
    if name == "CriterionScore":
        score = {"FAITHFULNESS": 4, "COVERAGE": 2, "ENGLISH": 5}[user.split("Criterion: ")[1].split()[0]]
        return json.dumps({"reasoning": "checked", "score": score})
    if name == "Preference":
        return json.dumps({"reasoning": "first is clearer", "better": "briefing_1"})
    return schema_responder(body)


def test_judge_scores_each_briefing_and_compares_prompts_in_seeded_order(dataset, tmp_path):
    runs = tmp_path / "runs"
    with FakeOpenAI(judge_responder) as server:
        result = invoke(*run_args(dataset, server, runs, "j", "--judge", "--repeat", "2"))
        assert result.exit_code == 0, result.output
        names = [((r["body"].get("response_format") or {}).get("json_schema") or {}).get("name")
                 for r in server.chat_requests]
        assert names.count("Preference") == 4  # one pairwise verdict per (case, repeat)
        # 3 criteria per item; the fake model writes the same briefing for both prompts, so some
        # identical judge calls are answered from the cache
        assert 4 * 3 <= names.count("CriterionScore") <= 8 * 3
        run = load_run(runs / "j")
        assert run.manifest.judge.version == "judge@v1" and run.manifest.judge.seed == 0
        for item in run.items:
            assert (item.scores["judge.faithfulness"], item.scores["judge.coverage"],
                    item.scores["judge.english"]) == (4, 2, 5)
        pairs = run.pairwise
        assert len(pairs) == 4 and all(p.a == "briefing@v1" and p.b == "briefing@v2" for p in pairs)
        assert all(p.winner == p.shown_first for p in pairs)  # the judge always prefers what it sees first
        orders = [p.shown_first for p in sorted(pairs, key=lambda p: (p.case, p.repeat))]
        # the same seed draws the same order; the judge's verdicts come from the cache
        before = len(server.chat_requests)
        invoke(*run_args(dataset, server, runs, "j2", "--judge", "--repeat", "2"))
        assert len(server.chat_requests) == before
        again = sorted(load_run(runs / "j2").pairwise, key=lambda p: (p.case, p.repeat))
        assert [p.shown_first for p in again] == orders
        assert "judge pairwise briefing@v1 vs briefing@v2" in result.output
    assert (runs / "j" / PAIRWISE_FILE).exists() and (runs / "j" / ITEMS_FILE).exists()
    assert (runs / "j" / RUN_FILE).exists()


def test_a_judge_that_fails_leaves_the_item_scored(dataset, tmp_path):
    def broken(body):
        name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
        if name in ("CriterionScore", "Preference"):
            return json.dumps({"score": 99})  # invalid twice: the judge call fails
        return schema_responder(body)

    runs = tmp_path / "runs"
    with FakeOpenAI(broken) as server:
        result = invoke(*run_args(dataset, server, runs, "jf", "--judge", "--case", "luxi-87"))
    assert result.exit_code == 0, result.output
    run = load_run(runs / "jf")
    assert all(i.status == "ok" and "schema_violation" in i.judge["error"] for i in run.items)
    assert all("judge.faithfulness" not in i.scores and i.scores["rougeL"] is not None for i in run.items)
    assert all(p.winner is None and p.error for p in run.pairwise)
    assert run.manifest.counts["judge_failed"] == 2
