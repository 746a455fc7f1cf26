"""Answering an interviewer: in character, from the memories retrieved for the question."""

from __future__ import annotations

from dataclasses import dataclass

from sim.agent import Agent
from sim.clock import label
from sim.cognition.context import Cognition
from sim.memory.retrieval import ScoredMemory
from sim.memory.stream import NewMemory
from sim.prompts.interview import interview

INTERVIEW_MEMORIES = 6  # the reference uses 50; a small model uses a few best (see the prompt)
INTERVIEW_IMPORTANCE = 4  # a remembered interview matters a little, without an LM rating


@dataclass(frozen=True)
class Reply:
    """An interview answer with the memories it was given, so a reader can check its sources.

    `fallback` marks a call the model never answered validly (the canned answer came back).
    """

    answer: str
    memories: tuple[ScoredMemory, ...]
    fallback: bool

    @property
    def memory_ids(self) -> list[int]:
        """Ids of the memories the answer was given, best first."""
        return [m.record.id for m in self.memories]


def ask(agent: Agent, question: str, cog: Cognition, *, stateful: bool = False) -> Reply:
    """The agent's answer. Stateless interviews change nothing in the agent (not even the
    last-access times of what they retrieve); stateful ones remember the exchange."""
    found = cog.recall(agent, question, "interview", INTERVIEW_MEMORIES, refresh=stateful)
    call = interview(
        agent.identity(),
        label(cog.now),
        agent.schedule.summary(),
        [m.record.text for m in found],
        question,
    )
    raw = cog.ask(agent.name, call, f"interview: {question}")
    if stateful:
        text = f"Asked in an interview: {question} I answered: {raw.answer}"
        agent.remember([NewMemory("dialogue", text, INTERVIEW_IMPORTANCE)], cog.now)
    return Reply(raw.answer, tuple(found), raw is call.fallback)
