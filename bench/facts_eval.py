"""Tool-owned facts against a dataset's references, without a model (seconds, not an hour).

The meeting facts of a briefing (chair, date, number) and the sentences its actions come from are the
tool's, not the model's: this scores them directly, so a rule change can be judged on `dev` at once.
Per case: chair name, date and number right; the reference actions whose evidence lies in a sentence
the tool marks as an assignment (found), and of those whose owner the tool quotes the same (owner).

    python bench/facts_eval.py evals/datasets/dev [--cases]

The figures that count are the eval harness's on `test` (README, "Quality"); this is the dev loop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scipy.stats import binomtest  # noqa: E402

from summarizer.evaluate.cases import load_dataset  # noqa: E402
from summarizer.facts import establish_facts  # noqa: E402
from summarizer.facts.glossary import Glossary  # noqa: E402
from summarizer.facts.structure import assignments  # noqa: E402
from summarizer.ingest import read_report  # noqa: E402
from summarizer.ingest.script import to_simplified  # noqa: E402


def _norm(text: str | None) -> str:
    return "".join(to_simplified(text or "").split())


def score_case(case, glossary) -> dict:
    ref = case.reference
    doc = read_report(case.report)
    facts = establish_facts(doc, glossary)
    found = assignments(doc, facts, limit=10_000)
    by_sentence: dict[int, list] = {}
    for a in found:
        by_sentence.setdefault(a.sentence, []).append(a)
    row = {"case": case.id, "chair": None, "date": None, "number": None, "actions": 0, "found": 0, "owner": 0,
           "extra": 0, "missed": []}
    chair = ref.meeting.chair
    if chair is not None:
        row["chair"] = bool(facts.chair and _norm(facts.chair.name_zh) == _norm(chair.name_zh))
    if ref.meeting.date:
        row["date"] = facts.date == ref.meeting.date or (facts.date or "").endswith(ref.meeting.date)
    if ref.meeting.number is not None:
        row["number"] = facts.number == ref.meeting.number
    matched_sentences = set()
    for action in ref.actions:
        row["actions"] += 1
        evidence = _norm(action.evidence_zh)
        hit = None
        for s in doc.sentences:
            text = _norm(s.text)
            if evidence and (evidence in text or (len(text) >= 8 and text in evidence)) and s.id in by_sentence:
                hit = s.id
                break
        if hit is None:
            row["missed"].append(action.evidence_zh[:40])
            continue
        row["found"] += 1
        matched_sentences.add(hit)
        owner = _norm(action.owner_zh)
        if any(owner and a.actor_zh and (owner in _norm(a.actor_zh) or _norm(a.actor_zh) in owner)
               for a in by_sentence[hit]) or (not owner and any(a.actor_zh is None for a in by_sentence[hit])):
            row["owner"] += 1
    row["extra"] = len(set(by_sentence) - matched_sentences)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--cases", action="store_true", help="one line per case (never for the test split)")
    args = parser.parse_args()
    if args.cases and args.dataset.name == "test":
        raise SystemExit("the test split is scored only, never read case by case")
    dataset = load_dataset(args.dataset)
    glossary = Glossary.load()
    rows = [score_case(c, glossary) for c in dataset.cases if c.reference is not None]

    def ratio(k: int, n: int) -> str:
        if not n:
            return "n/a"
        low, high = binomtest(k, n).proportion_ci(method="wilson")  # 95%
        return f"{k}/{n} = {k / n:.2f} [{low:.2f}, {high:.2f}]"

    def share(key: str) -> str:
        values = [r[key] for r in rows if r[key] is not None]
        return ratio(sum(values), len(values))

    actions = sum(r["actions"] for r in rows)
    found = sum(r["found"] for r in rows)
    owner = sum(r["owner"] for r in rows)
    print(f"{args.dataset} ({len(rows)} cases): chair {share('chair')}, date {share('date')}, number {share('number')}")
    print(f"assignments found {ratio(found, actions)}; owner quoted right {ratio(owner, actions)}; "
          f"assignment sentences with no reference action {sum(r['extra'] for r in rows)}  (95% Wilson intervals)")
    if args.cases:
        for r in rows:
            print(f"  {r['case']}: chair={r['chair']} date={r['date']} number={r['number']} "
                  f"found={r['found']}/{r['actions']} owner={r['owner']} extra={r['extra']} missed={r['missed']}")


if __name__ == "__main__":
    main()
