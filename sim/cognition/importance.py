"""Turn buffered perceptions into memories, rating their importance.

Two raters. `lm` asks the model, `rating_batch` texts per call, as the reference does.
`anchors` rates a text by its nearness (embedding cosine) to the scale's anchored examples,
with no LM call: SmolLM2-135M rates almost everything 1 or 2 (a house fire included), so its
ratings carry no signal, while the anchors spread over the scale and cost one embedding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.agent import IDLE_WORDS, Agent
from sim.cognition.context import Cognition
from sim.embed.protocol import Embedder
from sim.memory.stream import NewMemory
from sim.prompts.importance import ANCHORS, rate_many, rate_one

NEAREST = 3  # anchors that vote on a rating
SHARPNESS = 20.0  # softmax temperature over cosine: the nearest anchor dominates


def rate_by_anchors(embedder: Embedder, texts: Sequence[str]) -> list[int]:
    """Each text's rating: the similarity-weighted mean of its nearest anchors' ratings."""
    if not texts:
        return []
    anchors = embedder.embed([a for a, _ in ANCHORS])
    values = np.array([v for _, v in ANCHORS], dtype=np.float64)
    sims = (
        np.asarray(embedder.embed(list(texts)), dtype=np.float64)
        @ np.asarray(anchors, dtype=np.float64).T
    )
    ratings = []
    for row in sims:
        near = np.argsort(-row, kind="stable")[:NEAREST]
        weights = np.exp(SHARPNESS * (row[near] - row[near].max()))
        ratings.append(int(np.clip(np.rint(weights @ values[near] / weights.sum()), 1, 10)))
    return ratings


def rate(agent: Agent, texts: Sequence[str], cog: Cognition, decision: str) -> list[int]:
    """Importance 1-10 per text by the configured rater; idle events get 1 unasked."""
    ratings = [1] * len(texts)
    ask = [i for i, t in enumerate(texts) if not any(w in t for w in IDLE_WORDS)]
    if cog.config.importance == "anchors":
        found = rate_by_anchors(agent.memory.embedder, [texts[i] for i in ask])
        for i, r in zip(ask, found, strict=True):
            ratings[i] = r
        return ratings
    size = max(1, cog.config.rating_batch)
    for part in (ask[k : k + size] for k in range(0, len(ask), size)):
        if len(part) == 1:
            ratings[part[0]] = cog.ask(
                agent.name, rate_one(agent.brief(), texts[part[0]]), decision
            ).value
            continue
        answer = cog.ask(agent.name, rate_many(agent.brief(), [texts[i] for i in part]), decision)
        for i, r in zip(part, answer.ratings, strict=True):  # type: ignore[attr-defined]
            ratings[i] = int(r)
    return ratings


def flush(agent: Agent, cog: Cognition, *, force: bool = False) -> None:
    """Rate and store buffered observations, at most every `rate_every_minutes` unless forced."""
    due = cog.now - agent.last_rated >= cog.config.rate_every_minutes * 60
    if not agent.pending or not (force or due):
        return
    pending, agent.pending = agent.pending, []
    ratings = rate(agent, [p.text for p in pending], cog, f"{len(pending)} observations")
    agent.remember(
        [
            NewMemory("observation", p.text, r, subjects=p.subjects, created=p.time)
            for p, r in zip(pending, ratings, strict=True)
        ],
        cog.now,
    )
    agent.last_rated = cog.now
