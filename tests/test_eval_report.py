"""`eval report`: one self-contained HTML file, checked as text and in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.evaluate.cases import load_dataset
from summarizer.evaluate.cli import eval_app
from summarizer.evaluate.metrics import score
from summarizer.evaluate.report import marked_source, word_diff
from summarizer.evaluate.runs import DatasetRef, Item, Manifest, RunWriter, Variant, load_run

from .fakeserver import FakeOpenAI, schema_responder
from .test_eval_data import make_dataset
from .test_eval_metrics import GOOD_ACTIONS, make_brief

A_SUMMARY = {
    "luxi-87": ["County head Xiang Henglin chaired the 87th executive meeting.",
                "The meeting discussed work safety and the tea industry."],
    "schools-12": ["Li Ming chaired the 12th executive meeting.", "School buildings will be inspected."],
}
B_SUMMARY = {
    "luxi-87": ["County head Xiang Henglin chaired the 87th executive meeting on January 8, 2021.",
                "The Emergency Management Bureau must finish a hazard inspection by January 31.",
                "5,000 mu of new tea gardens will be added <script>alert('x')</script>."],
    "schools-12": ["Li Ming chaired the 12th executive meeting.",
                   "The Education Bureau must inspect all school buildings by April 30."],
}


def scored_run(root: Path, dataset: Path, run_id: str = "v1-vs-v2") -> Path:
    """A run with two variants whose briefings differ, scored by the real metrics."""
    ds = load_dataset(dataset)
    manifest = Manifest(run_id=run_id, created="2024-01-01T00:00:00+00:00", tool_version="test", status="complete",
                        dataset=DatasetRef(name=ds.name, path=str(dataset), sha256=ds.sha256,
                                           cases=[c.id for c in ds.cases]),
                        variants=[Variant(id=v, prompt=v, prompt_sha256=c * 64, model="fake", endpoint="http://x")
                                  for v, c in (("briefing@v1", "1"), ("briefing@v2", "2"))])
    writer = RunWriter(root / run_id, manifest)
    for variant, summaries, actions in (("briefing@v1", A_SUMMARY, []), ("briefing@v2", B_SUMMARY, GOOD_ACTIONS)):
        for case in ds.cases:
            brief = make_brief(summary=summaries[case.id], actions=actions if case.id == "luxi-87" else [])
            result = score(brief, case.reference)
            writer.item(Item(variant=variant, prompt=variant, model="fake", case=case.id, repeat=0, status="ok",
                             scores=result.scores, details=result.details, brief=brief.model_dump(mode="json")))
    writer.close()
    return root / run_id


@pytest.fixture
def report_file(tmp_path) -> Path:
    dataset = make_dataset(tmp_path / "datasets")
    scored_run(tmp_path / "runs", dataset)
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(eval_app, ["report", "v1-vs-v2", "--runs-dir", str(tmp_path / "runs"),
                                           "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out


def test_word_diff_marks_what_changed():
    a, b = word_diff("The meeting approved the budget.", "The meeting quickly approved the new budget.")
    assert str(a) == "The meeting approved the budget."  # B only added words
    assert str(b) == "The meeting <ins>quickly </ins>approved the <ins>new </ins>budget."
    a, b = word_diff("The old budget passed.", "The budget failed.")
    assert str(a) == "The <del>old </del>budget <del>passed.</del>"
    assert str(b) == "The budget <ins>failed.</ins>"
    same_a, same_b = word_diff("Same text.", "Same text.")
    assert "<del>" not in same_a and "<ins>" not in same_b
    evil_a, evil_b = word_diff("<b>x</b>", "<script>y</script>")
    assert "<script>" not in evil_b and "&lt;script&gt;" in evil_b


def test_marked_source_highlights_reference_evidence():
    html = str(marked_source("甲。乙丙。丁<x>。", ["乙丙", "丙。丁"]))
    assert html == "甲。<mark>乙丙。丁</mark>&lt;x&gt;。"


def test_the_report_is_one_self_contained_file(report_file):
    html = report_file.read_text(encoding="utf-8")
    # no network: nothing loaded from elsewhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "<link " not in html and not re.search(r"<script[^>]+src=", html)
    # the parts
    assert html.count('class="metric-chart"') >= 20  # one chart per metric
    assert 'class="delta-chart"' in html and 'id="delta-metric"' in html
    assert html.count('class="side-by-side"') == 2  # one per case
    assert "<ins>" in html and "<del>" in html
    assert "<mark>" in html and "县应急管理局要在1月31日前完成全县安全隐患排查" in html  # the source, evidence marked
    assert "Luxi County head Xiang Henglin chaired" in html  # the reference summary
    # model output is escaped, never executed
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    # the metric table has the paired difference and its interval
    assert "keyfact_recall" in html and "95% CI" in html and "better" in html


@pytest.mark.browser
def test_report_renders_in_chromium(report_file, browser, artifacts):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests  # nothing fetched from the network
    # charts: one bar chart per metric, with bars and confidence-interval whiskers that have a size
    charts = page.locator("svg.metric-chart")
    assert charts.count() >= 20
    rouge = page.locator('svg.metric-chart[data-metric="rougeL"]')
    assert rouge.is_visible() and rouge.locator("rect.bar").count() == 2
    assert rouge.locator("g.ci").count() == 2
    box = rouge.bounding_box()
    assert box["width"] > 200 and box["height"] > 40
    # per-case deltas: one chart shown at a time, switched by the select
    shown = page.locator("svg.delta-chart.shown")
    assert shown.count() == 1 and shown.get_attribute("data-metric") == "keyfact_recall"
    assert shown.locator("rect.delta").count() == 2  # one bar per case
    page.select_option("#delta-metric", "rougeL")
    assert page.locator("svg.delta-chart.shown").get_attribute("data-metric") == "rougeL"
    assert page.locator('svg.delta-chart[data-metric="keyfact_recall"]').is_hidden()
    # side by side: A and B columns for each case, differences highlighted, source behind a disclosure
    luxi = page.locator("#case-luxi-87")
    assert luxi.locator(".side-by-side .side").count() == 2
    a_box, b_box = (luxi.locator(".side-a").bounding_box(), luxi.locator(".side-b").bounding_box())
    assert a_box["x"] + a_box["width"] <= b_box["x"] + 1 and abs(a_box["y"] - b_box["y"]) < 2  # side by side
    assert luxi.locator(".side-b ins").count() >= 1 and luxi.locator(".side-a del").count() >= 1
    assert "Emergency Management Bureau" in luxi.locator(".side-b").inner_text()
    assert luxi.locator("pre.source").is_hidden()
    luxi.locator("details summary").click()
    assert luxi.locator("pre.source mark").first.is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "eval-report.png"), full_page=True)
    luxi.scroll_into_view_if_needed()
    luxi.screenshot(path=str(artifacts / "eval-report-case.png"))
    page.close()


def prompt_aware(body: dict) -> str:
    """The default fake reply, worded differently for briefing@v2's direct steps."""
    reply = schema_responder(body)
    name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    return reply.replace("English", "Plain English") if name in ("Point", "Task") else reply


