"""Retrieval: score every memory by recency, importance and relevance, vectorised with numpy.

Each component is min-max normalised to [0, 1] and the score is their weighted sum, as in
the Generative Agents paper. Recency decays exponentially per game hour since last access
(the reference code computes it from rank order; we do not).
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

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {
            "recency": self.recency,
            "importance": self.importance,
            "relevance": self.relevance,
            "decay": self.decay,
            "top_k": self.top_k,
        }


@dataclass(frozen=True)
class ScoredMemory:
    """A retrieved record with its normalised score components, kept for inspection."""

    record: MemoryRecord
    score: float
    recency: float
    importance: float
    relevance: float

    def to_json(self) -> JSON:
        """JSON-shaped form (record id and the score parts)."""
        return {
            "id": self.record.id,
            "text": self.record.text,
            "score": round(self.score, 4),
            "recency": round(self.recency, 4),
            "importance": round(self.importance, 4),
            "relevance": round(self.relevance, 4),
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
    if kinds is not None:
        allowed = np.fromiter((r.kind in kinds for r in stream.records), bool, len(stream))
        total = np.where(allowed, total, -np.inf)
    k = min(top_k or config.top_k, len(stream))
    # Stable ordering: higher score first, then newer record first.
    order = np.lexsort((-np.arange(len(stream)), -total))[:k]
    order = [int(i) for i in order if np.isfinite(total[i])]
    if refresh:
        stream.touch(order, now)
    return [
        ScoredMemory(
            record=stream.records[i],
            score=float(total[i]),
            recency=float(recency[i]),
            importance=float(importance[i]),
            relevance=float(relevance[i]),
        )
        for i in order
    ]
