"""Hanyu Pinyin for names of people and places.

pypinyin reads characters as words, not as names: 单 is "dan" and 曾 "ceng", where as
surnames they are Shan and Zeng. Surnames therefore come from ``data/surnames.tsv``, and
place names whose reading is irregular or known in another form (陕西 Shaanxi, 西藏 Tibet,
六安 Lu'an) from ``data/places.tsv``. Everything else is pypinyin without tones, syllables
joined, with an apostrophe before a syllable starting with a, o or e (Xi'an, Dong'e).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pypinyin import Style, lazy_pinyin

from .glossary import levels, packaged_table

if TYPE_CHECKING:
    from .glossary import Glossary

# separators inside transliterated minority names: 阿不都·热合曼
_NAME_DOTS = "·•‧・"


# ------------------------------------------------------------------ syllables
def _unknown(chars: str) -> list[str]:
    """What to write for characters pypinyin has no reading for: ASCII letters and digits
    are kept, anything else (a rare character, a symbol) is dropped, so no Chinese character
    ever reaches an English field."""
    kept = "".join(c for c in chars if c.isascii() and c.isalnum())
    return [kept.lower()] if kept else []


def syllables(text: str) -> list[str]:
    """Toneless pinyin syllables; ü is kept (lü, nü)."""
    return lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors=_unknown)


def join_syllables(parts: list[str]) -> str:
    """Join syllables into one word, with the apostrophe rule: xi + an -> xi'an."""
    out = ""
    for part in parts:
        if out and part[:1] in ("a", "o", "e"):
            out += "'"
        out += part
    return out


def pinyin_word(text: str) -> str:
    """恒林 -> Henglin, 西安 -> Xi'an."""
    word = join_syllables(syllables(text))
    return word[:1].upper() + word[1:]


# ------------------------------------------------------------------ people
@cache
def surnames() -> dict[str, str]:
    return {r["zh"]: r["en"] for r in packaged_table("surnames.tsv", ("zh", "en", "note"))}


def split_name(name: str) -> tuple[str, str] | None:
    """(surname, given name) using the surname table, compound surnames first; None if unknown."""
    table = surnames()
    for size in (2, 1):
        if len(name) > size and name[:size] in table:
            return name[:size], name[size:]
    return None


def romanize_name(name: str, glossary: "Glossary | None" = None) -> str:
    """Surname first, given name as one word: 向恒林 -> Xiang Henglin, 单雄信 -> Shan Xiongxin."""
    if glossary is not None:
        entry = glossary.get(name)
        if entry is not None and entry.kind == "person":
            return entry.en
    if any(dot in name for dot in _NAME_DOTS):
        parts = [p for p in _split_dots(name) if p]
        return " ".join(pinyin_word(p) for p in parts)
    split = split_name(name)
    if split is None:  # surname not in the table: read the first character as the surname
        if len(name) < 2:
            return pinyin_word(name)
        split = name[:1], name[1:]
    surname, given = split
    surname_en = surnames().get(surname) or pinyin_word(surname)
    given_en = pinyin_word(given)
    return f"{surname_en} {given_en}" if given_en else surname_en


def _split_dots(name: str) -> list[str]:
    for dot in _NAME_DOTS:
        name = name.replace(dot, " ")
    return name.split()


# ------------------------------------------------------------------ places
@dataclass(frozen=True)
class KnownPlace:
    zh: str
    en: str
    bare: bool  # the name alone denotes the place (湖北), not only with a level suffix (长治市)
    city: bool  # 市 after it is not translated (北京市 -> Beijing)


@cache
def known_places() -> dict[str, KnownPlace]:
    rows = packaged_table("places.tsv", ("zh", "en", "bare", "city", "note"), required=3)
    return {r["zh"]: KnownPlace(r["zh"], r["en"], r["bare"] == "yes", r["city"] == "yes") for r in rows}


def split_level(zh: str) -> tuple[str, str | None]:
    """泸溪县 -> (泸溪, 县); 湘西土家族苗族自治州 -> (湘西土家族苗族, 自治州); 泸溪 -> (泸溪, None)."""
    for suffix in levels():
        if zh.endswith(suffix) and len(zh) > len(suffix):
            return zh[: -len(suffix)], suffix
    return zh, None


def romanize_stem(stem: str, glossary: "Glossary | None" = None) -> str:
    """A place name without its level: 泸溪 -> Luxi, 陕西 -> Shaanxi."""
    if glossary is not None:
        entry = glossary.get(stem)
        if entry is not None and entry.kind == "place":
            return entry.en
    known = known_places().get(stem)
    return known.en if known else pinyin_word(stem)


def romanize_place(zh: str, glossary: "Glossary | None" = None) -> str:
    """泸溪县 -> Luxi County, 陕西省 -> Shaanxi Province, 北京市 -> Beijing, 单县 -> Shan County."""
    if glossary is not None:
        entry = glossary.get(zh)
        if entry is not None and entry.kind == "place":
            return entry.en
    known = known_places().get(zh)
    if known is not None:
        return known.en
    stem, level = split_level(zh)
    if level is None:
        return romanize_stem(stem, glossary)
    known_stem = known_places().get(stem)
    if level == "市" and known_stem is not None and known_stem.city:
        return known_stem.en
    return f"{romanize_stem(stem, glossary)} {levels()[level].noun}"
