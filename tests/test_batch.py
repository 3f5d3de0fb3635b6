"""The Batch API path end to end against the fake server's /v1/files + /v1/batches, and the
offline path (a local results file, as vLLM's run_batch writes it), with no model involved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from summarizer.batch.cli import batch_app
from summarizer.batch.jobs import load_job
from summarizer.config import load_settings
from summarizer.facts import establish_facts
from summarizer.facts.structure import assignments, topics
from summarizer.ingest import read_report
from summarizer.llm.cache import Store
from summarizer.schema import Brief

from .conftest import seed
from .fakeserver import schema_responder
from .test_cli import cli
from .test_pipeline import long_report

TRANSLATE_FIRST = """---
name: translated
version: 1
description: translate the report, then summarize each topic from the English
steps:
  - {name: translate, output: translation, max_tokens: 2048, chunk_tokens: 600}
  - {name: summarize, output: point, reads: english, max_tokens: 512}
  - {name: actions, output: task, max_tokens: 512}
---
## system
You turn Chinese meeting reports into English.

## translate
<report>
{{ sentences }}
</report>
Translate these {{ count }} sentences ({{ first }} to {{ last }}) into English, one item per sentence.

## summarize
<report>
{{ sentences }}
</report>
Part {{ topic }} of {{ topics }} (sentences {{ first }} to {{ last }}): one or two English sentences, and their ids.

