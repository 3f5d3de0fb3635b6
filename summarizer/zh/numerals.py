"""Chinese and Arabic numerals as values, on cn2an.

cn2an reads well-formed numerals in every form a report uses (八十七, 一百零三, 二〇二一, 两万, 零点五)
and rejects malformed runs (十百千). Two things it does not do are added here: a decimal with a
unit (三点五亿: cn2an raises, so the unit is split off and applied), and the several readings a
numeral may have in a claim (三点五亿 is 350000000 and, with the unit translated, 3.5; 十四五 is the
14th Five-Year Plan).
"""

from __future__ import annotations

import re
import unicodedata

import cn2an

_UNITS = {"万": 10_000, "亿": 100_000_000}
_SINGLE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
           "十": 10, "百": 100, "千": 1000, **_UNITS}
_FIVE_YEAR = re.compile(r"^十[一二三四五六七八九]五$")  # “十四五” = the 14th Five-Year Plan


def value(text: str) -> float | None:
    """'二十六' -> 26, '二〇二一' -> 2021, '三点五亿' -> 350000000, '79' -> 79; None if not one numeral."""
    text = unicodedata.normalize("NFKC", text).replace("○", "〇")
    scale = 1
    if "点" in text:  # cn2an cannot scale a decimal: 三点五亿 = 三点五 x 亿
        while text and text[-1] in _UNITS:
            scale *= _UNITS[text[-1]]
            text = text[:-1]
    try:
        number = float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return number * scale


def to_int(text: str) -> int | None:
    """A whole number, or None: '二十六' -> 26, '一百零三' -> 103, '二〇二一' -> 2021."""
    number = value(text)
    return int(number) if number is not None and number.is_integer() else None


def small_number(text: str) -> int | None:
    """0-99 as a month or a day is written: 3, 03, 三, 十二, 二十六; digit-by-digit Chinese (一二) is not one."""
    if not text.isdigit() and len(text) > 1 and "十" not in text:
        return None
    number = to_int(text)
    return number if number is not None and 0 <= number <= 99 else None


def readings(run: str) -> set[float]:
    """Every value a run of Chinese numeral characters may stand for in an English claim."""
    if _FIVE_YEAR.match(run):
        return {float(10 + _SINGLE[run[1]]), 5.0}
    number = value(run)
    if number is not None:
        found = {number}
        stripped = run.rstrip("万亿")
        if stripped != run and stripped and not any(c in _UNITS for c in stripped):
            inner = value(stripped)  # the mantissa before the unit too: 三点五亿 also reads as 3.5, 三万 as 3
            if inner is not None:
                found.add(inner)
        return found
    # not one numeral (十百千, 百): every character that is a number on its own
    return {float(_SINGLE[c]) for c in run if c in _SINGLE}
