"""An embedder that counts what passes through it, for benchmarks and cost reports."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from sim.embed.protocol import Embedder, WrappedEmbedder


class MeteredEmbedder(WrappedEmbedder):
    """Wraps an embedder and adds up its calls, the texts it embedded and the wall time inside it
    (telemetry only: the vectors are the inner embedder's)."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.calls = 0
        self.texts = 0
        self.seconds = 0.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The wrapped embedder's vectors, counted and timed."""
        started = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.calls += 1
            self.texts += len(texts)
            self.seconds += time.perf_counter() - started
