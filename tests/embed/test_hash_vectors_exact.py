"""Hash vectors are exactly the documented feature hashing, bit for bit: seeded runs, replays and
resumes hash-embed their memories again, so a faster embedder must give the same floats."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from sim.embed.cache import CachedEmbedder
from sim.embed.hashing import HashEmbedder

TEXTS = [
    "Maya Torres is making coffee at the cafe",
    "I taught Maya in year four; Maya remembers",
    "",
    "...",
    "O'Brien's dog, the dog & the DOG",
    "Zoë Ünal naïve café 42",
    "a " * 50,
]


def reference(text: str, dim: int) -> np.ndarray:
    """One word at a time: blake2b's 64 bits pick a bucket (the bits above the lowest) and a
    sign (the lowest bit); the counts are scaled to unit length."""
    counts = np.zeros(dim, dtype=np.float32)
    for word in re.findall(r"[a-z0-9']+", text.lower()):
        digest = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        counts[(digest >> 1) % dim] += 1.0 if digest & 1 else -1.0
    norm = float(np.linalg.norm(counts))
    return counts / norm if norm > 0 else counts


def test_hash_vectors_equal_the_word_by_word_reference_bit_for_bit() -> None:
    for dim in (2, 16, 256):
        embedder = HashEmbedder(dim)
        for _ in range(2):  # the second time from the remembered word slots
            got = embedder.embed(TEXTS)
            expected = np.stack([reference(t, dim) for t in TEXTS])
            assert got.dtype == np.float32 and got.tobytes() == expected.tobytes()


def test_the_cache_returns_its_own_copies_of_the_same_vectors() -> None:
    cached = CachedEmbedder(HashEmbedder())
    first = cached.embed(TEXTS)
    first[:] = 0.0  # a caller writing into what it got must not change the cache
    again = cached.embed([TEXTS[1], TEXTS[0], TEXTS[1]])
    assert again.dtype == np.float32 and again.shape == (3, 256)
    expected = [reference(t, 256) for t in (TEXTS[1], TEXTS[0], TEXTS[1])]
    assert again.tobytes() == np.stack(expected).tobytes()