def test_run_compare_report_end_to_end_on_the_fake_server(tmp_path):
    dataset = make_dataset(tmp_path / "datasets")
    runs = tmp_path / "runs"
    with FakeOpenAI(prompt_aware) as server:
        result = CliRunner().invoke(eval_app, [
            "run", "--dataset", str(dataset), "--prompt", "briefing@v1", "--prompt", "briefing@v2",
            "--base-url", server.base_url, "--model", "fake", "--runs-dir", str(runs), "--run-id", "e2e"])
    assert result.exit_code == 0, result.output
    compared = CliRunner().invoke(eval_app, ["compare", "latest", "--runs-dir", str(runs),
                                             "--fail-on-regression", "metadata_accuracy"])
    assert compared.exit_code == 0, compared.output
    out = tmp_path / "report.html"
    made = CliRunner().invoke(eval_app, ["report", "e2e", "--runs-dir", str(runs), "-o", str(out)])
    assert made.exit_code == 0, made.output
    html = out.read_text(encoding="utf-8")
    assert "<ins>Plain </ins>" in html  # v2's wording, highlighted against v1's
    run = load_run(runs / "e2e")
    v2 = [i for i in run.items if i.variant == "briefing@v2"]
    assert v2 and all("Plain English" in i.brief["summary"][0]["text"] for i in v2)
