"""An embedding cache: agents re-embed the same observations and queries constantly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.embed.protocol import Embedder, WrappedEmbedder


class CachedEmbedder(WrappedEmbedder):
    """Remembers vectors by text and sends only unseen texts to the inner embedder, in one batch."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return vectors in the order of `texts`, embedding each distinct miss once."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._vectors
        misses = list(dict.fromkeys(t for t in texts if t not in vectors))
        if misses:
            for text, vector in zip(misses, self.inner.embed(misses), strict=True):
                vectors[text] = vector
        return np.array([vectors[t] for t in texts], dtype=np.float32)  # a copy: callers own it
