"""The spot-check workflow without a browser: sampling, the page, verdict files, stats, the
local server, verdicts to eval negatives, and the CLI."""

from __future__ import annotations

import http.client
import json
import random
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from summarizer.evaluate.cases import load_dataset, validate
from summarizer.spotcheck import verdicts as vf
from summarizer.spotcheck.cli import spotcheck_app
from summarizer.spotcheck.page import render_page
from summarizer.spotcheck.sample import allocate, draw, load
from summarizer.spotcheck.serve import ReviewServer, sample_of_page
from summarizer.spotcheck.stats import Rate, compute, wilson
from summarizer.spotcheck.to_eval import NegativesFile, file_negatives, negatives, write_pending

from .conftest import ROOT
from .crafted_briefs import FAULTS, SEED_003, correct_brief, faulty_brief

FAULT = {f.name: f for f in FAULTS}


def write_briefs(folder: Path) -> list[Path]:
    """Three briefings of seed 003: a correct one, and two prompt/model variants with faults."""
    folder.mkdir(parents=True, exist_ok=True)
    good = correct_brief(prompt_version=2, model="model-a")
    bad = correct_brief(prompt_version=3, model="model-b")
    for name in ("wrong date", "missing deadline", "claim with no support", "invented name"):
        FAULT[name].mutate(bad, None)
    worse = faulty_brief(FAULT["owner not in the evidence"], prompt_version=1, model="model-b")
    FAULT["chinese leak"].mutate(worse, None)
    paths = []
    for name, brief in (("good", good), ("bad", bad), ("worse", worse)):
        path = folder / f"{name}.brief.json"
        path.write_text(brief.model_dump_json(indent=2), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def briefs(tmp_path_factory) -> list[Path]:
    return write_briefs(tmp_path_factory.mktemp("briefs"))


@pytest.fixture(scope="module")
def loaded(briefs):
    return load(briefs)


# ------------------------------------------------------------------ Wilson
@pytest.mark.parametrize("successes, n, low, high", [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (score interval)
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_published_values(successes, n, low, high):
    got = wilson(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_edges_and_weighted_rates():
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(10, 10)[1] == 1.0 and wilson(10, 10)[0] == pytest.approx(0.7225, abs=1e-4)
    equal = Rate.weighted([(True, 2.0)] * 8 + [(False, 2.0)] * 2)
    plain = Rate.of(8, 10)
    assert (equal.value, equal.low, equal.high) == pytest.approx((plain.value, plain.low, plain.high))
    # unequal weights shrink the effective sample: a wider interval than the raw count suggests
    skewed = Rate.weighted([(True, 1.0)] * 8 + [(False, 10.0)] * 2)
    assert skewed.n < 10 and skewed.value == pytest.approx(8 / 28)


# ------------------------------------------------------------------ sampling
def test_allocation_covers_every_briefing_then_the_flagged_quota_then_sizes():
    sizes = {("a", True): 3, ("a", False): 30, ("b", True): 1, ("b", False): 10, ("c", False): 6}
    alloc = allocate(sizes, 10, 0.5, random.Random(1))
    assert sum(alloc.values()) == 10
    assert all(alloc[k] <= sizes[k] for k in sizes)
    assert all(sum(n for (b, _), n in alloc.items() if b == brief) >= 1 for brief in "abc")
    assert alloc[("a", True)] + alloc[("b", True)] == 4  # all flagged items: fewer than the quota of 5
    assert alloc[("a", False)] > alloc[("b", False)] >= 1  # the rest roughly by size
    assert allocate(sizes, 100, 0.5, random.Random(1)) == sizes  # a sample bigger than everything: everything


def test_the_same_seed_draws_the_same_sample_whatever_the_order(loaded):
    first, _ = draw(loaded, 8, seed=7)
    again, _ = draw(list(reversed(loaded)), 8, seed=7)
    other, _ = draw(loaded, 8, seed=8)
    assert [i.id for i in first.items] == [i.id for i in again.items]
    assert {i.id for i in first.items} != {i.id for i in other.items}
    assert len(first.items) == 8 == first.sample.requested and first.sample.population == 33


def test_the_sample_is_stratified_and_weighted(loaded):
    sample, marks = draw(loaded, 9, seed=3, flagged_share=0.5)
    assert {Path(i.brief).name for i in sample.items} == {"good.brief.json", "bad.brief.json", "worse.brief.json"}
    flagged = [i for i in sample.items if i.flagged]
    assert len(flagged) == 5  # half the sample, rounded up (there are 6 flagged items)
    for stratum in sample.sample.strata:  # weights turn the sample back into the population
        members = [i for i in sample.items if i.stratum == stratum.key]
        assert len(members) == stratum.sampled
        if members:
            assert sum(i.weight for i in members) == pytest.approx(stratum.population)
    assert sum(s.population for s in sample.sample.strata) == sample.sample.population
    for item in sample.items:  # everything the reviewer needs is in the item
        assert item.claim and item.evidence_zh and item.prompt.startswith("briefing@v") and item.support is not None
        assert item.id in marks


def test_items_carry_their_flags_and_the_fixed_evidence(loaded):
    sample, marks = draw(loaded, 33, seed=0)
    by_target = {(Path(i.brief).name, i.target): i for i in sample.items}
    dated = by_target[("bad.brief.json", "summary[3]")]
    assert [f.kind for f in dated.flags] == ["unsupported_date"] and dated.flagged
    assert not by_target[("good.brief.json", "summary[3]")].flags
    # anchors: 'March 15' has no partner in the evidence, '22' pairs with the source's 22
    claim = marks[dated.id].fields["claim"]
    assert any(s.kind == "miss" and s.text == "March 15" for s in claim)
    paired = next(s for s in claim if s.text == "22")
    assert any(s.anchor == paired.anchor and s.text == "22" for sentence in marks[dated.id].evidence for s in sentence)
    deadline = by_target[("good.brief.json", "actions[3]")]
    assert marks[deadline.id].deadline_anchor is not None
    assert any(s.kind == "deadline" and s.text == "3月10日前" for sentence in marks[deadline.id].evidence
               for s in sentence)
    missing = by_target[("bad.brief.json", "actions[3]")]  # no deadline in the action: the source's is marked
    assert missing.deadline is None and [f.kind for f in missing.flags] == ["deadline_missing"]
    assert any(s.kind == "deadline" for sentence in marks[missing.id].evidence for s in sentence)


# ------------------------------------------------------------------ the page
def test_the_page_is_self_contained_and_carries_the_sample(loaded, tmp_path):
    sample, marks = draw(loaded, 6, seed=1)
    html = render_page(sample, marks)
    assert "http://" not in html.split("<script", 1)[0].replace("http://127.0.0.1", "")
    assert "<link" not in html and " src=" not in html  # no external stylesheet, script or image
    assert "default-src 'none'" in html  # the page cannot fetch anything but its own server
    page = tmp_path / "review.html"
    page.write_text(html, encoding="utf-8")
    embedded = sample_of_page(page)
    assert embedded == sample
    for item in sample.items:
        assert f'data-id="{item.id}"' in html


def test_the_page_shows_a_quote_as_the_file_has_it_where_cleaning_cut_it(loaded):
    from summarizer.facts import establish_facts
    from summarizer.ingest import read_report
    from summarizer.spotcheck.highlight import anchors

    from .conftest import seed

    doc = read_report(seed("001"))  # pinyin injected after characters, deleted by cleaning
    cut = next(s for s in doc.sentences if doc.in_file(s) != s.text)
    whole = next(s for s in doc.sentences if doc.in_file(s) == s.text)
    marked = anchors({"claim": "The meeting studied it."}, [cut.text, whole.text], doc, establish_facts(doc))
    assert marked.in_file == [doc.in_file(cut), ""]
    sample, marks = draw(loaded, 6, seed=1)
    item = next(i for i in sample.items if i.evidence_zh)
    marks[item.id].in_file = ["文件中的原文"] + [""] * (len(item.evidence_zh) - 1)
    html = render_page(sample, marks)
    assert html.count("In the file: 文件中的原文") == 1 and html.count('class="in-file"') == 1


def test_hostile_text_in_a_briefing_cannot_break_out_of_the_page(loaded, tmp_path):
    sample, marks = draw(loaded, 3, seed=1)
    evil = "</script><script>alert(1)</script> <b>bold</b> & 'quotes'"
    sample.items[0].claim = evil
    sample.items[0].comment = evil
    html = render_page(sample, {})
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html
    page = tmp_path / "review.html"
    page.write_text(html, encoding="utf-8")
    assert sample_of_page(page).items[0].claim == evil


# ------------------------------------------------------------------ verdict files and stats
def judged(sample: vf.VerdictFile, rule) -> vf.VerdictFile:
    for item in sample.items:
        item.verdict, item.comment = rule(item)
    sample.reviewer, sample.saved_at = "tester", vf.now()
    return sample


def test_stats_from_verdicts(loaded, tmp_path):
    sample, _ = draw(loaded, 33, seed=0)  # everything, weight 1: estimates equal the sample
    sample = judged(sample, lambda i: ("wrong", "bad") if i.flagged else ("correct", ""))
    unsure = next(i for i in sample.items if not i.flagged)
    unsure.verdict = "unsure"
    path = tmp_path / "v.json"
    path.write_text(vf.dumps(sample), encoding="utf-8")
    stats = compute([path])
    overall = stats.groups[0]
    wrong = sum(i.flagged for i in sample.items)
    assert (overall.items, overall.wrong, overall.unsure, overall.correct) == (33, wrong, 1, 33 - wrong - 1)
    assert overall.sample_accuracy.value == pytest.approx((32 - wrong) / 32)
    assert (overall.sample_accuracy.low, overall.sample_accuracy.high) == pytest.approx(wilson(32 - wrong, 32))
    assert overall.estimated_accuracy.value == pytest.approx(overall.sample_accuracy.value)
    names = [g.name for g in stats.groups]
    assert "briefing@v2 · model-a" in names and "briefing@v3 · model-b" in names and "actions" in names
    good = next(g for g in stats.groups if g.name == "briefing@v2 · model-a")
    assert good.wrong == 0
    any_flag = stats.flags[0]
    assert any_flag.precision.value == 1.0 and any_flag.recall.value == 1.0  # the flags were the truth here
    date = next(f for f in stats.flags if f.kind == "unsupported_date")
    assert date.flagged == 1 and date.flagged_wrong == 1 and date.recall.value == pytest.approx(1 / wrong)
    assert overall.median_support_wrong < overall.median_support_correct


def test_stats_weight_an_oversampled_stratum_back(loaded, tmp_path):
    sample, _ = draw(loaded, 8, seed=5, flagged_share=0.75)
    sample = judged(sample, lambda i: ("wrong", "") if i.flagged else ("correct", ""))
    path = tmp_path / "v.json"
    path.write_text(vf.dumps(sample), encoding="utf-8")
    overall = compute([path]).groups[0]
    # flagged items are a minority of all items but most of the sample: the estimate is the truer one
    truth = 1 - 6 / 33
    assert abs(overall.estimated_accuracy.value - truth) < abs(overall.sample_accuracy.value - truth)


def test_two_files_judging_the_same_items(loaded, tmp_path):
    sample, _ = draw(loaded, 4, seed=2)
    first = judged(sample.model_copy(deep=True), lambda i: ("correct", ""))
    second = judged(sample.model_copy(deep=True), lambda i: ("wrong", "no"))
    second.items[0].verdict = "correct"
    (tmp_path / "a.json").write_text(vf.dumps(first), encoding="utf-8")
    (tmp_path / "b.json").write_text(vf.dumps(second), encoding="utf-8")
    stats = compute([tmp_path / "a.json", tmp_path / "b.json"])
    assert stats.items == 4 and stats.duplicates == 4 and stats.disagreements == 3
    assert stats.groups[0].wrong == 3  # the last file's verdicts count


def test_a_file_that_is_not_a_verdict_file_is_a_clear_error(tmp_path):
    from summarizer.errors import UserError

    bad = tmp_path / "x.json"
    bad.write_text('{"format": "something-else/1"}', encoding="utf-8")
    with pytest.raises(UserError, match="not a spot-check verdict file"):
        compute([bad])


# ------------------------------------------------------------------ the local server
def request(server: ReviewServer, method: str, path: str, body: bytes | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{server.port}", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def test_serve_saves_verdicts_from_the_page_only(loaded, tmp_path):
    sample, marks = draw(loaded, 5, seed=4)
    page = tmp_path / "review.html"
    page.write_text(render_page(sample, marks), encoding="utf-8")
    target = tmp_path / "saved.json"
    with ReviewServer(page, target, port=0) as server:
        status, html = request(server, "GET", "/")
        assert status == 200 and b"Spot-check review" in html
        assert request(server, "GET", "/verdicts")[0] == 204  # nothing saved yet
        assert request(server, "GET", "/elsewhere")[0] == 404
        body = vf.dumps(judged(sample.model_copy(deep=True), lambda i: ("correct", "ok"))).encode()
        json_type = {"Content-Type": "application/json"}
        assert request(server, "POST", "/verdicts", body, {**json_type, "Origin": "https://evil.example"})[0] == 403
        assert request(server, "POST", "/verdicts", body, {**json_type, "Host": "evil.example"})[0] == 403
        assert request(server, "POST", "/verdicts", b"{}", json_type)[0] == 400
        other = sample.model_copy(deep=True)
        other.items[0].id = "000000000000"
        assert request(server, "POST", "/verdicts", vf.dumps(other).encode(), json_type)[0] == 409
        assert not target.exists()
        status, reply = request(server, "POST", "/verdicts", body,
                                {**json_type, "Origin": f"http://127.0.0.1:{server.port}"})
        assert status == 200 and json.loads(reply)["judged"] == 5
        assert vf.load(target).judged == 5
        status, saved = request(server, "GET", "/verdicts")
        assert status == 200 and vf.parse(saved.decode()).reviewer == "tester"


# ------------------------------------------------------------------ verdicts -> eval negatives
def test_wrong_claims_become_negatives_in_the_matching_case(loaded, tmp_path):
    dataset = tmp_path / "dataset"
    case = dataset / "003-dongchuan"
    shutil.copytree(next((ROOT / "evals" / "datasets" / "seeds").glob("003-*")), case)
    (dataset / "dataset.toml").write_text('name = "t"\n', encoding="utf-8")
    sample, _ = draw(loaded, 33, seed=0)
    sample = judged(sample, lambda i: ("wrong", "the date is March 10") if i.flagged else ("correct", ""))
    path = tmp_path / "v.json"
    path.write_text(vf.dumps(sample), encoding="utf-8")
    found = negatives([path])
    assert len(found) == sum(i.flagged for i in sample.items)
    before = json.loads((case / "reference.json").read_text(encoding="utf-8"))
    filed = file_negatives(found, dataset)
    assert filed.cases == {"003-dongchuan": len(found)} and not filed.pending
    after = json.loads((case / "reference.json").read_text(encoding="utf-8"))
    assert [k for k in after] == [k for k in before]  # the rest of the reference is kept as it was
    assert after["summary"] == before["summary"] and after["key_facts"] == before["key_facts"]
    negative = next(n for n in after["negatives"] if "March 15" in n["claim_en"])
    assert negative["why"] == "the date is March 10" and negative["source"].startswith(str(path))
    assert validate(dataset).ok, [p.message for p in validate(dataset).errors]  # evidence verbatim in the report
    assert load_dataset(dataset).case("003-dongchuan").reference.negatives
    again = file_negatives(negatives([path]), dataset)  # idempotent
    assert again.cases == {} and again.already == len(found)


def test_negatives_without_a_case_go_to_a_separate_file(loaded, tmp_path):
    sample, _ = draw(loaded, 33, seed=0)
    sample = judged(sample, lambda i: ("wrong", "") if i.flagged else ("correct", ""))
    path = tmp_path / "v.json"
    path.write_text(vf.dumps(sample), encoding="utf-8")
    filed = file_negatives(negatives([path]), None)
    out = tmp_path / "negatives.json"
    assert write_pending(filed.pending, out) == len(filed.pending) > 0
    assert write_pending(filed.pending, out) == 0
    pending = NegativesFile.model_validate_json(out.read_text(encoding="utf-8")).negatives
    assert pending[0].source_sha256 == correct_brief().source.sha256
    assert pending[0].negative.why.startswith("judged wrong; flags shown:")


# ------------------------------------------------------------------ CLI
@pytest.fixture
def cli():
    app = typer.Typer()
    app.add_typer(spotcheck_app, name="spotcheck")  # as summarizer.cli registers it
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, ["spotcheck", *map(str, args)], catch_exceptions=False)

    return run


def test_cli_sample_stats_to_eval_recheck(cli, briefs, tmp_path):
    page = tmp_path / "review.html"
    result = cli(briefs[0].parent, "--sample", 5, "--seed", 9, "-o", page)  # no subcommand: sample
    assert result.exit_code == 0, result.output
    assert "5 of 33 items from 3 briefing(s)" in result.output
    same = tmp_path / "same.html"
    assert cli("sample", *briefs, "-n", 5, "--seed", 9, "-o", same).exit_code == 0
    assert sample_of_page(same).items == sample_of_page(page).items
    verdicts = judged(sample_of_page(page), lambda i: ("wrong", "x") if i.flagged else ("correct", ""))
    path = tmp_path / "v.json"
    path.write_text(vf.dumps(verdicts), encoding="utf-8")
    result = cli("stats", path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["judged"] == 5
    table = cli("stats", path)
    assert "Accuracy" in table.output and "precision" in table.output
    out = tmp_path / "neg.json"
    assert cli("to-eval", path, "--out", out).exit_code == 0 and out.exists()
    checked = cli("recheck", briefs[1])
    assert checked.exit_code == 0 and "unsupported_date" in checked.output and "nothing written" in checked.output


def test_cli_recheck_write_updates_json_and_markdown(cli, tmp_path):
    paths = write_briefs(tmp_path / "b")
    assert cli("recheck", paths[1], "--write").exit_code == 0
    rewritten = json.loads(paths[1].read_text(encoding="utf-8"))
    assert any(c["kind"] == "unsupported_date" for c in rewritten["checks"])
    md = paths[1].with_name("bad.brief.md").read_text(encoding="utf-8")
    assert "**unsupported_date**" in md and "⚠️[^c" in md


def test_cli_sample_without_the_source(cli, tmp_path):
    from summarizer.errors import UserError

    brief = correct_brief()
    brief.source.path = "/gone/report.txt"
    path = tmp_path / "x.brief.json"
    path.write_text(brief.model_dump_json(), encoding="utf-8")
    with pytest.raises(UserError, match="source report not found"):
        cli("sample", path, "-o", tmp_path / "r.html")
    result = cli("sample", path, "--no-recheck", "-o", tmp_path / "r.html")  # stored checks, no highlights
    assert result.exit_code == 0 and "no source report" in result.output
    moved = tmp_path / "sources"
    moved.mkdir()
    shutil.copy(SEED_003, moved / SEED_003.name)
    assert cli("sample", path, "--sources", moved, "-o", tmp_path / "r2.html").exit_code == 0
