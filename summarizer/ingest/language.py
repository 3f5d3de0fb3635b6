"""Which language a report is in: a Han-character ratio first, langdetect only after.

langdetect calls Traditional Chinese and short Chinese strings Korean, so scripts are
counted first: Han (with no kana) is Chinese, kana is Japanese, Hangul is Korean.
Mixed documents are decided by majority of their paragraphs' characters, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langdetect import DetectorFactory, LangDetectException, detect

DetectorFactory.seed = 0  # langdetect is random unless seeded

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1, "zh" for Chinese in either script
    share: float  # share of the letters in that language
    mixed: bool  # a second language holds more than 20% of the letters


def _classify(text: str) -> tuple[str | None, int]:
    counts = {
        "han": len(_HAN.findall(text)),
        "kana": len(_KANA.findall(text)),
        "hangul": len(_HANGUL.findall(text)),
        "latin": len(_LATIN.findall(text)),
        "cyrillic": len(_CYRILLIC.findall(text)),
        "arabic": len(_ARABIC.findall(text)),
    }
    letters = sum(counts.values())
    if not letters:
        return None, 0
    if counts["kana"] >= max(2, 0.05 * letters):
        return "ja", letters
    if counts["hangul"] >= 0.3 * letters:
        return "ko", letters
    if counts["han"] >= 0.3 * letters:
        return "zh", letters
    if counts["cyrillic"] >= 0.5 * letters:
        return "ru", letters
    if counts["arabic"] >= 0.5 * letters:
        return "ar", letters
    try:
        return detect(text).split("-")[0], letters
    except LangDetectException:
        return None, letters


def detect_language(text: str) -> LanguageGuess | None:
    """Majority language of ``text`` by paragraph, or None if it has no letters."""
    weights: dict[str, int] = {}
    paragraphs = [p for p in text.split("\n") if p.strip()] or [text]
    for paragraph in paragraphs:
        lang, letters = _classify(paragraph)
        if lang:
            weights[lang] = weights.get(lang, 0) + letters
    if not weights:
        return None
    total = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])
    best, count = ranked[0]
    mixed = len(ranked) > 1 and ranked[1][1] > 0.2 * total
    return LanguageGuess(best, round(count / total, 3), mixed)
