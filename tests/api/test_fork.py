"""Forks and snapshots: independent copies that share their past and never leak back."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from sim.simulation import Simulation
from sim.types import JSON
from sim.world.map import World

FACT = "The bridge on Willow Lane will be closed for repairs tomorrow."


@pytest.fixture
def parent(willow: World) -> Simulation:
    """Willow Lane on the fake LM, 40 game minutes in."""
    return Simulation.build(willow, lm="fake", seed=0).run(ticks=240)


def texts(sim: Simulation, agent: str) -> list[str]:
    """One agent's memory texts, oldest first."""
    return [r.text for r in sim.agents[agent].memory.records]


def whisper(sim: Simulation) -> None:
    sim.whisper("Maya Torres", FACT, importance=8)


def run_ticks(sim: Simulation) -> None:
    sim.run(ticks=30)


def close_cafe(sim: Simulation) -> None:
    sim.close_place("Juniper Cafe", reason="a burst pipe")


def cool_down(sim: Simulation) -> None:
    sim.agents["Maya Torres"].chat_after["Theo Okafor"] = 10**9


MUTATIONS: dict[str, Callable[[Simulation], None]] = {
    "memory": whisper,
    "plans and moves": run_ticks,
    "world": close_cafe,
    "cooldowns": cool_down,
}


def field_of(state: JSON, part: str) -> object:
    """The part of an engine state that a mutation changes."""
    maya = state["agents"]["Maya Torres"]
    return {
        "memory": maya["memory"],
        "plans and moves": (maya["schedule"], state["world"], state["tick"]),
        "world": state["policy"],
        "cooldowns": maya["chat_after"],
    }[part]


@pytest.mark.parametrize("part", list(MUTATIONS))
@pytest.mark.parametrize("changed", ["fork", "parent"])
def test_changing_one_copy_leaves_the_other_unchanged(
    parent: Simulation, part: str, changed: str
) -> None:
    fork = parent.fork()
    sibling = parent.fork()
    target, others = (fork, [parent, sibling]) if changed == "fork" else (parent, [fork, sibling])
    before = [o.engine.get_state() for o in others]
    mutated = target.engine.get_state()
    MUTATIONS[part](target)
    assert field_of(target.engine.get_state(), part) != field_of(mutated, part)
    for other, state in zip(others, before, strict=True):
        after = other.engine.get_state()
        assert field_of(after, part) == field_of(state, part)
        assert after == state


def test_lm_cache_and_stats_are_the_fork_own(parent: Simulation) -> None:
    fork = parent.fork()
    assert fork._lm._cache == parent._lm._cache and fork._lm._cache is not parent._lm._cache
    cache, stats = dict(parent._lm._cache), dict(parent.lm_stats)
    fork.whisper("Theo Okafor", FACT)  # importance rated by the LM: a new cache entry
    fork.run(ticks=60)
    assert fork.lm_stats["calls"] > stats["calls"]
    assert len(fork._lm._cache) > len(cache)
    assert parent._lm._cache == cache
    assert parent.lm_stats == stats
    fork_cache, fork_stats = dict(fork._lm._cache), dict(fork.lm_stats)
    parent.run(ticks=90)
    assert fork._lm._cache == fork_cache
    assert fork.lm_stats == fork_stats


def test_fork_streams_hold_the_parent_segments_themselves(parent: Simulation) -> None:
    fork = parent.fork()
    for name, agent in parent.agents.items():
        mine, theirs = fork.agents[name].memory._segments, agent.memory._segments
        assert len(mine) == len(theirs) > 0
        assert all(a is b for a, b in zip(mine, theirs, strict=True))


def test_memories_added_on_either_side_stay_there(parent: Simulation) -> None:
    past = texts(parent, "Maya Torres")
    fork = parent.fork()
    fork.whisper("Maya Torres", FACT, importance=8)
    parent.whisper("Maya Torres", "The library is hosting a quiz night.", importance=6)
    assert texts(fork, "Maya Torres") == [*past, FACT]
    assert texts(parent, "Maya Torres") == [*past, "The library is hosting a quiz night."]


def test_a_fork_of_a_fork_shares_and_stays_apart(parent: Simulation) -> None:
    child = parent.fork().run(ticks=60)
    grandchild, twin = child.fork(), child.fork()
    for name, agent in child.agents.items():
        shared = grandchild.agents[name].memory._segments
        assert all(a is b for a, b in zip(shared, agent.memory._segments, strict=True))
        assert parent.agents[name].memory._segments[0] is shared[0]
    child_state, parent_state = child.engine.get_state(), parent.engine.get_state()
    grandchild.whisper("Eleanor Hale", FACT, importance=5).run(ticks=60)
    assert FACT in texts(grandchild, "Eleanor Hale")
    assert child.engine.get_state() == child_state
    assert parent.engine.get_state() == parent_state
    assert twin.run(ticks=60).digest == child.run(ticks=60).digest


def test_parent_and_fork_run_to_the_same_digest(parent: Simulation) -> None:
    fork = parent.fork()
    assert fork.digest == parent.digest
    assert fork.run(ticks=300).digest == parent.run(ticks=300).digest
    assert fork.engine.get_state() == parent.engine.get_state()


def test_a_fork_with_its_own_seed_diverges(parent: Simulation) -> None:
    same = parent.fork().run(ticks=300).digest
    other = parent.fork(seed=99).run(ticks=300)
    assert other.engine.seed == 99
    assert other.digest != same
    assert parent.run(ticks=300).digest == same


def test_restoring_a_snapshot_replays_the_same_future(parent: Simulation) -> None:
    snap = parent.snapshot()
    state = parent.engine.get_state()
    first = parent.run(ticks=200).digest
    for _ in range(2):  # a second restore catches a first one that let the snapshot be written
        parent.restore(snap)
        assert parent.tick == snap.tick
        assert parent.engine.get_state() == state
        assert parent.run(ticks=200).digest == first
    assert snap.to_json() == state


def test_snapshot_json_is_the_engine_state_of_that_moment(parent: Simulation) -> None:
    parent.whisper("Theo Okafor", FACT, importance=4)
    snap = parent.snapshot()
    state = parent.engine.get_state()
    assert snap.to_json() == state
    parent.run(ticks=120)  # retrieval touches access times, new memories are appended
    assert parent.engine.get_state() != state
    assert snap.to_json() == state


def test_state_through_json_continues_with_the_same_digest(
    parent: Simulation, willow: World
) -> None:
    fresh = Simulation.build(willow, lm="fake", seed=0)
    fresh.engine.set_state(json.loads(json.dumps(parent.engine.get_state())))
    assert fresh.engine.get_state() == parent.engine.get_state()
    assert fresh.tick == parent.tick
    assert fresh.run(ticks=300).digest == parent.run(ticks=300).digest


def test_repeated_snapshots_keep_memory_arrays_proportional(parent: Simulation) -> None:
    for _ in range(16):  # as a recorded run's hourly checkpoints do
        parent.run(ticks=40)
        parent.snapshot()
    for agent in parent.agents.values():
        assert len(agent.memory._access) < 2 * len(agent.memory) + 16
