"""Metrics: small named functions of one scored item, registered by name.

Every metric takes a :class:`Sample` (one briefing and its reference) and returns a float,
or None when it does not apply (e.g. metadata the reference leaves open). ``compare``,
``report`` and ``--fail-on-regression`` all look metrics up here by name, so the name, the
direction (``higher`` / ``lower`` is better, or ``none`` for descriptive numbers such as
length) and the description live in one place. ``summarizer eval metrics`` lists them.

Which English is scored
-----------------------
- *Summary text* — the summary items joined with spaces. Reference overlap (ROUGE, chrF),
  semantic similarity and length use it. Actions are **not** included: the reference
  summary is a prose summary, and actions are scored on their own (precision/recall/F1
  against the reference actions), so including them would count them twice.
- *Briefing text* — every English field a reader sees: title, body, chair, attendees,
  summary, action owners, tasks and deadlines, plus the meeting number ("87th") and date
  (ISO and "January 8, 2021"). Key-fact recall uses it: a fact such as "chaired by Xiang
  Henglin" may be stated in the meeting header rather than in the summary.

Key-fact recall
---------------
- ``keyfact_recall``: a fact is stated when every one of its ``keywords`` occurs in the
  briefing text, case-insensitively, as whole words (``87`` matches "87th" but not
  "1987" or "870"; "fund" matches "funds"; thousands separators and dashes are ignored).
  Facts without keywords are left out of this variant.
- ``keyfact_recall_semantic``: a fact is stated when its best cosine against the
  briefing's sentences and clauses reaches :data:`SEMANTIC_THRESHOLD` in the USE
  multilingual embedding. 0.65 is calibrated on hand-made pairs (tests/test_eval_metrics.py):
  paraphrases of a fact score 0.73-0.93, related-but-different statements of the same
  meeting at most 0.60. Embeddings do not see numbers well ("3,000 mu" vs "5,000 mu"
  scores 0.82): the keyword variant is the one to trust for figures.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Callable, Literal

import numpy as np

from ..checks import english_fields
from ..embed import Embedder
from ..render import ordinal
from ..schema import Brief
from .dataset import KeyFact, Reference
from .matching import ActionMatch, match_actions

Direction = Literal["higher", "lower", "none"]

SEMANTIC_THRESHOLD = 0.65
CHECK_PREFIX = "check."
JUDGE_PREFIX = "judge."
FLAGGING = ("warning", "error")  # check severities that count as a flagged problem
# check kinds always reported (as 0 when absent); any other kind a briefing carries is reported too
FAITHFULNESS_KINDS = ("unsupported_name", "unsupported_number", "unsupported_date", "han_in_english")


# ------------------------------------------------------------------ registry
@dataclass(frozen=True)
class Metric:
    name: str
    direction: Direction
    group: str
    description: str
    fn: Callable[["Sample"], float | None] | None = None  # None: filled in by the runner (judge)
    needs_embedder: bool = False
    fmt: str = ".3f"

    @property
    def arrow(self) -> str:
        return {"higher": "↑", "lower": "↓", "none": "·"}[self.direction]

    def better(self, delta: float) -> float:
        """A difference B - A turned so that positive means B is better (0 for ``none``)."""
        return delta if self.direction == "higher" else -delta if self.direction == "lower" else 0.0


METRICS: dict[str, Metric] = {}


def metric(name: str, direction: Direction, group: str, description: str, *, needs_embedder: bool = False,
           fmt: str = ".3f"):
    def register(fn: Callable[["Sample"], float | None]):
        METRICS[name] = Metric(name, direction, group, description, fn, needs_embedder, fmt)
        return fn

    return register


def register_external(name: str, direction: Direction, group: str, description: str, fmt: str = ".2f") -> None:
    METRICS[name] = Metric(name, direction, group, description, None, False, fmt)


def get_metric(name: str) -> Metric:
    """A registered metric, or a check-count metric ``check.KIND`` for any kind (lower is better)."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith(CHECK_PREFIX) and len(name) > len(CHECK_PREFIX):
        kind = name[len(CHECK_PREFIX):]
        return Metric(name, "lower", "faithfulness", f"checks of kind {kind}: {_kind_meaning(kind)}", None,
                      fmt=".2f")
    raise KeyError(name)


def _kind_meaning(kind: str) -> str:
    try:
        from ..checks.kinds import KINDS

        return KINDS[kind].meaning
    except (ImportError, KeyError, AttributeError):
        return "a kind raised by the checks or the pipeline"


