"""One agent's decision for one tick: perceive, plan if needed, react, reflect, then act.

Deciding touches only the deciding agent's own state, so agents can decide in parallel; the
engine applies the resulting moves and conversations afterwards in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.agent import Agent
from sim.clock import DAY
from sim.cognition import reflect
from sim.cognition.context import Cognition
from sim.cognition.importance import flush
from sim.cognition.plan import decompose, plan_day, revision_due, start_day
from sim.cognition.react import consider, eligible
from sim.types import Observation
from sim.world.map import World
from sim.world.policy import Policy
from sim.world.state import Move

APPROACH_SECONDS = 10 * 60  # how long an agent keeps walking towards someone to talk


@dataclass(frozen=True)
class Decision:
    """What the agent wants this tick: a move, and possibly someone to talk to."""

    move: Move
    talk_to: str | None = None


def sleep_move(agent: Agent, world: World) -> Move:
    """Go to bed (or the home's entry tile) and sleep."""
    home = agent.persona.home
    beds = [k for k in world.arenas[home].objects if "bed" in world.objects[k].name.lower()]
    if beds:
        return Move(agent.name, world.objects[beds[0]].use_tile, "sleeping", "😴", beds[0])
    return Move(agent.name, world.entry_tile(home), "sleeping", "😴", None)


def step_move(agent: Agent, world: World, now: int, policy: Policy) -> Move:
    """Walk to the current step's object or place and do it; a closed place sends one home.

    Staff may enter their workplace outside its hours, but not one a policy has closed.
    """
    step = agent.schedule.step_at(now)
    assert step is not None  # decide() always lays down a step first
    area = step.place.split(":", 1)[0]
    home = agent.persona.home.split(":", 1)[0]
    staff = {home, (agent.persona.workplace or "").split(":")[0]}
    shut = area in policy.closed and area != home
    if shut or (area not in staff and not policy.is_open(world, area, now % DAY)):
        return Move(
            agent.name,
            world.entry_tile(agent.persona.home),
            f"going home because {area} is closed",
            "🚶",
            None,
        )
    if step.object:
        return Move(
            agent.name, world.objects[step.object].use_tile, step.action, step.emoji, step.object
        )
    return Move(agent.name, world.entry_tile(step.place), step.action, step.emoji, None)


def decide(
    agent: Agent,
    observations: list[Observation],
    available: frozenset[str],
    world: World,
    cog: Cognition,
    policy: Policy | None = None,
) -> Decision:
    """Everything one agent thinks this tick; LM calls happen only at decision points."""
    now = cog.now
    if not agent.awake(now):
        flush(agent, cog, force=True)
        return Decision(sleep_move(agent, world))
    if agent.schedule.day != agent.day_of(now):
        start_day(agent, world, cog)
    elif revision_due(agent, now):
        plan_day(agent, world, cog)
    fresh = agent.notice(observations, now)
    for obs in fresh:
        if obs.subject in world.objects:
            agent.known_places.add(world.objects[obs.subject].arena)
    if agent.schedule.step_at(now) is None:
        decompose(agent, world, cog)
    talk_to = None
    salient = [o for o in fresh if eligible(agent, o, available, now)]
    if salient and agent.approach is None:
        target = salient[0]
        if consider(agent, target, agent.chat_after.get(target.subject, 0) <= now, world, cog):
            agent.approach = (target.subject, now + APPROACH_SECONDS)
    flush(agent, cog)
    if reflect.due(agent, cog):
        reflect.reflect(agent, cog)
    move = step_move(agent, world, now, policy or Policy())
    if agent.approach is not None:
        talk_to, move = approach(agent, observations, available, move, now, cog)
    return Decision(move, talk_to)


def approach(
    agent: Agent,
    observations: list[Observation],
    available: frozenset[str],
    move: Move,
    now: int,
    cog: Cognition,
) -> tuple[str | None, Move]:
    """Walk over to the person the agent wants to talk to; talk once within range.

    The agent gives up when the other person is out of sight, busy, or not reached in time.
    """
    assert agent.approach is not None
    name, give_up = agent.approach
    seen = next((o for o in observations if o.is_agent and o.subject == name), None)
    if seen is None or name not in available or now > give_up:
        agent.approach = None
        return None, move
    if seen.distance <= cog.config.talk_range:
        agent.approach = None
        return name, move
    goal = f"talk with {name}"
    return None, Move(agent.name, seen.tile, goal, "💬", None, walking=f"going over to {goal}")
