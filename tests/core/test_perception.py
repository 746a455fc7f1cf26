"""Perception through the spatial index sees exactly what comparing every pair of agents sees."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from sim.perception import perceive
from sim.types import Observation
from sim.world.map import World
from sim.world.state import Frame, WorldState


def perceive_pairwise(
    world: World, state: WorldState, agent: str, radius: int, attention: int
) -> list[Observation]:
    """The oracle: the pre-index implementation, which compares the agent with everyone."""
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


def scatter(world: World, state: WorldState, rng: np.random.Generator, agents: int) -> None:
    """Put `agents` agents on random walkable tiles (several may share one) and mark a random
    half of the objects in use."""
    tiles = sorted({t for a in world.arenas.values() for t in a.tiles})
    for i in range(agents):
        tile = tiles[int(rng.integers(len(tiles)))]
        state.frames[f"Agent {i:03d}"] = Frame(tile, f"doing {i}", "🙂", world.arena_of(tile), None)
    keys = sorted(world.objects)
    state.objects = {k: f"in use ({k})" for k in keys if rng.random() < 0.5}


@pytest.mark.parametrize("seed", range(6))
def test_indexed_perception_matches_the_pairwise_scan(willow: World, seed: int) -> None:
    rng = np.random.default_rng(seed)
    state = WorldState()
    scatter(willow, state, rng, agents=int(rng.integers(2, 120)))
    for radius, attention in ((1, 3), (4, 5), (6, 5), (9, 40), (30, 1000)):
        for name in state.frames:
            got = perceive(willow, state, name, radius, attention)
            assert got == perceive_pairwise(willow, state, name, radius, attention)


def test_the_index_follows_moves_made_after_it_was_built(willow: World) -> None:
    rng = np.random.default_rng(7)
    state = WorldState()
    scatter(willow, state, rng, agents=40)
    names = sorted(state.frames)
    perceive(willow, state, names[0], 6, 5)  # builds the index
    for name in names[:20]:  # move half the agents onto the first agent's tile
        state.frames[name] = Frame(state.frames[names[0]].tile, "arrived", "🙂", None, None)
    del state.frames[names[-1]]
    state.objects.pop(next(iter(state.objects)))
    for name in names[:-1]:
        assert perceive(willow, state, name, 6, 50) == perceive_pairwise(willow, state, name, 6, 50)
    copy = pickle.loads(pickle.dumps(state))  # executors ship state to workers
    copy.frames[names[1]] = Frame((0, 0), "gone", "🙂", None, None)
    assert perceive(willow, copy, names[0], 6, 50) == perceive_pairwise(
        willow, copy, names[0], 6, 50
    )


def test_a_frame_round_trips_through_json_with_every_field() -> None:
    frame = Frame((3, 4), "reading", "📖", "Cafe:Counter", "Cafe:Counter:stool", "hello")
    data = frame.to_json()
    assert set(data) == set(Frame.__dataclass_fields__)
    assert Frame.from_json(data) == frame
