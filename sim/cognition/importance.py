"""Turn buffered perceptions into memories, rating their importance in batched LM calls."""

from __future__ import annotations

from collections.abc import Sequence

from sim.agent import IDLE_WORDS, Agent
from sim.cognition.context import Cognition
from sim.memory.stream import NewMemory
from sim.prompts.importance import rate_many, rate_one


def rate(agent: Agent, texts: Sequence[str], cog: Cognition, decision: str) -> list[int]:
    """Importance 1-10 per text, `rating_batch` texts per call; idle events get 1 unasked."""
    ratings = [1] * len(texts)
    ask = [i for i, t in enumerate(texts) if not any(w in t for w in IDLE_WORDS)]
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
