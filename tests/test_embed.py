"""The embedding cache: vectors persist in the cache database, so a re-run never loads the model."""

from __future__ import annotations

import numpy as np

from summarizer.embed import DIM, Embedder
from summarizer.llm.cache import Store


class Counting:
    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        rng = np.random.default_rng(len(texts))
        return rng.normal(size=(len(texts), DIM)).astype(np.float32)


class Exploding:
    def encode(self, texts):
        raise AssertionError("the model must not run: every vector is in the cache")


def test_vectors_persist_across_embedders(tmp_path):
    store = Store(tmp_path / "cache.sqlite3")
    first = Embedder(model=Counting(), store=store)
    texts = ["会议要求各部门加强监管。", "The meeting asked departments to tighten supervision.", ""]
    a = first.encode(texts)
    assert first.model.calls == 1
    assert np.allclose(np.linalg.norm(a[:2], axis=1), 1.0) and not a[2].any()  # unit vectors; empty -> zero
    second = Embedder(model=Exploding(), store=Store(tmp_path / "cache.sqlite3"))
    b = second.encode(texts)
    assert np.array_equal(a, b)
    # a new text still goes to the model
    third = Embedder(model=Counting(), store=store)
    third.encode(texts + ["another sentence"])
    assert third.model.calls == 1


def test_memory_only_without_a_store():
    e = Embedder(model=Counting())
    e.encode(["x", "y"])
    e.encode(["x", "y"])
    assert e.model.calls == 1
