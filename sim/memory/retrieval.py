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

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from sim.clock import HOUR
from sim.memory.stream import MemoryRecord, MemoryStream
from sim.types import JSON, GameSeconds, MemoryKind

SAMPLE = 8  # top_order samples SAMPLE * k scores to bound the k-th best from below


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


@dataclass(frozen=True, slots=True)  # slots: thirty are made per retrieval
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
    """decay ** (game hours since last access), as float32 (a time later than `now` counts
    as `now`).

    Computed as 2 ** (age * log2(decay) / HOUR) on the float32 ages: the exponent is one
    multiply per memory and float32 `exp2` runs several memories per instruction.
    """
    ages = now - last_access  # exact in int64 game seconds, before any rounding
    np.maximum(ages, 0, out=ages)
    exponent = ages.astype(np.float32)
    exponent *= np.float32(math.log2(decay) / HOUR)
    return np.exp2(exponent, out=exponent)


@dataclass(frozen=True)
class _Scale:
    """How one component enters the score: weight * (value - lo) / (hi - lo), or weight / 2
    for a column with no spread (`min_max`)."""

    weight: float
    lo: float
    span: float  # hi - lo; 0 for a constant column

    @classmethod
    def of(cls, values: np.ndarray, weight: float) -> _Scale:
        lo, hi = float(values.min()), float(values.max())
        return cls(weight, lo, hi - lo if hi - lo >= 1e-12 else 0.0)

    def normalised(self, values: np.ndarray) -> np.ndarray:
        """The values in [0, 1] (float64), as `min_max` maps them."""
        if not self.span:
            return np.full(len(values), 0.5)
        return (values.astype(np.float64) - self.lo) / self.span

    def add_to(self, total: np.ndarray, values: np.ndarray, scratch: np.ndarray | None) -> float:
        """Add weight / span * values to `total` (or write it there when `scratch` is None, for
        the first part); the constant the score still lacks."""
        factor = self.weight / self.span
        if scratch is None:
            np.multiply(values, factor, out=total, dtype=np.float64)
        else:
            np.multiply(values, factor, out=scratch, dtype=np.float64)
            total += scratch
        return -self.lo * factor


def about_scores(stream: MemoryStream, query: str) -> np.ndarray:
    """1.0 for each memory about a person the query names (by subjects or text), else 0."""
    mask = _about_mask(stream, query)
    return np.zeros(len(stream)) if mask is None else mask.astype(np.float64)


def _about_mask(stream: MemoryStream, query: str) -> np.ndarray | None:
    """Which memories are about someone the query names; None when it names no one.

    The people are those some memory has among its subjects; the stream indexes names and
    remembers what it found about each person (`sim.memory.about`), so this is not a text
    scan.
    """
    people = stream.people_named(query)
    return stream.about(people) if people else None


def top_order(total: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` best scores, best first and newer first among equal scores.

    The same order a full stable sort gives, but it selects before sorting, and selects from
    few: the k-th best of an evenly spaced sample is no better than the k-th best of all, so
    only the scores at or above it (about SAMPLE-fold fewer than all) are partitioned.
    """
    n = len(total)
    if k >= n:
        candidates = np.arange(n)
    else:
        step = n // (SAMPLE * k)
        if step > 1:  # the sample then holds at least SAMPLE * k scores
            sample = total[::step]
            floor = np.partition(sample, len(sample) - k)[len(sample) - k]
            candidates = np.flatnonzero(total >= floor)
        else:
            candidates = np.arange(n)
        scores = total[candidates]
        cutoff = np.partition(scores, len(scores) - k)[len(scores) - k]
        candidates = candidates[scores >= cutoff]  # ties at the cutoff all stay in
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
    """Top-k memories for `query`, best first; refreshes their last-access time.

    The score is the weighted sum of the min-max normalised parts; each normalisation is a
    scale and a shift, so the memories are ranked on the scaled sum, one pass per part, and
    the shift is added back only to the k returned.
    """
    n = len(stream)
    if n == 0:
        return []
    query_vector = stream.embedder.embed([query])[0]
    relevance = stream.similarity(query_vector)
    recency = recency_scores(stream.access_column(), now, config.decay)
    importance = stream.importance_column()
    columns = (
        (config.relevance, relevance),
        (config.recency, recency),
        (config.importance, importance),
    )
    scales = [_Scale.of(values, weight) for weight, values in columns]
    total, scratch, shift = np.empty(n), None, 0.0
    for scale, (_, values) in zip(scales, columns, strict=True):
        if not scale.span:  # a constant part adds the same to every score
            shift += scale.weight * 0.5
        elif scale.weight:
            shift += scale.add_to(total, values, scratch)
            scratch = np.empty(n) if scratch is None else scratch
    if scratch is None:  # no part told the memories apart
        total.fill(0.0)
    about = _about_mask(stream, query) if config.about else None
    if about is not None:
        np.add(total, config.about, out=total, where=about)
    if kinds is not None:
        allowed = np.fromiter((r.kind in kinds for r in stream.records), bool, n)
        total[~allowed] = -np.inf
    k = min(top_k or config.top_k, n)
    chosen = top_order(total, k)
    chosen = chosen[np.isfinite(total[chosen])]
    order = chosen.tolist()
    if refresh:
        stream.touch(order, now)
    parts = zip(
        order,
        (total[chosen] + shift).tolist(),
        scales[1].normalised(recency[chosen]).tolist(),
        scales[2].normalised(importance[chosen]).tolist(),
        scales[0].normalised(relevance[chosen]).tolist(),
        (about[chosen] if about is not None else np.zeros(len(order))).tolist(),
        strict=True,
    )
    return [
        ScoredMemory(stream.record(i), score, recency, importance, relevance, float(named))
        for i, score, recency, importance, relevance, named in parts
    ]
