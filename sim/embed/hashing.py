"""A deterministic, dependency-free embedder for tests and offline runs.

Feature hashing of word tokens: texts that share words share dimensions, so cosine similarity
tracks word overlap. That is enough for retrieval tests to be meaningful without a neural model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_WORD = re.compile(r"[a-z0-9']+")
WORDS_HELD = 1 << 16  # digests remembered: a town's vocabulary, a few MB at most


@lru_cache(maxsize=WORDS_HELD)
def _digest(word: str) -> int:
    """A word's stable 64-bit hash; kept, since the same words recur in every memory."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


class HashEmbedder:
    """Bag-of-words feature hashing with a stable hash (blake2b), L2-normalised."""

    def __init__(self, dim: int = 256) -> None:
        if dim < 2:
            raise ValueError("dim must be at least 2")
        self._dim = dim
        self._slots: dict[str, tuple[int, float]] = {}  # up to WORDS_HELD words' `_slot`

    @property
    def name(self) -> str:
        """Identifier recorded with the run."""
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self._dim

    def _slot(self, word: str) -> tuple[int, float]:
        """Bucket and sign for a word; the sign keeps colliding words from always adding up."""
        digest = _digest(word)
        return (digest >> 1) % self._dim, 1.0 if digest & 1 else -1.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return (len(texts), dim) float32 rows; a text with no words maps to the zero vector.

        Each row's counts are summed by one `bincount` (small whole numbers, exact in any
        order), then scaled to unit length.
        """
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        known = self._slots
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            if not words:
                continue
            slots = [known.get(word) or self._remember(word) for word in words]
            buckets, signs = zip(*slots, strict=True)
            vector = out[row]
            vector[:] = np.bincount(buckets, weights=signs, minlength=self._dim)
            norm = float(np.sqrt(vector.dot(vector)))  # `np.linalg.norm`, without its checks
            if norm > 0:
                vector /= norm
        return out

    def _remember(self, word: str) -> tuple[int, float]:
        """`_slot(word)`, kept for the next text while the vocabulary is under WORDS_HELD."""
        slot = self._slot(word)
        if len(self._slots) < WORDS_HELD:
            self._slots[word] = slot
        return slot
