"""Perception: what one agent notices of the world state, a pure function of that state."""

from __future__ import annotations

import math

from sim.types import Observation
from sim.world.map import World
from sim.world.state import WorldState


def perceive(
    world: World, state: WorldState, agent: str, radius: int, attention: int
) -> list[Observation]:
    """Agents and in-use objects within `radius` tiles, the `attention` nearest first."""
    here = state.frames[agent].tile
    seen: list[Observation] = []
    for name, frame in sorted(state.frames.items()):
        if name == agent:
            continue
        d = math.dist(here, frame.tile)
        if d <= radius:
            where = f" at {frame.place}" if frame.place else ""
            seen.append(Observation(name, f"{name} is {frame.action}{where}", frame.tile, d, True))
    for key, text in sorted(state.objects.items()):
        obj = world.objects[key]
        d = math.dist(here, obj.tile)
        if d <= radius:
            seen.append(
                Observation(key, f"The {obj.name} in {obj.arena} is {text}", obj.tile, d, False)
            )
    seen.sort(key=lambda o: (o.distance, o.subject))
    return seen[:attention]
