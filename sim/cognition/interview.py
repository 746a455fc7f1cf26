"""Answering an interviewer: in character, from the memories retrieved for the question."""

from __future__ import annotations

from sim.agent import Agent
from sim.clock import label
from sim.cognition.context import Cognition
from sim.memory.stream import NewMemory
from sim.prompts.interview import interview

INTERVIEW_MEMORIES = 12  # the reference uses 50; the embedded model's context fits fewer
INTERVIEW_IMPORTANCE = 4  # a remembered interview matters a little, without an LM rating


def ask(agent: Agent, question: str, cog: Cognition, *, stateful: bool = False) -> str:
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
    answer = cog.ask(agent.name, call, f"interview: {question}").answer
    if stateful:
        text = f"Asked in an interview: {question} I answered: {answer}"
        agent.remember([NewMemory("dialogue", text, INTERVIEW_IMPORTANCE)], cog.now)
    return answer
