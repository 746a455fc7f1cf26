"""Retrieval's shortcuts against the plain computation they replace: the sampled top-k
selection, and the ranking on scaled parts with the shift added back only to those returned."""

from __future__ import annotations

import numpy as np

from sim.clock import HOUR
from sim.embed.hashing import HashEmbedder
from sim.memory.retrieval import RetrievalConfig, min_max, retrieve, top_order
from sim.memory.stream import COSINE_GRID, MemoryStream, NewMemory


def test_the_sampled_selection_is_the_full_stable_sort_on_large_tied_arrays() -> None:
    rng = np.random.default_rng(11)
    for n, levels in ((5_000, 3), (50_000, 50), (20_000, 20_000)):
        total = rng.integers(0, levels, n).astype(float)
        total[rng.random(n) < 0.05] = -np.inf
        full = np.lexsort((-np.arange(n), -total))
        for k in (1, 30, 200):
            assert top_order(total, k).tolist() == full[:k].tolist()


def test_scores_equal_the_weighted_sum_of_min_max_parts_computed_plainly() -> None:
    rng = np.random.default_rng(4)
    words = ["cafe", "bread", "Maya", "walk", "tea", "garden", "book", "dog"]
    stream = MemoryStream(HashEmbedder())
    for i in range(400):
        text = " ".join(rng.choice(words, 3))
        stream.add([NewMemory("observation", text, int(rng.integers(1, 10)))], i * 600)
    config = RetrievalConfig(recency=0.7, importance=1.3, relevance=2.0, about=0.0, top_k=400)
    now = 400 * 600 + 5 * HOUR
    vector = stream.embedder.embed(["tea in the garden"])[0]
    hours = (now - stream.last_access_column()) / HOUR
    recency = min_max(np.power(config.decay, hours))
    importance = min_max(stream.importance_column())
    cosines = stream.vectors.astype(np.float64) @ vector.astype(np.float64)
    relevance = min_max(cosines)
    plain = 0.7 * recency + 1.3 * importance + 2.0 * relevance
    # Cosines are compared on a grid (`COSINE_GRID`): at most half a step off, once scaled.
    off = 0.5 / COSINE_GRID / (cosines.max() - cosines.min()) + 1e-5
    found = retrieve(stream, "tea in the garden", now, config, refresh=False)
    assert len(found) == 400
    for m in found:
        i = m.record.id
        assert abs(m.score - plain[i]) < 2.0 * 2 * off
        assert abs(m.recency - recency[i]) < 1e-5 and abs(m.relevance - relevance[i]) < 2 * off
        assert m.importance == importance[i]
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
