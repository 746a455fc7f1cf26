"""`sim interview`: ask a recorded agent a question; it answers from its memories and plan.

The run database is only read: the interview happens in a copy of the agent's final state.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from sim.agent import Agent
from sim.clock import label
from sim.cognition.context import Cognition, CognitionConfig
from sim.embed.factory import make_embedder
from sim.errors import SimInputError
from sim.llm.structured import StructuredLM
from sim.llm.wrappers import make_lm
from sim.persona import Persona
from sim.prompts.interview import interview as interview_prompt
from sim.store.reader import RunReader

INTERVIEW_MEMORIES = 12  # the reference uses 50; the embedded model's context fits fewer


def load_agent(reader: RunReader, name: str) -> tuple[Agent, int]:
    """Rebuild an agent from the run's latest checkpoint; returns it and the game time."""
    personas = {p["name"]: p for p in reader.personas()}
    if name not in personas:
        raise SimInputError(
            str(reader.path),
            "agent",
            f"no agent named {name!r}",
            f"use one of: {', '.join(sorted(personas))}",
        )
    checkpoint = reader.checkpoint()
    if checkpoint is None:
        raise SimInputError(
            str(reader.path),
            "checkpoint",
            "the run has no saved state yet",
            "wait for the run's first checkpoint or let it finish",
        )
    tick, state = checkpoint
    agent = Agent(Persona.model_validate(personas[name]), make_embedder(reader.run.embedder), set())
    agent.set_state(state["agents"][name])
    return agent, reader.run.start_time + tick * reader.run.tick_seconds


def interview(
    db: Path,
    name: str,
    question: str,
    *,
    lm: str,
    base_url: str | None,
    api_key: str | None,
    seed: int,
    show_memories: bool,
    console: Console,
) -> str:
    """Answer `question` as the agent would at the end of the run."""
    reader = RunReader(db)
    agent, now = load_agent(reader, name)
    reader.close()
    cog = Cognition(
        StructuredLM(make_lm(lm, seed=seed, base_url=base_url, api_key=api_key)),
        CognitionConfig(),
        seed,
        now=now,
    )
    found = cog.recall(agent, question, "interview", INTERVIEW_MEMORIES)
    call = interview_prompt(
        agent.identity(),
        label(now),
        agent.schedule.summary(),
        [m.record.text for m in found],
        question,
    )
    answer = cog.ask(agent.name, call, f"interview: {question}").answer
    console.print(f"[bold]{agent.name}[/] ({label(now)}): {answer}", highlight=False)
    if show_memories:
        for m in found:
            console.print(f"   {m.score:.2f}  {m.record.text}", markup=False)
    return answer
