"""Themes: items of different reports about the same thing, grouped across places.

The themes are data (``digest/data/themes.toml``): an id, a name, an English description and Chinese
keywords from the glossary. An item (a summary point or an action) goes to
- the theme whose description its English is nearest to (USE multilingual embeddings, the ones the
  evidence checks use), when the cosine is at least ``THRESHOLD``;
- else the theme with the most keyword hits in its Chinese evidence;
- else ``other`` ("Other matters").
One pass over the items against a fixed list of themes: linear in the number of items.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

THRESHOLD = 0.30
OTHER = "other"


@dataclass(frozen=True)
class ThemeSpec:
    id: str
    name: str
    description: str
    keywords: tuple[str, ...]


@cache
def theme_specs() -> tuple[ThemeSpec, ...]:
    data = tomllib.loads(resources.files(__package__).joinpath("data", "themes.toml").read_text(encoding="utf-8"))
    specs = tuple(ThemeSpec(t["id"], t["name"], t["description"], tuple(t.get("keywords", ())))
                  for t in data["theme"])
    return specs + (ThemeSpec(OTHER, "Other matters", "", ()),)


def assign(texts: list[str], evidence: list[str], embedder) -> list[tuple[str, float | None]]:
    """(theme id, cosine to it) per item; ``embedder`` None uses the keywords alone."""
    specs = [s for s in theme_specs() if s.id != OTHER]
    sims = None
    if embedder is not None and texts:
        vectors = embedder.encode(texts)
        centres = embedder.encode([s.description for s in specs])
        sims = np.asarray(vectors) @ np.asarray(centres).T
    out = []
    for n, zh in enumerate(evidence):
        hits = [sum(k in zh for k in s.keywords) for s in specs]
        if sims is not None:
            best = int(np.argmax(sims[n]))
            if sims[n][best] >= THRESHOLD:
                out.append((specs[best].id, round(float(sims[n][best]), 4)))
                continue
        if max(hits, default=0) > 0:
            best = int(np.argmax(hits))
            out.append((specs[best].id, round(float(sims[n][best]), 4) if sims is not None else None))
        else:
            out.append((OTHER, None))
    return out
