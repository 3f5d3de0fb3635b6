"""Scores of a translation (a translation prompt's item in ``eval run``), against the case's reference
translation (``translation.json``) where it has one.

- ``tr_chrf``: chrF++ (sacrebleu ``CHRF(word_order=2)``, 0-100) of the report's English against the
  reference, over the sentences both have, corpus-level per report;
- ``tr_bleu``: BLEU (sacrebleu, 0-100), the same way;
- ``tr_coverage``: share of reference sentences the translation has English for (a sentence the tool
  splits differently from the reference counts as missed);
- ``tr_term_accuracy``: share of the tool's renderings of names, places, titles and terms in the source
  sentences that the English uses (the ``translation_name`` and ``term_rendering`` checks);
- ``tr_untranslated``: share of sentences with no English or with Chinese left in it;
- ``tr_number_fidelity``: share of the sentences stating a number or date (in the Chinese or the English)
  whose English has every one and adds none (the ``translation_number`` check);
- ``tr_flagged``: warning and error checks per report.

``calls``, ``prompt_tokens``, ``completion_tokens`` and ``seconds`` are the briefing metrics of the same
names, so ``eval compare`` reads both kinds of run alike.
"""

from __future__ import annotations

from functools import cache

from ..checks.numbers import en_dates, en_numbers
from ..checks.text import longest_renderings
from ..checks.translation import sentence_numbers
from ..facts.model import Facts
from ..ingest import Document
from ..schema import HAN, TranslatedReport
from .dataset import ReferenceTranslation
from .metrics import register_external

for _name, _direction, _fmt, _what in (
        ("tr_chrf", "higher", ".1f", "chrF++ (sacrebleu, 0-100) of the translation vs the reference translation"),
        ("tr_bleu", "higher", ".1f", "BLEU (sacrebleu, 0-100) of the translation vs the reference translation"),
        ("tr_coverage", "higher", ".3f", "share of reference sentences the translation has English for"),
        ("tr_term_accuracy", "higher", ".3f", "share of the tool's renderings of names, places and terms in the "
                                             "source that the translation uses"),
        ("tr_untranslated", "lower", ".3f", "share of sentences with no English or with Chinese left in it"),
        ("tr_number_fidelity", "higher", ".3f", "share of sentences with numbers or dates whose English has them "
                                               "all and adds none"),
        ("tr_flagged", "lower", ".2f", "warning and error checks of the translation per report")):
    register_external(_name, _direction, "translation", _what, _fmt)

USAGE_METRICS = ("calls", "prompt_tokens", "completion_tokens", "seconds")


@cache
def _metrics():
    from sacrebleu.metrics import BLEU, CHRF

    return CHRF(word_order=2), BLEU()


def score_translation(tr: TranslatedReport, doc: Document, facts: Facts,
                      reference: ReferenceTranslation | None) -> tuple[dict[str, float | None], dict]:
    """(scores, details) of one translated report."""
    scores: dict[str, float | None] = {"ok": 1.0}
    english = {s.zh: s.en for s in tr.sentences if s.en}
    details: dict = {}
    if reference is not None and reference.sentences:
        pairs = [(english.get(r.zh, ""), r.en) for r in reference.sentences]
        hypotheses, references = [h for h, _ in pairs], [[r for _, r in pairs]]
        chrf, bleu = _metrics()
        scores["tr_chrf"] = round(chrf.corpus_score(hypotheses, references).score, 4)
        scores["tr_bleu"] = round(bleu.corpus_score(hypotheses, references).score, 4)
        scores["tr_coverage"] = round(sum(bool(h) for h in hypotheses) / len(pairs), 6)
        details["pairs"] = [{"zh": r.zh, "en": english.get(r.zh), "reference": r.en} for r in reference.sentences]
    else:
        scores["tr_chrf"] = scores["tr_bleu"] = scores["tr_coverage"] = None
    total = numbered = faithful = 0
    for s in tr.sentences:
        sentence = doc.sentence(s.id)
        zh = sentence.simplified if sentence is not None else s.zh
        renderings = longest_renderings(zh, facts)
        total += len(renderings)
        en = s.en or ""
        required, allowed, dates = sentence_numbers(zh)
        if required or dates or en_numbers(en) or en_dates(en):
            numbered += 1
            faithful += not any(c.kind == "translation_number" and c.target == f"sentences[{s.id - 1}].en"
                                for c in tr.checks)
    flagged_renderings = sum(c.kind in ("translation_name", "term_rendering") and (c.target or "").startswith(
        "sentences[") for c in tr.checks)
    used = total - flagged_renderings
    scores["tr_term_accuracy"] = round(used / total, 6) if total else None
    bad = sum(not s.en or bool(HAN.search(s.en)) for s in tr.sentences)
    scores["tr_untranslated"] = round(bad / len(tr.sentences), 6) if tr.sentences else 0.0
    scores["tr_number_fidelity"] = round(faithful / numbered, 6) if numbered else None
    scores["tr_flagged"] = float(sum(c.severity in ("warning", "error") for c in tr.checks))
    for kind in ("translation_number", "translation_name", "translation_incomplete", "sentence_untranslated"):
        scores[f"check.{kind}"] = float(sum(c.kind == kind for c in tr.checks))
    u = tr.usage
    # as the briefing metrics of the same names: cache hits count as calls; seconds only without them
    scores.update(calls=float(u.calls + u.cached_calls), prompt_tokens=float(u.prompt_tokens),
                  completion_tokens=float(u.completion_tokens), seconds=None if u.cached_calls else float(u.seconds))
    return scores, details
