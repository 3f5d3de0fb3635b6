"""Match a briefing's actions to the reference actions, one to one.

Both sides cite the source: a predicted action carries the verbatim sentence it rests on
(``evidence_zh``), a reference action the verbatim passage that assigns it. So the
similarity of a (predicted, reference) pair is a weighted sum of

- **evidence** (weight 0.45): how much of the shorter citation lies in the longer one,
  as the share of its character bigrams (punctuation and spaces ignored) — 1.0 when one
  contains the other;
- **owner** (0.25): word overlap (Jaccard) of the English owners; both unnamed = 1;
- **task** (0.30): cosine of the English tasks in the multilingual embedding (clipped to
  [0, 1]), or content-word F1 when no embedder is given.

The one-to-one assignment maximising the total similarity is solved exactly
(``scipy.optimize.linear_sum_assignment``); an assigned pair counts as a match only if its
similarity reaches :data:`MATCH_THRESHOLD`. The same sentence with the right task but the
wrong owner still matches (0.45 + 0.30 x task): owner agreement is reported separately,
like deadline agreement.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..schema import Action
from .dataset import RefAction

W_EVIDENCE, W_OWNER, W_TASK = 0.45, 0.25, 0.30
MATCH_THRESHOLD = 0.6
OWNER_AGREES = 0.5  # owner word overlap at or above which two owners are "the same"

_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset("a an the of and or to in on for with by at from as is are be will must should shall "
                      "its their this that all each every".split())

TaskSimilarity = Callable[[list[str], list[str]], np.ndarray]


def _bigrams(text: str) -> set[str]:
    text = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text))
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else ({text} if text else set())


def evidence_overlap(a: str, b: str) -> float:
    """Share of the shorter citation's character bigrams found in the longer one (0..1)."""
    ga, gb = _bigrams(a), _bigrams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / min(len(ga), len(gb))


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(unicodedata.normalize("NFKC", text).lower()) if w not in STOPWORDS]


def owner_similarity(predicted: str | None, reference: str | None) -> float:
    """Jaccard overlap of the owners' content words; both unnamed = 1, one unnamed = 0."""
    if not (predicted or "").strip() and not (reference or "").strip():
        return 1.0
    a, b = set(content_words(predicted or "")), set(content_words(reference or ""))
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def word_f1(a: str, b: str) -> float:
    """F1 of the two texts' content words (multiset overlap)."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    common = sum(min(wa.count(w), wb.count(w)) for w in set(wa) & set(wb))
    if common == 0:
        return 0.0
    precision, recall = common / len(wa), common / len(wb)
    return 2 * precision * recall / (precision + recall)


def word_similarity(a: list[str], b: list[str]) -> np.ndarray:
    return np.array([[word_f1(x, y) for y in b] for x in a], dtype=float).reshape(len(a), len(b))


def deadline_agrees(predicted: Action, reference: RefAction) -> bool:
    """Both without a deadline; or the same date; or the same recurrence; or, for a
    reference deadline with neither (e.g. "within the year"), any predicted deadline
    that does not invent a date."""
    p, r = predicted.deadline, reference.deadline
    if p is None or r is None:
        return p is None and r is None
    if r.date:
        return p.date == r.date
    if r.recurrence:
        return p.recurrence == r.recurrence
    return p.date is None


@dataclass
class Pair:
    predicted: int
    reference: int
    similarity: float
    evidence: float
    owner: float
    task: float
    deadline_agrees: bool

    @property
    def owner_agrees(self) -> bool:
        return self.owner >= OWNER_AGREES


@dataclass
class ActionMatch:
    n_predicted: int
    n_reference: int
    pairs: list[Pair]  # accepted matches only

    @property
    def precision(self) -> float:
        if self.n_predicted == 0:
            return 1.0 if self.n_reference == 0 else 0.0
        return len(self.pairs) / self.n_predicted

    @property
    def recall(self) -> float:
        if self.n_reference == 0:
            return 1.0 if self.n_predicted == 0 else 0.0
        return len(self.pairs) / self.n_reference

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def match_actions(predicted: Sequence[Action], reference: Sequence[RefAction],
                  task_similarity: TaskSimilarity | None = None) -> ActionMatch:
    """The best one-to-one matching of predicted to reference actions (see the module doc)."""
    n, m = len(predicted), len(reference)
    if n == 0 or m == 0:
        return ActionMatch(n, m, [])
    task_similarity = task_similarity or word_similarity
    evidence = np.array([[evidence_overlap(p.evidence_zh, r.evidence_zh) for r in reference] for p in predicted])
    owner = np.array([[owner_similarity(p.owner_en, r.owner_en) for r in reference] for p in predicted])
    task = np.clip(np.asarray(task_similarity([p.task_en for p in predicted], [r.task_en for r in reference]),
                              dtype=float), 0.0, 1.0)
    total = W_EVIDENCE * evidence + W_OWNER * owner + W_TASK * task
    rows, cols = linear_sum_assignment(total, maximize=True)
    pairs = [Pair(int(i), int(j), float(total[i, j]), float(evidence[i, j]), float(owner[i, j]), float(task[i, j]),
                  deadline_agrees(predicted[i], reference[j]))
             for i, j in zip(rows, cols, strict=True) if total[i, j] >= MATCH_THRESHOLD - 1e-9]
    return ActionMatch(n, m, sorted(pairs, key=lambda p: p.reference))
