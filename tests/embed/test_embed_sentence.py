"""The real all-MiniLM-L6-v2 embedder, loaded offline."""

from __future__ import annotations

import numpy as np
import pytest

from sim.embed.sentence import SentenceTransformerEmbedder


@pytest.mark.embedded
def test_similar_sentences_are_closer_than_unrelated_ones() -> None:
    embedder = SentenceTransformerEmbedder()
    query, near, far = embedder.embed(
        [
            "Ada is drinking coffee at the cafe",
            "Ada sips an espresso in a coffee shop",
            "The committee approved the tax budget",
        ]
    )
    assert query.shape == (384,) and query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm([query, near, far], axis=1), 1.0, rtol=1e-5)
    assert query @ near > query @ far + 0.2
