"""Reflection: when enough important things have happened, synthesise insights with evidence."""

from __future__ import annotations

from sim.agent import Agent
from sim.cognition.context import MEMORY_WORDS, Cognition, identity
from sim.cognition.importance import flush
from sim.memory.stream import NewMemory
from sim.prompts import reflection
from sim.prompts.base import clip

MIN_INSIGHT_WORDS = 3  # shorter answers ('true', 'my life') are not insights


def due(agent: Agent, cog: Cognition) -> bool:
    """Whether summed importance since the last reflection reached the budget."""
    return agent.reflect_pressure >= cog.config.reflection_budget


def reflect(agent: Agent, cog: Cognition) -> int:
    """Ask salient questions, retrieve evidence for each and store cited insights; returns count."""
    flush(agent, cog, force=True)
    agent.reflect_pressure = 0
    cfg = cog.config
    recent = [clip(r.text, MEMORY_WORDS) for r in agent.memory.recent(cfg.reflection_recent)]
    asked = cog.ask(
        agent.name,
        reflection.questions(identity(agent), recent, cfg.reflection_questions),
        "reflection",
    )
    known = {r.text.lower() for r in agent.memory.records if r.kind == "reflection"}
    written = 0
    for question in dict.fromkeys(asked.questions):  # type: ignore[attr-defined]
        found = cog.recall(agent, question, "reflect", cfg.reflection_evidence)
        if not found:
            continue
        shown = [clip(m.record.text, MEMORY_WORDS) for m in found]
        call = reflection.insights(identity(agent), question, shown, cfg.insights_per_question)
        answer = cog.ask(agent.name, call, f"insights on: {question}")
        new = []
        for item in answer.insights:  # type: ignore[attr-defined]
            text = item.insight.strip()
            if len(text.split()) < MIN_INSIGHT_WORDS or text.lower() in known:
                continue  # too short to be an insight, or one the agent already holds
            known.add(text.lower())
            evidence = tuple(sorted({found[int(e) - 1].record.id for e in item.evidence}))
            new.append(NewMemory("reflection", text, item.importance, evidence=evidence))
        agent.remember(new, cog.now)
        written += len(new)
        for item in new:
            cog.emit(
                "reflection",
                agent.name,
                question=question,
                insight=item.text,
                evidence=list(item.evidence),
            )
    agent.reflections += 1
    return written
