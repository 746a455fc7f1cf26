"""Retrieval: score every memory by recency, importance and relevance, vectorised with numpy.

Each component is min-max normalised to [0, 1] and the score is their weighted sum, as in
the Generative Agents paper. Recency decays exponentially per game hour since last access
(the reference code computes it from rank order; we do not).

A fourth component, `about`, is ours: a question that names a person ("Who is Maya Torres?")
must find the memories about that person, but a small embedder rates "Maya Torres is making
coffee" (fresh) about as relevant as "I taught Maya Torres in year four" (old), and recency
then buries the old one. `about` is 1 for a memory whose subjects include, or whose text
names, someone the query names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from sim.clock import HOUR
from sim.memory.stream import MemoryRecord, MemoryStream
from sim.types import JSON, GameSeconds, MemoryKind


@dataclass(frozen=True)
class RetrievalConfig:
    """Weights and limits for retrieval; the paper's equal weights are the default."""

    recency: float = 1.0
    importance: float = 1.0
    relevance: float = 1.0
    decay: float = 0.995  # recency multiplier per game hour since last access
    top_k: int = 30
    about: float = 1.5  # bonus for a memory about a person the query names

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {
            "recency": self.recency,
            "importance": self.importance,
            "relevance": self.relevance,
            "decay": self.decay,
            "top_k": self.top_k,
            "about": self.about,
        }


@dataclass(frozen=True)
class ScoredMemory:
    """A retrieved record with its normalised score components, kept for inspection."""

    record: MemoryRecord
    score: float
    recency: float
    importance: float
    relevance: float
    about: float = 0.0

    def to_json(self) -> JSON:
        """JSON-shaped form (record id and the score parts)."""
        return {
            "id": self.record.id,
            "text": self.record.text,
            "score": round(self.score, 4),
            "recency": round(self.recency, 4),
            "importance": round(self.importance, 4),
            "relevance": round(self.relevance, 4),
            "about": round(self.about, 4),
        }


def min_max(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant column carries no information and maps to 0.5."""
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        return np.full_like(values, 0.5, dtype=np.float64)
    return (values - lo) / (hi - lo)


def recency_scores(last_access: np.ndarray, now: GameSeconds, decay: float) -> np.ndarray:
    """decay ** (game hours since last access)."""
    hours = np.maximum(0.0, (now - last_access) / HOUR)
    return np.power(decay, hours)


def score_components(
    stream: MemoryStream, query_vector: np.ndarray, now: GameSeconds, config: RetrievalConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised (recency, importance, relevance) for every record in the stream."""
    recency = min_max(recency_scores(stream.last_access_column(), now, config.decay))
    importance = min_max(stream.importance_column())
    relevance = min_max(stream.similarity(query_vector))
    return recency, importance, relevance


def about_scores(stream: MemoryStream, query: str) -> np.ndarray:
    """1.0 for each memory about a person the query names (by subjects or text), else 0.

    The people are those some memory has among its subjects; the stream indexes names and
    remembers, per person, a mask of the memories about them, so this is not a text scan.
    """
    scores = np.zeros(len(stream))
    for person in stream.people_named(query):
        scores[stream.about(person)] = 1.0
    return scores


def top_order(total: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` best scores, best first and newer first among equal scores.

    The same order a full stable sort gives, but it selects before sorting: at 100k memories a
    full sort would cost more than scoring them.
    """
    n = len(total)
    candidates = np.arange(n)
    if k < n:
        cutoff = np.partition(total, n - k)[n - k]
        candidates = np.flatnonzero(total >= cutoff)  # ties at the cutoff all stay in
    order = np.lexsort((-candidates, -total[candidates]))
    return candidates[order][:k]


def retrieve(
    stream: MemoryStream,
    query: str,
    now: GameSeconds,
    config: RetrievalConfig,
    *,
    top_k: int | None = None,
    kinds: Collection[MemoryKind] | None = None,
    refresh: bool = True,
) -> list[ScoredMemory]:
    """Top-k memories for `query`, best first; refreshes their last-access time."""
    if len(stream) == 0:
        return []
    query_vector = stream.embedder.embed([query])[0]
    recency, importance, relevance = score_components(stream, query_vector, now, config)
    total = config.recency * recency + config.importance * importance
    total = total + config.relevance * relevance
    about = about_scores(stream, query) if config.about else np.zeros(len(stream))
    total = total + config.about * about
    if kinds is not None:
        allowed = np.fromiter((r.kind in kinds for r in stream.records), bool, len(stream))
        total = np.where(allowed, total, -np.inf)
    k = min(top_k or config.top_k, len(stream))
    order = [int(i) for i in top_order(total, k) if np.isfinite(total[i])]
    if refresh:
        stream.touch(order, now)
    return [
        ScoredMemory(
            record=stream.record(i),
            score=float(total[i]),
            recency=float(recency[i]),
            importance=float(importance[i]),
            relevance=float(relevance[i]),
            about=float(about[i]),
        )
        for i in order
    ]
