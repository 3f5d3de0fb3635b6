"""Checks of a translated report, sentence by sentence (target ``sentences[i].en``).

- count: every sentence has English (``sentence_untranslated``); English that repeats the sentence
  before it, or is far too short for its Chinese, was probably merged or cut (``translation_incomplete``);
- Chinese left in the English (``han_in_english``);
- numbers and dates: each one the Chinese sentence states is in its English, normalised as the
  briefing checks do (第八十七次 = 87th, 3.5亿 = 350 million, 3月10日 = March 10), and the English
  states none the sentence lacks (``translation_number``);
- renderings: a name or place the tool renders must appear in that rendering
  (``translation_name``); a glossary term worded otherwise is ``term_rendering`` (info);
- invented names and places, as in briefings (``unsupported_name``, ``unsupported_place``).

Small Chinese numerals (一 to 十: 一是, 两个, 三保障) are not required in the English, which often
words them ("first", "two"); digits and larger numbers are. A number the English words (one to ten,
hundred, thousand, "the centenary") counts as stated: 5年 may be "five years".
"""

from __future__ import annotations

import re

from ..facts.model import Facts
from ..ingest import Document
from ..schema import HAN, Check, TranslatedReport
from .numbers import en_dates, en_numbers, zh_dates, zh_numbers
from .text import _normal, check, longest_renderings, name_checks, place_checks

_DIGIT = re.compile(r"\d")
# place levels the English may leave off a rendering ("Luxi" for 泸溪县 = Luxi County)
_LEVEL = re.compile(r"\s+(autonomous county|autonomous prefecture|county|district|city|province|prefecture|town|"
                    r"township|village|subdistrict|banner|league)$")
SHORT_WORDS_PER_HAN = 0.2  # below this many English words per Chinese character, a translation is cut short
SHORT_MIN_HAN = 20


_NUMBER_WORDS = {w: float(n) for n, words in enumerate(
    [(), ("one", "first", "single", "once"), ("two", "second", "twice", "both", "double"), ("three", "third"),
     ("four", "fourth"), ("five", "fifth"), ("six", "sixth"), ("seven", "seventh"), ("eight", "eighth"),
     ("nine", "ninth"), ("ten", "tenth")]) for w in words}
_NUMBER_WORDS.update({"hundred": 100.0, "hundreds": 100.0, "thousand": 1000.0, "thousands": 1000.0,
                      "centenary": 100.0, "centennial": 100.0})
_WORD = re.compile(r"[a-z]+")


def english_values(en: str) -> set:
    """The numbers an English sentence states: digits (``en_numbers``) and number words up to ten, and
    hundred/thousand ("five-year" for 5年, "the centenary" for 100周年)."""
    values = {v for m in en_numbers(en) for v in m.values}
    return values | {_NUMBER_WORDS[w] for w in _WORD.findall(en.lower()) if w in _NUMBER_WORDS}


def _han(text: str) -> int:
    return len(HAN.findall(text))


def sentence_numbers(zh: str) -> tuple[list, set, set]:
    """(numbers the English must state, values it may state, dates (month, day) it must state) of a sentence."""
    dates = zh_dates(zh)
    required, allowed = [], set()
    for m in zh_numbers(zh):
        allowed |= m.values
        inside_date = any(d.start <= m.start < d.end for d in dates)
        small_word = not _DIGIT.search(m.text) and max(m.values) <= 10
        if not inside_date and not small_word:
            required.append(m)
    return required, allowed, {v for d in dates for v in d.values}


def _rendered(english: str, rendering) -> bool:
    text = _normal(english)
    wanted = [_normal(rendering.en), *(_normal(v) for v in rendering.variants)]
    if rendering.kind == "place":
        wanted += [_LEVEL.sub("", w) for w in wanted]
    return any(w and re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in wanted)


def check_translation(tr: TranslatedReport, doc: Document, facts: Facts) -> list[Check]:
    out: list[Check] = []
    previous = None
    written = []
    for n, pair in enumerate(tr.sentences):
        path = f"sentences[{n}].en"
        sentence = doc.sentence(pair.id)
        zh = sentence.simplified if sentence is not None else pair.zh
        en = pair.en
        if not en:
            if not any(c.target == path and c.kind == "item_missing" for c in tr.checks):
                out.append(check("sentence_untranslated", path, f"sentence {pair.id} has no English"))
            previous = None
            continue
        written.append((path, en))
        if previous is not None and en == previous[1] and zh != previous[0]:
            out.append(check("translation_incomplete", path, f"sentence {pair.id} has the same English as the "
                             "sentence before it: probably merged with it", {"id": pair.id}))
        elif _han(zh) >= SHORT_MIN_HAN and len(en.split()) < SHORT_WORDS_PER_HAN * _han(zh):
            out.append(check("translation_incomplete", path, f"sentence {pair.id}: {len(en.split())} English words "
                             f"for {_han(zh)} Chinese characters: probably cut short", {"id": pair.id}))
        previous = (zh, en)
        if HAN.search(en):
            out.append(check("han_in_english", path, f"sentence {pair.id}: Chinese characters left in the English: "
                             f"{''.join(HAN.findall(en))[:20]}"))
        required, allowed, dates = sentence_numbers(zh)
        en_values = english_values(en)
        en_date_values = {v for m in en_dates(en) for v in m.values}
        missing = [m.text for m in required if not (m.values & en_values)]
        missing += [f"{month}月{day}日" for month, day in sorted(dates - en_date_values)]
        added = [m.text for m in en_numbers(en) if not (m.values & allowed)]
        added += [m.text for m in en_dates(en) if not (m.values & dates)]
        if missing or added:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"not in the Chinese: {', '.join(added)}"] if added else [])
            out.append(check("translation_number", path, f"sentence {pair.id}: numbers or dates differ ("
                             + "; ".join(parts) + ")", {"id": pair.id, "missing": missing, "added": added}))
        for r in longest_renderings(zh, facts):
            if _rendered(en, r):
                continue
            if r.kind in ("person", "place"):
                out.append(check("translation_name", path, f"sentence {pair.id}: {r.zh} is not rendered "
                                 f"'{r.en}'", {"id": pair.id, "zh": r.zh, "en": r.en}))
            else:
                out.append(check("term_rendering", path, f"sentence {pair.id}: {r.zh} is rendered '{r.en}' "
                                 "elsewhere; this English words it differently", {"id": pair.id, "zh": r.zh,
                                                                                   "en": r.en}))
    out += name_checks(written, doc, facts) + place_checks(written, doc, facts)
    order = {f"sentences[{n}].en": n for n in range(len(tr.sentences))}
    return sorted(out, key=lambda c: (order.get(c.target, -1), c.kind))

