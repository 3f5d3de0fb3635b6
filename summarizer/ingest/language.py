"""Which language a report is in: script counts first, langdetect only after.

langdetect calls Traditional Chinese and short Chinese strings Korean, so each paragraph
is first classified by the scripts of its letters: Han with no kana is Chinese, kana is
Japanese, Hangul is Korean, Cyrillic/Arabic/... are their languages. Only the
Latin-script paragraphs go to langdetect, all together in one call (it is unreliable on
short lines such as a heading, and slow on megabytes). Mixed documents are decided by the
majority of their letters (a CJK character weighing three), with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langdetect import DetectorFactory, LangDetectException, detect

DetectorFactory.seed = 0  # langdetect is random unless seeded

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SCRIPTS = {  # other scripts whose language is as good as known from the script alone
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "el": re.compile(r"[\u0370-\u03ff]"),
    "he": re.compile(r"[\u0590-\u05ff]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "hi": re.compile(r"[\u0900-\u097f]"),
}
_LETTER = re.compile(r"[^\W\d_]")  # any letter of any script
# one Chinese (or Japanese, Korean) character carries about what three Latin letters do: an
# English translation of a Chinese report has ~3 letters per source character. Shares are
# measured in these units so that a Chinese report with an English abstract of the same
# content is an even mix, not 75% English.
CJK_WEIGHT = 3
LATIN_SAMPLE = 20_000  # characters of Latin-script text given to langdetect
MIXED_SHARE = 0.2  # a second language above this share of the letters makes a document "mixed"


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1, "zh" for Chinese in either script; "und" when letters are of no known language
    share: float  # share of the text in that language (letters, CJK characters counted CJK_WEIGHT times)
    mixed: bool  # a second language holds more than 20% of the letters


def _classify(paragraph: str) -> tuple[str | None, int]:
    """The script class of a paragraph ("latin" still needs langdetect) and its weight in letters."""
    han = len(_HAN.findall(paragraph))
    kana = len(_KANA.findall(paragraph))
    hangul = len(_HANGUL.findall(paragraph))
    latin = len(_LATIN.findall(paragraph))
    others = {lang: len(rx.findall(paragraph)) for lang, rx in _SCRIPTS.items()}
    known = han + kana + hangul + latin + sum(others.values())
    letters = max(known, len(_LETTER.findall(paragraph)))
    if not letters:
        return None, 0
    weight = letters + (CJK_WEIGHT - 1) * (han + kana + hangul)
    if kana >= max(2, 0.05 * letters):
        return "ja", weight
    if hangul >= 0.3 * letters:
        return "ko", weight
    if han >= 0.3 * letters:
        return "zh", weight
    for lang, count in others.items():
        if count >= 0.5 * letters:
            return lang, weight
    if latin >= 0.5 * letters:
        return "latin", weight
    return "und", weight


def _latin_language(text: str) -> str:
    try:
        return detect(text[:LATIN_SAMPLE]).split("-")[0]
    except LangDetectException:
        return "und"


def detect_language(text: str) -> LanguageGuess | None:
    """Majority language of ``text`` by paragraph, or None if it has no letters."""
    weights: dict[str, int] = {}
    latin: list[str] = []
    for paragraph in text.splitlines() or [text]:
        if not paragraph.strip():
            continue
        lang, letters = _classify(paragraph)
        if lang is None:
            continue
        if lang == "latin":
            latin.append(paragraph)
        weights[lang] = weights.get(lang, 0) + letters
    if not weights:
        return None
    if "latin" in weights:
        lang = _latin_language("\n".join(latin))
        weights[lang] = weights.get(lang, 0) + weights.pop("latin")
    total = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    best, count = ranked[0]
    mixed = len(ranked) > 1 and ranked[1][1] > MIXED_SHARE * total
    return LanguageGuess(best, round(count / total, 3), mixed)
