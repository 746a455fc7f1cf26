"""Perception: what one agent notices of the world state, a pure function of that state.

Candidates come from the state's spatial index (grid cells within the vision radius), so a tick
costs O(agents x neighbours), not O(agents²); only the `attention` nearest get a description.
"""

from __future__ import annotations

import heapq

from sim.types import Observation
from sim.world.map import World
from sim.world.state import WorldState

AGENT, OBJECT = 0, 1  # at equal distance and subject, agents come first


def perceive(
    world: World, state: WorldState, agent: str, radius: int, attention: int
) -> list[Observation]:
    """Agents and in-use objects within `radius` tiles, the `attention` nearest first.

    Ties in distance go to the alphabetically first subject.
    """
    here = state.frames[agent].tile
    agents, objects = state.grids(world, radius)
    near = [(d, name, AGENT) for d, name in agents.within(here, radius) if name != agent]
    own = state.frames[agent].object  # what the agent itself is using is not news to it
    near.extend((d, key, OBJECT) for d, key in objects.within(here, radius) if key != own)
    seen = []
    for d, subject, kind in heapq.nsmallest(attention, near):
        if kind == AGENT:
            frame = state.frames[subject]
            where = f" at {frame.place}" if frame.place else ""
            text = f"{subject} is {frame.action}{where}"
            seen.append(Observation(subject, text, frame.tile, d, True))
        else:
            obj = world.objects[subject]
            text = f"The {obj.name} in {obj.arena} is {state.objects[subject]}"
            seen.append(Observation(subject, text, obj.tile, d, False))
    return seen
