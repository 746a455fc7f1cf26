"""Reflection: when enough important things have happened, synthesise insights with evidence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sim.agent import Agent
from sim.cognition.context import MEMORY_WORDS, Cognition, identity
from sim.cognition.gate import strip_speaker
from sim.cognition.importance import flush
from sim.memory.stream import MemoryRecord, NewMemory
from sim.prompts import reflection
from sim.prompts.base import clip
from sim.quality.checks import instruction_echo, instruction_ngrams

MIN_INSIGHT_WORDS = 3  # shorter answers ('true', 'my life') are not insights
# Words in a row an insight may share with one of its statements: SmolLM2 answers "What do I
# make of Aisha lately?" with "Aisha Rahman is heading to Millbrook College:Hallway".
RESTATED_WORDS = 5


def focal_points(records: Sequence[MemoryRecord], n: int, me: str) -> list[str]:
    """The questions a reflection answers, read off the recent memories without an LM call:
    one about each of the people who weigh most in them (summed importance), then the day.

    SmolLM2-135M cannot write these (its questions recite the instruction and are rejected, so
    every session paid three calls for the fallback "What have I been doing lately?"); the
    people an agent has been seeing and talking with are what its insights should be about.
    """
    weight: Counter[str] = Counter()
    for record in records:
        for person in set(record.subjects) - {me}:
            weight[person] += record.importance
    people = [name for name, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))]
    asked = [f"What do I make of {name} lately?" for name in people[: max(0, n - 1)]]
    return [*asked, "What has mattered most to me today?"][:n]


def questions(agent: Agent, cog: Cognition) -> list[str]:
    """The session's questions: written by the LM, or the focal points of the recent memories."""
    cfg = cog.config
    records = agent.memory.recent(cfg.reflection_recent)
    if cfg.reflection_focus == "subjects":
        return focal_points(records, cfg.reflection_questions, agent.name)
    recent = [clip(r.text, MEMORY_WORDS) for r in records]
    asked = cog.ask(
        agent.name,
        reflection.questions(identity(agent), recent, cfg.reflection_questions),
        "reflection",
    )
    return list(dict.fromkeys(asked.questions))  # type: ignore[attr-defined]


def due(agent: Agent, cog: Cognition) -> bool:
    """Whether summed importance since the last reflection reached the budget, and the last
    reflection is at least `reflection_gap_minutes` ago.

    The reference's budget of 150 had its agents reflect two or three times a day; in a busy
    town, where everyone sees a dozen people come and go, it is reached every twenty minutes,
    so the gap keeps the reference's rhythm there while a quiet street still reflects on the
    budget alone.
    """
    if agent.reflect_pressure < cog.config.reflection_budget:
        return False
    last = agent.last_reflected
    return last is None or cog.now - last >= cog.config.reflection_gap_minutes * 60


def reflect(agent: Agent, cog: Cognition) -> int:
    """Ask salient questions, retrieve evidence for each and store cited insights; returns count."""
    flush(agent, cog, force=True)
    agent.reflect_pressure = 0
    agent.last_reflected = cog.now
    cfg = cog.config
    known = {r.text.lower() for r in agent.memory.records if r.kind == "reflection"}
    written = 0
    asked = questions(agent, cog)
    names = [agent.name, *sorted(agent.memory.people())]
    restated = 0
    for question in asked:
        found = cog.recall(agent, question, "reflect", cfg.reflection_evidence)
        if not found:
            continue
        shown = [clip(m.record.text, MEMORY_WORDS) for m in found]
        call = reflection.insights(identity(agent), question, shown, cfg.insights_per_question)
        answer = cog.ask(agent.name, call, f"insights on: {question}")
        statements = instruction_ngrams(shown, RESTATED_WORDS)
        new = []
        for item in answer.insights:  # type: ignore[attr-defined]
            text = item.insight.strip()
            if len(text.split()) < MIN_INSIGHT_WORDS or text.lower() in known:
                continue  # too short to be an insight, or one the agent already holds
            if instruction_echo(text, statements).flagged or strip_speaker(text, names) != text:
                restated += 1  # a memory said again, or a line of a transcript, is no insight
                continue
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
    cog.emit("reflect", agent.name, questions=asked, insights=written, restated=restated)
    agent.reflections += 1
    return written
