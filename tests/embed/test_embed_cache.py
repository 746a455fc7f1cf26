"""CachedEmbedder embeds each distinct miss once, in one batch, and keeps the caller's order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.embed.cache import CachedEmbedder
from sim.embed.hashing import HashEmbedder


class CountingEmbedder(HashEmbedder):
    """Records every batch it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return super().embed(texts)


def test_only_misses_are_embedded_in_one_batch() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner)
    cached.embed(["a b", "c d"])
    vectors = cached.embed(["c d", "e f", "a b", "e f"])
    assert inner.batches == [["a b", "c d"], ["e f"]]
    np.testing.assert_array_equal(vectors, HashEmbedder(dim=32).embed(["c d", "e f", "a b", "e f"]))
    assert cached.name == "hash-32" and cached.dim == 32


def test_empty_input_skips_the_inner_embedder() -> None:
    inner = CountingEmbedder()
    assert CachedEmbedder(inner).embed([]).shape == (0, 32)
    assert inner.batches == []