def metric_order(names) -> list[str]:
    """Registered metrics in registration order, then check kinds alphabetically, then the rest."""
    names = set(names)
    ordered = [n for n in METRICS if n in names]
    ordered += sorted(n for n in names if n.startswith(CHECK_PREFIX) and n not in METRICS)
    ordered += sorted(names - set(ordered))
    return ordered


# the metrics a terminal summary shows first
HEADLINE = ["ok", "rougeL", "chrf", "semantic_similarity", "keyfact_recall", "keyfact_recall_semantic",
            "action_f1", "action_deadline_accuracy", "faithfulness_flags", "metadata_accuracy", "length_words",
            "tr_chrf", "tr_bleu", "tr_coverage", "tr_term_accuracy", "tr_untranslated", "tr_number_fidelity",
            "tr_flagged", "calls", "seconds"]


# ------------------------------------------------------------------ text helpers
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(])")
_CLAUSE = re.compile(r"(?:\s*[,;:])?\s+(?:and|but|while|whereas)\s+|\s*[,;:]\s+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212-]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def summary_text(brief: Brief) -> str:
    """The English summary: the summary items joined (actions excluded, see the module doc)."""
    return " ".join(item.text.strip() for item in brief.summary if item.text.strip())


def briefing_text(brief: Brief) -> str:
    """Every English field a reader sees, one per line, plus the meeting number and date."""
    lines = [text for _, text in english_fields(brief)]
    m = brief.meeting
    if m.number:
        lines.append(f"{ordinal(m.number)} meeting")
    if m.date:
        lines.append(m.date)
        try:
            if len(m.date) == 10:
                d = dt.date.fromisoformat(m.date)
                lines.append(f"{d:%B} {d.day}, {d.year}")
            else:
                d = dt.date.fromisoformat(f"2000-{m.date}")
                lines.append(f"{d:%B} {d.day}")
        except ValueError:
            pass
    return "\n".join(lines)


def normalize(text: str) -> str:
    """For keyword matching: NFKC, lower case, dashes as spaces, no thousands separators."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    text = _THOUSANDS.sub("", _DASHES.sub(" ", text))
    return " ".join(text.split())


@cache
def _keyword_pattern(keyword: str) -> re.Pattern | None:
    kw = normalize(keyword)
    if not kw:
        return None
    body = r"\s+".join(re.escape(part) for part in kw.split())
    if kw[-1].isdigit():
        tail = r"(?![0-9])(?!\.[0-9])"
    elif kw[-1].isalpha():
        tail = r"(?:s|es)?(?![a-z0-9])"
    else:
        tail = ""
    head = r"(?<![a-z0-9])" if kw[0].isalnum() else ""
    return re.compile(head + body + tail)


def keyword_in(keyword: str, text: str) -> bool:
    """Whole-word, case-insensitive occurrence (see the module doc for the exact rules)."""
    pattern = _keyword_pattern(keyword)
    return bool(pattern and pattern.search(normalize(text)))


def segments(text: str) -> list[str]:
    """Sentences of the text, and the clauses of each (three words or more), for semantic matching."""
    out: list[str] = []
    for line in text.splitlines():
        for sentence in _SENTENCE_END.split(line.strip()):
            sentence = sentence.strip()
            if not sentence:
                continue
            out.append(sentence)
            out += [c.strip() for c in _CLAUSE.split(sentence) if len(c.split()) >= 3 and c.strip() != sentence]
    return list(dict.fromkeys(out))


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*", text))


def same_name(a: str | None, b: str | None) -> bool:
    def key(s: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", s).lower()))

    return key(a or "") == key(b or "")


# ------------------------------------------------------------------ the sample
@dataclass
class FactResult:
    id: str
    importance: str
    keyword: bool | None  # None: the fact has no keywords
    missing: list[str]
    cosine: float | None
    best: str | None  # the briefing segment closest to the fact

    @property
    def semantic(self) -> bool | None:
        return None if self.cosine is None else self.cosine >= SEMANTIC_THRESHOLD


@dataclass
class Sample:
    """One briefing and its reference; derived values are computed once and shared by the metrics."""

    brief: Brief
    reference: Reference
    embedder: Embedder | None = None
    extra: dict = field(default_factory=dict)

    @cached_property
    def summary(self) -> str:
        return summary_text(self.brief)

    @cached_property
    def text(self) -> str:
        return briefing_text(self.brief)

    @cached_property
    def rouge(self) -> dict:
        return _rouge_scorer().score(self.reference.summary, self.summary)

    @cached_property
    def facts(self) -> list[FactResult]:
        return fact_results(self.reference.key_facts, self.text, self.embedder)

    @cached_property
    def actions(self) -> ActionMatch:
        similarity = None
        if self.embedder is not None:
            similarity = self.embedder.similarity
        return match_actions(self.brief.actions, self.reference.actions, similarity)

    @cached_property
    def check_counts(self) -> Counter:
        return Counter(c.kind for c in self.brief.checks)


def fact_results(facts: list[KeyFact], text: str, embedder: Embedder | None) -> list[FactResult]:
    cosines: np.ndarray | None = None
    parts = segments(text)
    if embedder is not None and facts and parts:
        cosines = embedder.similarity([f.fact for f in facts], parts)
    out = []
    for i, fact in enumerate(facts):
        keywords = [k for k in fact.keywords if k.strip()]
        missing = [k for k in keywords if not keyword_in(k, text)]
        cosine = best = None
        if cosines is not None:
            j = int(np.argmax(cosines[i]))
            cosine, best = float(cosines[i, j]), parts[j]
        elif embedder is not None:
            cosine = 0.0
        out.append(FactResult(fact.id, fact.importance, (not missing) if keywords else None, missing, cosine, best))
    return out


@cache
def _rouge_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


@cache
def _chrf():
    from sacrebleu.metrics import CHRF

    return CHRF()


def _share(values: list[bool | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


# ------------------------------------------------------------------ metrics
@metric("ok", "higher", "run", "1 if the briefing was produced, 0 if the item failed", fmt=".2f")
def ok(s: Sample) -> float:
    return 1.0


@metric("rouge1", "higher", "overlap", "ROUGE-1 F1 of the summary text vs the reference summary (stemmed)")
def rouge1(s: Sample) -> float:
    return s.rouge["rouge1"].fmeasure


@metric("rouge2", "higher", "overlap", "ROUGE-2 F1 of the summary text vs the reference summary (stemmed)")
def rouge2(s: Sample) -> float:
    return s.rouge["rouge2"].fmeasure


@metric("rougeL", "higher", "overlap", "ROUGE-L F1 (longest common subsequence) vs the reference summary")
def rougeL(s: Sample) -> float:  # noqa: N802 - the conventional name
    return s.rouge["rougeL"].fmeasure


@metric("chrf", "higher", "overlap", "chrF (sacrebleu, 0-100) of the summary text vs the reference summary",
        fmt=".1f")
def chrf(s: Sample) -> float:
    return _chrf().sentence_score(s.summary, [s.reference.summary]).score


@metric("semantic_similarity", "higher", "semantic", "cosine of summary text and reference summary "
        "(USE multilingual embedding)", needs_embedder=True)
def semantic_similarity(s: Sample) -> float | None:
    if not s.summary:
        return 0.0
    return float(s.embedder.similarity([s.summary], [s.reference.summary])[0, 0])


@metric("keyfact_recall", "higher", "facts", "share of reference key facts whose keywords all occur in the briefing")
def keyfact_recall(s: Sample) -> float | None:
    return _share([f.keyword for f in s.facts])


@metric("keyfact_recall_core", "higher", "facts", "keyfact_recall over the facts marked core")
def keyfact_recall_core(s: Sample) -> float | None:
    return _share([f.keyword for f in s.facts if f.importance == "core"])


@metric("keyfact_recall_semantic", "higher", "facts", f"share of key facts with a briefing sentence or clause at "
        f"cosine >= {SEMANTIC_THRESHOLD}", needs_embedder=True)
def keyfact_recall_semantic(s: Sample) -> float | None:
    return _share([f.semantic for f in s.facts])


@metric("action_precision", "higher", "actions", "matched predicted actions / predicted actions")
def action_precision(s: Sample) -> float:
    return s.actions.precision


@metric("action_recall", "higher", "actions", "matched reference actions / reference actions")
def action_recall(s: Sample) -> float:
    return s.actions.recall


@metric("action_f1", "higher", "actions", "F1 of action precision and recall")
def action_f1(s: Sample) -> float:
    return s.actions.f1


@metric("action_owner_accuracy", "higher", "actions", "share of matched actions whose English owner agrees")
def action_owner_accuracy(s: Sample) -> float | None:
    return _share([p.owner_agrees for p in s.actions.pairs])


@metric("action_deadline_accuracy", "higher", "actions", "share of matched actions whose deadline agrees "
        "(same date, same recurrence, or both none)")
def action_deadline_accuracy(s: Sample) -> float | None:
    return _share([p.deadline_agrees for p in s.actions.pairs])


@metric("faithfulness_flags", "lower", "faithfulness", "the briefing's checks of severity warning or error "
        "(unsupported numbers, dates, names; Chinese left in English; low support; owner and deadline "
        "mismatches...)", fmt=".2f")
def faithfulness_flags(s: Sample) -> float:
    return float(sum(1 for c in s.brief.checks if c.severity in FLAGGING))


@metric("meta_chair", "higher", "metadata", "chair's English name equals the reference's", fmt=".2f")
def meta_chair(s: Sample) -> float | None:
    ref = s.reference.meeting.chair
    if ref is None:
        return None
    chair = s.brief.meeting.chair
    return float(chair is not None and same_name(chair.name_en, ref.name_en))


@metric("meta_date", "higher", "metadata", "meeting date equals the reference's", fmt=".2f")
def meta_date(s: Sample) -> float | None:
    ref = s.reference.meeting.date
    return None if ref is None else float(s.brief.meeting.date == ref)


@metric("meta_number", "higher", "metadata", "meeting number equals the reference's", fmt=".2f")
def meta_number(s: Sample) -> float | None:
    ref = s.reference.meeting.number
    return None if ref is None else float(s.brief.meeting.number == ref)


@metric("metadata_accuracy", "higher", "metadata", "mean of meta_chair, meta_date, meta_number where the "
        "reference states them")
def metadata_accuracy(s: Sample) -> float | None:
    values = [v for v in (meta_chair(s), meta_date(s), meta_number(s)) if v is not None]
    return sum(values) / len(values) if values else None


@metric("length_words", "none", "length", "English words in the summary text", fmt=".0f")
def length_words(s: Sample) -> float:
    return float(word_count(s.summary))


@metric("length_ratio", "none", "length", "summary words / reference summary words (1 = same length)", fmt=".2f")
def length_ratio(s: Sample) -> float | None:
    ref = word_count(s.reference.summary)
    return word_count(s.summary) / ref if ref else None


@metric("words_per_kchar", "none", "length", "compression: summary words per 1,000 characters of cleaned source",
        fmt=".1f")
def words_per_kchar(s: Sample) -> float | None:
    chars = s.brief.source.chars
    return 1000 * word_count(s.summary) / chars if chars else None


@metric("calls", "lower", "cost", "model requests the briefing needed (cache hits included)", fmt=".1f")
def calls(s: Sample) -> float:
    return float(s.brief.usage.calls + s.brief.usage.cached_calls)


@metric("prompt_tokens", "lower", "cost", "prompt tokens (cache hits included)", fmt=".0f")
def prompt_tokens(s: Sample) -> float:
    return float(s.brief.usage.prompt_tokens)


@metric("completion_tokens", "lower", "cost", "completion tokens (cache hits included)", fmt=".0f")
def completion_tokens(s: Sample) -> float:
    return float(s.brief.usage.completion_tokens)


@metric("seconds", "lower", "cost", "wall-clock seconds of the briefing; only for items served without a "
        "cache hit (run with --no-cache to time)", fmt=".1f")
def seconds(s: Sample) -> float | None:
    usage = s.brief.usage
    return None if usage.cached_calls else float(usage.seconds)


for _criterion, _what in (("faithfulness", "every statement supported by the source"),
                          ("coverage", "states the reference's key facts and decisions"),
                          ("english", "clear, idiomatic, well-organised English")):
    register_external(f"{JUDGE_PREFIX}{_criterion}", "higher", "judge",
                      f"LLM judge, 1-5: {_what} (--judge)")


# ------------------------------------------------------------------ scoring
@dataclass
class Scored:
    scores: dict[str, float | None]
    details: dict


def score(brief: Brief, reference: Reference, embedder: Embedder | None = None) -> Scored:
    """Every applicable metric of one briefing, plus the details the report shows."""
    sample = Sample(brief, reference, embedder)
    scores: dict[str, float | None] = {}
    for m in METRICS.values():
        if m.fn is None:
            continue
        if m.needs_embedder and embedder is None:
            scores[m.name] = None
            continue
        value = m.fn(sample)
        scores[m.name] = None if value is None else round(float(value), 6)
    for kind in FAITHFULNESS_KINDS:
        scores[CHECK_PREFIX + kind] = 0.0
    for kind, n in sample.check_counts.items():
        scores[CHECK_PREFIX + kind] = float(n)
    details = {
        "facts": [vars(f) | {"semantic": f.semantic} for f in sample.facts],
        "actions": {"pairs": [vars(p) | {"owner_agrees": p.owner_agrees} for p in sample.actions.pairs],
                    "predicted": sample.actions.n_predicted, "reference": sample.actions.n_reference},
    }
    return Scored(scores, details)


def failed_scores() -> dict[str, float | None]:
    """A failed item: only ``ok`` (0) is known."""
    return {"ok": 0.0}


from . import translation as _translation  # noqa: E402,F401 - registers the translation metrics (tr_*)
