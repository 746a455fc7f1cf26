"""Answering an interviewer: in character, from the memories retrieved for the question and
what the agent knows of the people it names."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.agent import Agent
from sim.clock import label
from sim.cognition.context import Cognition
from sim.memory.about import named_in
from sim.memory.retrieval import ScoredMemory
from sim.memory.stream import NewMemory
from sim.persona import Relationship
from sim.prompts.interview import interview

INTERVIEW_MEMORIES = 6  # the reference uses 50; a small model uses a few best (see the prompt)
INTERVIEW_IMPORTANCE = 4  # a remembered interview matters a little, without an LM rating
# A second try when every attempt failed the gate: SmolLM2 at the default 0.7 sometimes spends
# all its attempts on bare names or loops (on a Willow run Theo's "Who is Maya Torres?" failed
# three times), and at a lower temperature it keeps closer to its prompt (answered at 0.3).
RETRY_TEMPERATURE = 0.3


@dataclass(frozen=True)
class Reply:
    """An interview answer with the memories it was given, so a reader can check its sources.

    `fallback` marks a question the model never answered validly, not even when asked again
    at a lower temperature (the canned answer came back).
    """

    answer: str
    memories: tuple[ScoredMemory, ...]
    fallback: bool

    @property
    def memory_ids(self) -> list[int]:
        """Ids of the memories the answer was given, best first."""
        return [m.record.id for m in self.memories]


def named_relations(agent: Agent, question: str) -> list[Relationship]:
    """The agent's relationships to the people `question` names."""
    return [r for r in agent.persona.relationships if named_in(question, r.name)]


def told(relation: Relationship) -> str:
    """A relationship in the first person, as the persona wrote it and as the agent would say
    it: "Maya Torres is my friend: my former pupil, ..."."""
    about = relation.description.strip().rstrip(".")
    return f"{relation.name} is my {relation.kind}" + (f": {about}." if about else ".")


def ask(agent: Agent, question: str, cog: Cognition, *, stateful: bool = False) -> Reply:
    """The agent's answer. Stateless interviews change nothing in the agent (not even the
    last-access times of what they retrieve); stateful ones remember the exchange.

    An answer that failed every attempt is asked once more at `RETRY_TEMPERATURE` (unless the
    model is down) before the canned fallback is given.
    """
    found = cog.recall(agent, question, "interview", INTERVIEW_MEMORIES, refresh=stateful)
    call = interview(
        agent.identity(),
        label(cog.now),
        agent.schedule.summary(),
        [m.record.text for m in found],
        question,
        [told(r) for r in named_relations(agent, question)],
    )
    raw = cog.ask(agent.name, call, f"interview: {question}")
    if raw is call.fallback and not cog.lm.failing:
        again = replace(call, temperature=RETRY_TEMPERATURE)
        raw = cog.ask(agent.name, again, f"interview retry: {question}")
    if stateful:
        text = f"Asked in an interview: {question} I answered: {raw.answer}"
        agent.remember([NewMemory("dialogue", text, INTERVIEW_IMPORTANCE)], cog.now)
    return Reply(raw.answer, tuple(found), raw is call.fallback)
