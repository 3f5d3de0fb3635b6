"""Traditional vs Simplified Chinese, and conversion to Simplified for analysis (OpenCC)."""

from __future__ import annotations

import operator
from functools import cache

import opencc

SAMPLE = 200_000  # characters compared: plenty to tell the scripts apart, fast on 5 MB reports


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def detect_script(text: str) -> str:
    """'traditional' if more characters change under t2s than under s2t, else 'simplified'."""
    text = text[:SAMPLE]
    t2s = to_simplified(text)
    s2t = _converter("s2t").convert(text)
    traditional_only = sum(map(operator.ne, text, t2s))
    simplified_only = sum(map(operator.ne, text, s2t))
    return "traditional" if traditional_only > simplified_only else "simplified"
