"""HashEmbedder determinism and word-overlap similarity; the --embedder factory."""

from __future__ import annotations

import numpy as np
import pytest

from sim.embed.cache import CachedEmbedder
from sim.embed.factory import make_embedder
from sim.embed.hashing import HashEmbedder
from sim.embed.protocol import Embedder
from sim.embed.sentence import SentenceTransformerEmbedder
from sim.errors import SimInputError


def test_vectors_are_deterministic_normalised_float32() -> None:
    texts = ["Ada paints at the cafe", "Bob reads in the library"]
    first, second = HashEmbedder().embed(texts), HashEmbedder().embed(texts)
    assert first.shape == (2, 256) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)
    # Golden values pin the hash so stored vectors stay valid across processes and versions.
    golden = np.zeros(16, dtype=np.float32)
    golden[2], golden[14] = -2 / np.sqrt(5), -1 / np.sqrt(5)  # "cafe" twice, "coffee" once
    np.testing.assert_allclose(
        HashEmbedder(dim=16).embed(["cafe coffee cafe"])[0], golden, atol=1e-6
    )


def test_shared_words_mean_higher_cosine() -> None:
    query, near, far = HashEmbedder().embed(
        ["coffee at the cafe", "Ada drinks coffee at the cafe", "Bob fixes a bicycle wheel"]
    )
    assert query @ near > 0.5
    assert query @ near > query @ far + 0.3


def test_case_and_punctuation_do_not_matter_and_empty_text_is_zero() -> None:
    a, b, empty = HashEmbedder().embed(["Coffee, CAFE!", "coffee cafe", "..."])
    np.testing.assert_allclose(a, b)
    assert not empty.any()


def test_factory_builds_cached_embedders_and_rejects_unknown_specs() -> None:
    hashed = make_embedder("hash")
    assert isinstance(hashed, CachedEmbedder) and isinstance(hashed, Embedder)
    assert (hashed.name, hashed.dim) == ("hash-256", 256)
    minilm = make_embedder("minilm")
    assert isinstance(minilm, CachedEmbedder)
    assert isinstance(minilm.inner, SentenceTransformerEmbedder)
    assert (minilm.name, minilm.dim) == ("all-MiniLM-L6-v2", 384)
    with pytest.raises(SimInputError, match="--embedder"):
        make_embedder("word2vec")