## actions
<report>
{{ sentence }}
</report>
{{ owner }}
Who must do what, by when.
"""


def run(*args) -> object:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(batch_app, [str(a) for a in args], catch_exceptions=False)
    return result


def results_for(requests_file: Path, *, responder=schema_responder, skip=()) -> str:
    """An output JSONL like OpenAI's or vLLM run_batch's, answered by the fake server's responder."""
    lines = []
    for n, line in enumerate(requests_file.read_text().splitlines()):
        if n in skip:
            continue
        req = json.loads(line)
        content = responder(req["body"])
        lines.append(json.dumps({
            "id": f"vllm-{n}", "custom_id": req["custom_id"], "error": None,
            "response": {"status_code": 200, "request_id": f"r{n}", "body": {
                "id": f"cmpl-{n}", "object": "chat.completion", "model": req["body"]["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}}}))
    return "\n".join(lines) + "\n"


def requests_in(job: Path, number: int = 1) -> list[dict]:
    return [json.loads(line) for line in (job / f"round-{number}.requests.jsonl").read_text().splitlines()]


def comparable(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("usage")
    data["source"].pop("path")
    return data


def test_prepare_submit_status_collect_gives_the_online_briefings(fake, tmp_path):
    reports = tmp_path / "reports"
    (reports / "2021").mkdir(parents=True)
    shutil.copy(seed("003"), reports / "2021" / "dongchuan.txt")
    shutil.copy(seed("001"), reports / "puyang.txt")
    job, out = tmp_path / "job", tmp_path / "out"
    prepared = run("prepare", reports, "--job", job, "--base-url", fake.base_url, "--model", "gpt-4o-mini",
                   "--prompt", "briefing@v2")
    assert prepared.exit_code == 0, prepared.output
    assert "batch plan" in prepared.output and "$" in prepared.output  # the cost estimate, at batch prices
    lines = requests_in(job)
    expected = 0
    for path in (seed("003"), seed("001")):
        doc = read_report(path)
        facts = establish_facts(doc)
        expected += 1 + len(topics(doc, facts)) + len(assignments(doc, facts))
    assert len(lines) == expected  # every step of this prompt is independent: all in round 1
    assert len({line["custom_id"] for line in lines}) == len(lines)
    for line in lines:
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert line["body"]["model"] == "gpt-4o-mini"
        assert line["body"]["response_format"]["type"] == "json_schema"  # OpenAI's Batch API takes it
    assert fake.chat_requests == []  # preparing calls nothing

    submitted = run("submit", "--job", job)
    assert submitted.exit_code == 0, submitted.output
    uploads = [r for r in fake.requests if r["path"] == "/v1/files"]
    assert len(uploads) == 1 and len(fake.batches) == 1
    again = run("submit", "--job", job)  # already submitted: nothing is sent twice
    assert again.exit_code == 0 and len(fake.batches) == 1
    status = run("status", "--job", job)
    assert status.exit_code == 0 and "completed" in status.output

    collected = run("collect", "--job", job, "--out", out)
    assert collected.exit_code == 0, collected.output
    assert "written" in collected.output
    state = load_job(job)
    assert state.done and all(r.status == "written" for r in state.reports)
    for name in ("2021/dongchuan.brief.md", "2021/dongchuan.brief.json", "puyang.brief.md", "puyang.brief.json"):
        assert (out / name).exists(), name  # the folder layout, as `summarizer brief` keeps it
    Brief.model_validate_json((out / "2021/dongchuan.brief.json").read_text())

    # the online path finds every reply in the cache under its own keys, and writes the same briefings
    online = tmp_path / "online"
    env = {"OPENAI_BASE_URL": fake.base_url}
    # (a batch job makes no re-asks: they depend on the replies; the online run is told the same)
    done = cli("brief", reports, "--out", online, "--model", "gpt-4o-mini", "--prompt", "briefing@v2",
               "--no-revise", env=env)
    assert done.returncode == 0, done.stderr
    assert fake.chat_requests == []
    for name in ("2021/dongchuan.brief.json", "puyang.brief.json"):
        assert comparable(out / name) == comparable(online / name)


def test_translation_first_prompt_runs_step_by_step(fake, tmp_path):
    prompt = tmp_path / "prompts" / "translated" / "v1.md"
    prompt.parent.mkdir(parents=True)
    prompt.write_text(TRANSLATE_FIRST)
    job, out = tmp_path / "job", tmp_path / "out"
    report = seed("002")
    doc = read_report(report)
    n_topics, n_assign = len(topics(doc, establish_facts(doc))), len(assignments(doc, establish_facts(doc)))
    assert run("prepare", report, "--job", job, "--base-url", fake.base_url, "--model", "m",
               "--prompt", prompt).exit_code == 0
    first = requests_in(job, 1)
    steps = [line["custom_id"].split("-")[1] for line in first]
    # round 1: the translation chunks, and the steps that read the Chinese; not those that read the English
    assert "translate" in steps and steps.count("actions") == n_assign and "summarize" not in steps
    assert run("submit", "--job", job).exit_code == 0
    collected = run("collect", "--job", job, "--out", out)
    assert collected.exit_code == 0 and "next round" in collected.output
    assert not list(out.glob("*.brief.json"))  # not finished yet
    second = requests_in(job, 2)
    assert [line["custom_id"].split("-")[1] for line in second] == ["summarize"] * n_topics
    english = "\n".join(m["content"] for line in second for m in line["body"]["messages"])
    assert "English of sentence" in english  # built from round 1's collected translation
    assert run("submit", "--job", job).exit_code == 0
    final = run("collect", "--job", job, "--out", out)
    assert final.exit_code == 0, final.output
    assert (out / f"{report.stem}.brief.json").exists() and load_job(job).done, final.output


def test_a_long_report_gets_its_reduce_step_in_a_second_round(fake, tmp_path):
    report = tmp_path / "long.txt"
    report.write_text(long_report())
    job, out = tmp_path / "job", tmp_path / "out"
    env_config = tmp_path / "small-context.toml"
    env_config.write_text("context_tokens = 6000\n")
    prepared = run("prepare", report, "--job", job, "--base-url", fake.base_url, "--model", "m",
                   "--prompt", "briefing@v3", "--config", env_config)
    assert prepared.exit_code == 0, prepared.output
    chunks = requests_in(job, 1)
    assert len(chunks) > 1 and all("-briefing-" in c["custom_id"] for c in chunks)  # mapped over chunks
    run("submit", "--job", job)
    run("collect", "--job", job, "--out", out)
    reduce = requests_in(job, 2)
    assert len(reduce) == 1 and "-reduce-" in reduce[0]["custom_id"]
    run("submit", "--job", job)
    assert run("collect", "--job", job, "--out", out).exit_code == 0
    brief = Brief.model_validate_json((out / "long.brief.json").read_text())
    assert 1 <= len(brief.summary) <= 10


def test_unusable_replies_fail_their_report_and_are_redone_online(fake, tmp_path):
    job, out = tmp_path / "job", tmp_path / "out"
    reports = [tmp_path / "a.txt", tmp_path / "b.txt"]
    shutil.copy(seed("004"), reports[0])
    shutil.copy(seed("001"), reports[1])
    run("prepare", *reports, "--job", job, "--base-url", fake.base_url, "--model", "m", "--prompt", "briefing@v3")
    assert len(requests_in(job)) == 2
    # the batch answers the first request with broken JSON
    fake.script.extend([{"content": "{not json"}])
    run("submit", "--job", job)
    collected = run("collect", "--job", job, "--out", out)
    assert collected.exit_code == 2
    assert "does not fit the schema" in collected.output and "summarizer brief" in collected.output
    state = load_job(job)
    assert [r.status for r in state.reports] == ["failed", "written"]
    assert not (out / "a.brief.json").exists() and (out / "b.brief.json").exists()
    # online, only the failed call is sent; the other reply comes from the cache
    done = cli("brief", *reports, "--out", out, "--model", "m", "--prompt", "briefing@v3", "--force",
               env={"OPENAI_BASE_URL": fake.base_url})
    assert done.returncode == 0, done.stderr
    assert len(fake.chat_requests) == 1


def test_http_errors_and_refusals_are_reported_per_report(fake, tmp_path):
    job = tmp_path / "job"
    shutil.copy(seed("004"), tmp_path / "a.txt")
    run("prepare", tmp_path / "a.txt", "--job", job, "--base-url", fake.base_url, "--model", "m",
        "--prompt", "briefing@v3")
    fake.script.extend([{"status": 400, "message": "context too long"}])
    run("submit", "--job", job)
    collected = run("collect", "--job", job, "--out", tmp_path / "out")
    assert collected.exit_code == 2 and "HTTP 400" in collected.output


def test_vllm_run_batch_results_file_collects_without_the_api(tmp_path, monkeypatch):
    """The offline path: prepare for a model name, run the JSONL elsewhere, collect the output file."""
    base_url = "http://127.0.0.1:9/v1"  # nothing listens: any API call would fail the test
    job, out = tmp_path / "job", tmp_path / "out"
    reports = [tmp_path / "a.txt", tmp_path / "b.txt"]
    shutil.copy(seed("000"), reports[0])
    shutil.copy(seed("003"), reports[1])
    assert run("prepare", *reports, "--job", job, "--base-url", base_url, "--model", "Qwen/Qwen2.5-7B-Instruct",
               "--prompt", "briefing@v2").exit_code == 0
    requests_file = job / "round-1.requests.jsonl"
    total = len(requests_file.read_text().splitlines())
    # half of the lines come back; the rest (as from an expired batch) are sent again next round
    missing = set(range(0, total, 2))
    results = tmp_path / "results-1.jsonl"
    results.write_text(results_for(requests_file, skip=missing))
    first = run("collect", "--job", job, "--out", out, "--results", results)
    assert first.exit_code == 0, first.output
    assert len(requests_in(job, 2)) == len(missing)
    results2 = tmp_path / "results-2.jsonl"
    results2.write_text(results_for(job / "round-2.requests.jsonl"))
    second = run("collect", "--job", job, "--out", out, "--results", results2)
    assert second.exit_code == 0, second.output
    assert (out / "a.brief.json").exists() and (out / "b.brief.json").exists()
    assert load_job(job).done
    # the replies are cached under the keys the online path uses for that endpoint and model
    settings = load_settings(None, base_url=base_url, model="Qwen/Qwen2.5-7B-Instruct")
    assert sum(row[4] for row in Store(settings.db_path).stats()) == total


def test_identical_reports_share_their_requests(fake, tmp_path):
    job = tmp_path / "job"
    for name in ("a.txt", "copy-of-a.txt"):
        shutil.copy(seed("004"), tmp_path / name)
    run("prepare", tmp_path / "a.txt", tmp_path / "copy-of-a.txt", "--job", job, "--base-url", fake.base_url,
        "--model", "m", "--prompt", "briefing@v3")
    lines = requests_in(job)
    assert len(lines) == 1 and load_job(job).current.requests[lines[0]["custom_id"]].reports == [0, 1]
    run("submit", "--job", job)
    assert run("collect", "--job", job, "--out", tmp_path / "out").exit_code == 0
    assert (tmp_path / "out" / "a.brief.json").exists() and (tmp_path / "out" / "copy-of-a.brief.json").exists()


def test_everything_cached_needs_no_batch(fake, tmp_path):
    shutil.copy(seed("004"), tmp_path / "a.txt")
    env = {"OPENAI_BASE_URL": fake.base_url}
    assert cli("brief", tmp_path / "a.txt", "--out", tmp_path / "online", "--model", "m", "--prompt", "briefing@v3",
               env=env).returncode == 0
    job = tmp_path / "job"
    prepared = run("prepare", tmp_path / "a.txt", "--job", job, "--base-url", fake.base_url, "--model", "m",
                   "--prompt", "briefing@v3")
    assert "already cached" in prepared.output and not list(job.glob("round-*.jsonl"))
    assert run("submit", "--job", job).exit_code == 1  # nothing to send
    assert run("collect", "--job", job, "--out", tmp_path / "out").exit_code == 0
    assert (tmp_path / "out" / "a.brief.json").exists()


def test_user_errors(fake, tmp_path):
    shutil.copy(seed("004"), tmp_path / "a.txt")
    embedded = run("prepare", tmp_path / "a.txt", "--job", tmp_path / "job")  # no endpoint: the embedded model
    assert embedded.exit_code == 1 and "no Batch API" in embedded.output
    job = tmp_path / "job2"
    args = ("prepare", tmp_path / "a.txt", "--job", job, "--base-url", fake.base_url, "--model", "m")
    assert run(*args).exit_code == 0
    exists = run(*args)
    assert exists.exit_code == 1 and "already exists" in exists.output
    assert run(*args, "--force").exit_code == 0
    unsent = run("collect", "--job", job, "--out", tmp_path / "out")
    assert unsent.exit_code == 1 and "not submitted" in unsent.output
    assert run("status", "--job", tmp_path / "nowhere").exit_code == 1
    bad_mode = run("prepare", tmp_path / "a.txt", "--job", tmp_path / "j3", "--base-url", fake.base_url,
                   "--mode", "xml")
    assert bad_mode.exit_code == 1


def test_a_changed_prompt_is_refused_at_collect(fake, tmp_path):
    prompt = tmp_path / "prompts" / "translated" / "v1.md"
    prompt.parent.mkdir(parents=True)
    prompt.write_text(TRANSLATE_FIRST)
    shutil.copy(seed("004"), tmp_path / "a.txt")
    job = tmp_path / "job"
    run("prepare", tmp_path / "a.txt", "--job", job, "--base-url", fake.base_url, "--model", "m", "--prompt", prompt)
    run("submit", "--job", job)
    prompt.write_text(TRANSLATE_FIRST.replace("into English", "into plain English"))
    changed = run("collect", "--job", job, "--out", tmp_path / "out")
    assert changed.exit_code == 1 and "changed since the job was prepared" in changed.output


def test_large_rounds_are_split_into_parts_within_the_api_limits(fake, tmp_path, monkeypatch):
    from summarizer.batch import jobs

    monkeypatch.setattr(jobs, "MAX_REQUESTS_PER_FILE", 7)
    job, out = tmp_path / "job", tmp_path / "out"
    shutil.copy(seed("003"), tmp_path / "a.txt")
    run("prepare", tmp_path / "a.txt", "--job", job, "--base-url", fake.base_url, "--model", "m",
        "--prompt", "briefing@v2")
    parts = load_job(job).current.parts
    assert len(parts) > 1 and all(p.requests <= 7 for p in parts)
    run("submit", "--job", job)
    assert len(fake.batches) == len(parts)
    assert run("collect", "--job", job, "--out", out).exit_code == 0
    assert (out / "a.brief.json").exists()


def test_requests_follow_the_chosen_structured_output_mode(tmp_path):
    job, out = tmp_path / "job", tmp_path / "out"
    shutil.copy(seed("004"), tmp_path / "a.txt")
    assert run("prepare", tmp_path / "a.txt", "--job", job, "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
               "--prompt", "briefing@v3", "--mode", "prompted").exit_code == 0
    body = requests_in(job)[0]["body"]
    assert "response_format" not in body and "JSON Schema" in body["messages"][0]["content"]
    # a prompted reply may come fenced, after a <think> preamble: read as the online path reads it
    fenced = tmp_path / "results.jsonl"
    fenced.write_text(results_for(job / "round-1.requests.jsonl",
                                  responder=lambda b: f"<think>plan</think>\n```json\n{schema_responder(b)}\n```"))
    assert run("collect", "--job", job, "--out", out, "--results", fenced).exit_code == 0
    assert (out / "a.brief.json").exists()


def test_reply_checks():
    from pydantic import BaseModel

    from summarizer.llm.client import Call
    from summarizer.runners.offline import check_reply

    class Ok(BaseModel):
        answer: str

    call = Call(step="s", messages=[{"role": "user", "content": "q"}], output=Ok, max_tokens=64, custom_id="x")

    def line(content="{\"answer\": \"yes\"}", finish="stop", status=200, **message):
        return {"custom_id": "x", "error": None, "response": {"status_code": status, "body": {
            "choices": [{"message": {"role": "assistant", "content": content, **message}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3}}}}

    ok = check_reply(call, line())
    assert ok.result.value.answer == "yes" and ok.result.prompt_tokens == 7 and ok.reason is None
    unwrapped = {"custom_id": "x", "response": line()["response"]["body"]}  # a writer that omits status/body
    assert check_reply(call, unwrapped).result is not None
    assert "max_tokens=64" in check_reply(call, line(finish="length")).reason
    assert "refused" in check_reply(call, line(content=None, refusal="no")).reason
    assert "empty" in check_reply(call, line(content="  ")).reason
    assert "content filter" in check_reply(call, line(finish="content_filter")).reason
    assert "does not fit the schema" in check_reply(call, line(content='{"other": 1}')).reason
    assert "HTTP 500" in check_reply(call, {"response": {"status_code": 500, "body": {
        "error": {"message": "boom"}}}}).reason
    assert "request failed: expired" in check_reply(call, {"response": None, "error": {
        "code": "batch_expired", "message": "expired"}}).reason


def test_batch_commands_on_the_main_command_line():
    run = cli("batch", "prepare", "--help", env={"COLUMNS": "200"})
    assert run.returncode == 0 and "--job" in run.stdout


def test_a_translation_prompt_goes_through_the_batch_api_like_a_briefing(fake, tmp_path):
    job, out, online = tmp_path / "job", tmp_path / "out", tmp_path / "online"
    report = seed("001")
    prepared = run("prepare", report, "--job", job, "--base-url", fake.base_url, "--model", "gpt-4o-mini",
                   "--prompt", "translation@v1")
    assert prepared.exit_code == 0, prepared.output
    lines = requests_in(job)
    assert lines and {line["custom_id"].split("-")[1] for line in lines} == {"translate"}  # every window, round 1
    assert run("submit", "--job", job).exit_code == 0
    collected = run("collect", "--job", job, "--out", out)
    assert collected.exit_code == 0 and load_job(job).done, collected.output
    stem = report.stem
    assert all((out / f"{stem}{suffix}").exists() for suffix in (".en.md", ".bilingual.html", ".translation.json"))
    # online, every reply comes from the cache the batch filled, and the translation is the same
    done = cli("translate", report, "--out", online, "--model", "gpt-4o-mini", env={"OPENAI_BASE_URL": fake.base_url})
    assert done.returncode == 0, done.stderr
    assert fake.chat_requests == []
    assert comparable(out / f"{stem}.translation.json") == comparable(online / f"{stem}.translation.json")
