"""`eval compare`: paired differences, bootstrap intervals, win/tie/loss and the regression gate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from summarizer.errors import UserError
from summarizer.evaluate.cli import REGRESSION_EXIT, eval_app
from summarizer.evaluate.compare import Gate, Side, bootstrap_ci, check_gate, compare, compare_metric
from summarizer.evaluate.runs import DatasetRef, Item, Manifest, RunWriter, Variant, load_run, resolve_run


def synthetic_run(runs: Path, run_id: str, variants: dict[str, dict[tuple[str, int], dict]], *,
                  created: str = "2024-01-01T00:00:00+00:00", dataset_sha: str = "d" * 64,
                  dataset_path: str = "/nonexistent", briefs: dict | None = None) -> Path:
    """A run folder written through the real writer, with chosen scores per (variant, case, repeat)."""
    cases = sorted({case for items in variants.values() for case, _ in items})
    manifest = Manifest(run_id=run_id, created=created, tool_version="test",
                        dataset=DatasetRef(name="mini", path=dataset_path, sha256=dataset_sha, cases=cases),
                        variants=[Variant(id=v, prompt=v.split("/")[0], prompt_sha256="0" * 64, model="m",
                                          endpoint="http://x") for v in variants], status="complete")
    writer = RunWriter(runs / run_id, manifest)
    for variant, items in variants.items():
        for (case, repeat), scores in items.items():
            failed = scores.get("ok") == 0
            writer.item(Item(variant=variant, prompt=variant.split("/")[0], model="m", case=case, repeat=repeat,
                             status="failed" if failed else "ok", reason="boom" if failed else None,
                             scores=scores, brief=(briefs or {}).get((variant, case, repeat))))
    writer.close()
    return runs / run_id


def scores(**values) -> dict:
    return {"ok": 1.0, **values}


@pytest.fixture
def ab_run(tmp_path):
    """A run with two variants over four cases: B is better on rougeL everywhere, slower everywhere,
    equal on keyfact_recall, and raises more unsupported numbers on one case."""
    a = {(f"c{i}", 0): scores(rougeL=0.30 + i / 100, seconds=10.0 + i, keyfact_recall=0.5,
                              **{"check.unsupported_number": 1.0}) for i in range(4)}
    b = {(f"c{i}", 0): scores(rougeL=0.40 + i / 100, seconds=13.0 + i, keyfact_recall=0.5,
                              **{"check.unsupported_number": 3.0 if i == 2 else 1.0}) for i in range(4)}
    return synthetic_run(tmp_path / "runs", "ab", {"briefing@v1": a, "briefing@v2": b})


def sides(path: Path) -> tuple[Side, Side]:
    run = load_run(path)
    return Side(run, run.variants[0]), Side(run, run.variants[1])


# ------------------------------------------------------------------ statistics
def test_bootstrap_is_deterministic_and_brackets_the_mean():
    rng = np.random.default_rng(1)
    diffs = [rng.normal(0.1, 0.05, size=1) for _ in range(30)]
    low, high = bootstrap_ci(diffs, seed=0)
    assert (low, high) == bootstrap_ci(diffs, seed=0)
    assert low < np.mean(np.concatenate(diffs)) < high
    assert 0.05 < low and high < 0.15  # 30 cases: a tight interval around 0.1
    wide = bootstrap_ci(diffs[:4], seed=0)
    assert wide[1] - wide[0] > high - low  # fewer cases, wider interval


def test_bootstrap_resamples_cases_not_repeats():
    # one case with +1 on all ten repeats, one with -1 on all ten: the cases disagree, so the
    # interval must cover both signs (resampling repeats as if independent would not)
    low, high = bootstrap_ci([np.ones(10), -np.ones(10)], seed=0)
    assert low == pytest.approx(-1.0) and high == pytest.approx(1.0)
    assert bootstrap_ci([np.array([0.2, 0.4])]) == (pytest.approx(0.3), pytest.approx(0.3))


def test_paired_difference_verdicts_and_win_tie_loss(ab_run):
    a, b = sides(ab_run)
    result = compare(a, b)
    rouge = result.get("rougeL")
    assert rouge.mean_a == pytest.approx(0.315) and rouge.mean_b == pytest.approx(0.415)
    assert rouge.delta == pytest.approx(0.1) and rouge.ci_low == pytest.approx(0.1)
    assert (rouge.wins, rouge.ties, rouge.losses) == (4, 0, 0) and rouge.verdict == "better"
    seconds = result.get("seconds")  # lower is better: +3 s everywhere is worse
    assert seconds.delta == pytest.approx(3.0) and (seconds.wins, seconds.losses) == (0, 4)
    assert seconds.verdict == "worse"
    facts = result.get("keyfact_recall")
    assert facts.delta == 0 and (facts.wins, facts.ties, facts.losses) == (0, 4, 0) and facts.verdict == "same"
    numbers = result.get("check.unsupported_number")
    assert numbers.delta == pytest.approx(0.5) and (numbers.wins, numbers.ties, numbers.losses) == (0, 3, 1)
    assert numbers.verdict == "same"  # one case in four: the interval still includes 0


def test_cases_that_changed_most(ab_run):
    a, b = sides(ab_run)
    changed = compare(a, b).changed_cases(top=2)
    assert changed[0][0] == "c2"  # worse on seconds like the others, and also on unsupported numbers
    assert changed[0][1] < 0 and ("check.unsupported_number", 2.0) in changed[0][2]


def test_pairing_uses_case_and_repeat_and_failed_items_only_count_for_ok(tmp_path):
    a = {("c1", 0): scores(rougeL=0.2), ("c1", 1): scores(rougeL=0.4), ("c2", 0): scores(rougeL=0.5)}
    b = {("c1", 0): scores(rougeL=0.3), ("c1", 1): {"ok": 0.0}, ("c2", 0): scores(rougeL=0.5),
         ("c3", 0): scores(rougeL=0.9)}
    run = load_run(synthetic_run(tmp_path, "p", {"A": a, "B": b}))
    sa, sb = Side(run, "A"), Side(run, "B")
    rouge = compare_metric(sa, sb, "rougeL")
    assert rouge.n_pairs == 2 and rouge.mean_a == pytest.approx(0.35) and rouge.mean_b == pytest.approx(0.4)
    ok = compare_metric(sa, sb, "ok")
    assert ok.n_pairs == 3 and ok.delta == pytest.approx(-1 / 3) and (ok.wins, ok.ties, ok.losses) == (0, 1, 1)
    # an ok item without a check kind has none of it; a failed item has no value at all
    assert sb.values("check.low_support") == {("c1", 0): 0.0, ("c2", 0): 0.0, ("c3", 0): 0.0}
    notes = compare(sa, sb, ["rougeL"]).notes
    assert any("only in B: ['c3']" in n for n in notes)


def test_different_datasets_are_noted(tmp_path):
    one = load_run(synthetic_run(tmp_path, "x", {"A": {("c", 0): scores(rougeL=0.1)}}))
    two = load_run(synthetic_run(tmp_path, "y", {"A": {("c", 0): scores(rougeL=0.2)}}, dataset_sha="e" * 64))
    assert any("different versions of the dataset" in n for n in compare(Side(one, "A"), Side(two, "A")).notes)


# ------------------------------------------------------------------ the gate
def test_gate_parsing():
    assert Gate.parse("rougeL") == Gate("rougeL", 0.0, False)
    assert Gate.parse("seconds:10%") == Gate("seconds", 10.0, True)
    assert Gate.parse("check.unsupported_number:0.5") == Gate("check.unsupported_number", 0.5, False)
    for bad in ("rouge9", "rougeL:abc", "length_words"):
        with pytest.raises(UserError):
            Gate.parse(bad)


def test_gate_direction_and_tolerance(ab_run):
    a, b = sides(ab_run)
    result = compare(a, b)
    assert check_gate(Gate.parse("rougeL"), result.get("rougeL")).passed  # B is better
    assert not check_gate(Gate.parse("seconds"), result.get("seconds")).passed  # B is 3 s slower
    assert not check_gate(Gate.parse("seconds:2"), result.get("seconds")).passed
    assert check_gate(Gate.parse("seconds:3"), result.get("seconds")).passed
    assert check_gate(Gate.parse("seconds:30%"), result.get("seconds")).passed  # 30% of 11.5 s = 3.45 s
    assert not check_gate(Gate.parse("seconds:20%"), result.get("seconds")).passed
    # swapped: A is now the better one on rougeL
    swapped = compare(b, a)
    failed = check_gate(Gate.parse("rougeL:0.05"), swapped.get("rougeL"))
    assert not failed.passed and "lower by 0.1" in failed.message


def test_compare_cli_prints_the_table_and_fails_on_regression(ab_run):
    runs = ab_run.parent
    args = ["compare", "ab", "--runs-dir", str(runs)]
    ok = CliRunner().invoke(eval_app, args + ["--fail-on-regression", "rougeL:0.01"], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.output
    assert "A = ab:briefing@v1" in ok.output and "B = ab:briefing@v2" in ok.output
    assert "rougeL" in ok.output and "better" in ok.output and "4/0/0" in ok.output
    assert "pass rougeL:0.01" in ok.output and "cases that changed most" in ok.output
    bad = CliRunner().invoke(eval_app, args + ["--fail-on-regression", "rougeL", "--fail-on-regression",
                                               "check.unsupported_number:0"], env={"COLUMNS": "200"})
    assert bad.exit_code == REGRESSION_EXIT
    assert "REGRESSION check.unsupported_number:0" in bad.output and "pass rougeL" in bad.output
    unknown = CliRunner().invoke(eval_app, args + ["--fail-on-regression", "nonsense"])
    assert unknown.exit_code == 1 and "unknown metric 'nonsense'" in unknown.output


def test_compare_cli_selects_variants_across_runs_and_writes_json(ab_run, tmp_path):
    runs = ab_run.parent
    synthetic_run(runs, "later", {"briefing@v3": {(f"c{i}", 0): scores(rougeL=0.2) for i in range(4)}},
                  created="2024-02-01T00:00:00+00:00")
    out = tmp_path / "cmp.json"
    result = CliRunner().invoke(eval_app, ["compare", "ab:briefing@v2", "latest", "--runs-dir", str(runs),
                                           "--metric", "rougeL", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["a"] == "ab:briefing@v2" and data["b"] == "later:briefing@v3"
    (m,) = data["metrics"]
    assert m["metric"] == "rougeL" and m["delta"] == pytest.approx(-0.215) and m["losses"] == 4
    assert len(m["cases"]) == 4 and m["verdict"] == "worse"
    # a run with two variants needs a selector when compared with another run
    ambiguous = CliRunner().invoke(eval_app, ["compare", "ab", "later", "--runs-dir", str(runs)])
    assert ambiguous.exit_code == 1 and "say which" in ambiguous.output and "ab:briefing@v1" in ambiguous.output
    missing = CliRunner().invoke(eval_app, ["compare", "nope", "--runs-dir", str(runs)])
    assert missing.exit_code == 1 and "no run 'nope'" in missing.output


def test_resolve_run_by_folder_id_and_latest(ab_run, tmp_path):
    runs = ab_run.parent
    synthetic_run(runs, "newer", {"X": {("c", 0): scores()}}, created="2025-01-01T00:00:00+00:00")
    assert resolve_run(str(ab_run), runs)[0].id == "ab"
    assert resolve_run("ab", runs)[0].id == "ab"
    assert resolve_run("latest", runs)[0].id == "newer"
    assert resolve_run("latest~1", runs)[0].id == "ab"
    run, selector = resolve_run("ab:briefing@v2", runs)
    assert run.id == "ab" and run.select(selector) == "briefing@v2"
    assert run.select("briefing@v1") == "briefing@v1"
    with pytest.raises(UserError):
        run.select(None)
