"""Traditional vs Simplified Chinese, and conversion to Simplified for analysis (OpenCC)."""

from __future__ import annotations

from functools import cache

import opencc


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def detect_script(text: str) -> str:
    """'traditional' if more characters change under t2s than under s2t, else 'simplified'."""
    t2s = to_simplified(text)
    s2t = _converter("s2t").convert(text)
    traditional_only = sum(a != b for a, b in zip(text, t2s))
    simplified_only = sum(a != b for a, b in zip(text, s2t))
    return "traditional" if traditional_only > simplified_only else "simplified"
