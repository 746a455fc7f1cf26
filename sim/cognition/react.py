"""Reacting to a salient observation: continue, do something else, or start a conversation."""

from __future__ import annotations

from sim.agent import Agent
from sim.clock import label
from sim.cognition.context import MEMORY_WORDS, Cognition, identity
from sim.cognition.plan import decompose, interject
from sim.memory.stream import NewMemory
from sim.prompts.base import clip
from sim.prompts.reaction import gestures, react
from sim.types import Observation
from sim.world.map import World

# What every agent shows before its first decision. It is the engine's placeholder, not
# something the person does, so nobody reacts to it: the first tick, when everyone sees
# everyone at home, stays short, and the reaction comes a tick later, to a real action.
FIRST_ACTION = "starting the day"


def eligible(agent: Agent, obs: Observation, available: frozenset[str], now: int) -> bool:
    """Whether an observation of another agent deserves a reaction decision now."""
    return (
        obs.is_agent
        and obs.subject in available
        and agent.react_after.get(obs.subject, 0) <= now
        and not obs.description.startswith(f"{obs.subject} is {FIRST_ACTION}")
    )


def consider(agent: Agent, obs: Observation, can_talk: bool, world: World, cog: Cognition) -> bool:
    """Ask the agent how to respond; True when it wants to talk with the observed agent."""
    now = cog.now
    agent.react_after[obs.subject] = now + cog.config.react_cooldown_minutes * 60
    step = agent.schedule.step_at(now)
    doing = step.action if step else "nothing in particular"
    query = f"{obs.subject} {obs.description}"
    # How they know each other is its own line of the prompt; the seed memory saying it again
    # (retrieval ranks it first) would only add tokens.
    tie = {r.as_memory() for r in agent.persona.relationships if r.name == obs.subject}
    k = cog.config.react_memories
    found = cog.recall(agent, query, "react", k + len(tie))
    memories = [clip(m.record.text, MEMORY_WORDS) for m in found if m.record.text not in tie][:k]
    call = react(
        identity(agent),
        label(now),
        doing,
        obs.description,
        agent.relation_to(obs.subject),
        memories,
        can_talk,
        gestures(obs.subject) if cog.config.reactions == "choose" else None,
    )
    answer = cog.ask(agent.name, call, f"reaction to {obs.subject}")
    talk = bool(getattr(answer, "talk", False))
    choice = "talk" if talk else answer.otherwise  # type: ignore[attr-defined]
    cog.emit("react", agent.name, observed=obs.description, choice=choice, reaction=answer.reaction)  # type: ignore[attr-defined]
    if choice == "talk":
        return True
    if choice == "react" and answer.reaction.strip():  # type: ignore[attr-defined]
        reaction = answer.reaction.strip()  # type: ignore[attr-defined]
        agent.remember(
            [
                NewMemory(
                    "plan",
                    f"I saw that {obs.description}, so I will {reaction}.",
                    4,
                    subjects=(obs.subject,),
                )
            ],
            now,
        )
        situation = f"{obs.description}; I decided to {reaction}"
        if cog.config.reactions == "choose":  # a gesture: a moment, then on with the step
            interject(agent, world, cog, reaction, situation)
        else:
            decompose(agent, world, cog, situation=situation)
    return False
