"""The `--embedder` factory."""

from __future__ import annotations

from sim.embed.cache import CachedEmbedder
from sim.embed.hashing import HashEmbedder
from sim.embed.protocol import Embedder
from sim.embed.sentence import SentenceTransformerEmbedder
from sim.errors import SimInputError

EMBEDDER_SPECS = "minilm or hash"


def make_embedder(spec: str = "minilm") -> Embedder:
    """Build the (cached) embedder named by the `--embedder` flag or recorded with a run."""
    if spec in ("minilm", "all-MiniLM-L6-v2"):
        return CachedEmbedder(SentenceTransformerEmbedder())
    if spec in ("hash", "hash-256"):
        return CachedEmbedder(HashEmbedder())
    raise SimInputError(
        "--embedder", "embedder", f"unknown embedder {spec!r}", f"use {EMBEDDER_SPECS}"
    )
