"""Seeds derived from the root seed: every draw is reproducible and independent of order."""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed(root: int, *parts: object) -> int:
    """A stable 31-bit seed for (root, *parts); the same inputs always give the same seed."""
    text = "\x1f".join([str(root), *(str(p) for p in parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") & 0x7FFFFFFF


def generator(root: int, *parts: object) -> np.random.Generator:
    """A numpy generator seeded from (root, *parts)."""
    return np.random.default_rng(derive_seed(root, *parts))
