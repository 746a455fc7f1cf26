"""Resets: agents' minds go back to their seed or a snapshot while the world goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sim.errors import SimInputError
from sim.simulation import Simulation
from sim.world.map import World

MAYA = "Maya Torres"


@pytest.fixture
def sim(willow: World) -> Simulation:
    """Willow Lane on the fake LM, an hour and a half in."""
    return Simulation.build(willow, lm="fake", seed=4).run(ticks=540)


def test_reset_to_seed_returns_one_agent_and_leaves_the_others(sim: Simulation) -> None:
    assert sim._seed_state is not None
    seed = sim._seed_state.to_json()["agents"][MAYA]
    others = {n: a.get_state() for n, a in sim.agents.items() if n != MAYA}
    world, tick = sim.engine.state.get_state(), sim.tick
    assert sim.agents[MAYA].get_state() != seed
    sim.reset(MAYA, to="seed")
    assert sim.agents[MAYA].get_state() == seed
    assert {n: a.get_state() for n, a in sim.agents.items() if n != MAYA} == others
    assert sim.tick == tick
    assert sim.engine.state.get_state() == world
    sim.run(ticks=60)
    assert sim.tick == tick + 60


def test_reset_to_a_snapshot_returns_every_agent(sim: Simulation) -> None:
    snap = sim.snapshot()
    sim.run(ticks=300)
    tick, frames = sim.tick, sim.engine.state.get_state()["frames"]
    sim.reset(to=snap)
    assert {n: a.get_state() for n, a in sim.agents.items()} == snap.to_json()["agents"]
    assert sim.tick == tick
    assert sim.engine.state.get_state()["frames"] == frames
    events = sim.frames()["events"]
    assert set(events[events["kind"] == "reset"]["agent"]) == set(sim.agents)


def test_reset_rejects_an_unknown_agent_or_target(sim: Simulation) -> None:
    state = sim.engine.get_state()
    with pytest.raises(SimInputError):
        sim.reset("Nobody Here")
    with pytest.raises(SimInputError):
        sim.reset(MAYA, to="yesterday")
    assert sim.engine.get_state() == state


def test_memories_after_a_reset_are_recorded_as_a_new_generation(
    willow: World, tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    sim = Simulation.build(willow, lm="fake", seed=4, db=db).run(ticks=360)
    seeds = len(sim._seed_state.memories[MAYA]) if sim._seed_state else 0
    sim.reset(MAYA, to="seed")
    assert len(sim.agents[MAYA].memory) == seeds
    sim.run(ticks=360)
    sim.close()
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT generation, count(*), min(id) FROM memory WHERE agent = ? GROUP BY generation",
            (MAYA,),
        ).fetchall()
        others = con.execute(
            "SELECT DISTINCT generation FROM memory WHERE agent != ?", (MAYA,)
        ).fetchall()
    by_generation = {g: (n, first) for g, n, first in rows}
    assert set(by_generation) == {0, 1}
    assert by_generation[1][0] > 0
    assert by_generation[1][1] == seeds  # ids go on from the seed memories, under generation 1
    assert others == [(0,)]


def test_a_reset_in_a_fork_leaves_the_parent_alone(sim: Simulation) -> None:
    fork = sim.fork()
    state = sim.engine.get_state()
    fork.reset(MAYA, to="seed")
    assert sim.engine.get_state() == state
    assert len(fork.agents[MAYA].memory) < len(sim.agents[MAYA].memory)
    fork_state = fork.engine.get_state()
    sim.reset(to="seed")
    assert fork.engine.get_state() == fork_state


def test_a_world_reset_also_undoes_interventions(willow: World) -> None:
    sim = Simulation.build(willow, lm="fake", seed=2).run(ticks=20)
    start = sim.snapshot()
    sim.add_rule("Masks are required in shops.")
    sim.close_place("Juniper Cafe")
    sim.set_persona("Maya Torres", current_status="worried about the new rule")
    sim.whisper("Theo Okafor", "The library closes early today.", importance=4, at="day 1 12:00")
    sim.run(ticks=10)
    sim.reset(to=start, world=True)
    assert sim.engine.policy.get_state() == start.engine.state["policy"]
    assert sim.engine.scheduled == []
    assert "Masks" not in sim.agents["Theo Okafor"].identity()
    assert sim.agents["Maya Torres"].persona == sim.engine.personas["Maya Torres"]
    assert sim.tick == 30  # time goes on


def test_frames_since_a_tick_hold_only_what_happened_after_it(willow: World) -> None:
    sim = Simulation.build(willow, lm="fake", seed=2).run(ticks=60)
    start = sim.snapshot()
    sim.run(ticks=60)
    sim.reset(to=start)
    sim.run(ticks=30)
    frames = sim.frames(since=120)
    assert (frames["events"]["tick"] >= 120).all() and (frames["lm_calls"]["tick"] >= 120).all()
    first = frames["positions"].groupby("agent")["tick"].min()
    assert set(first.index) == set(sim.agents) and (first < 120).all()  # where each one stood
    remembered = frames["memories"].groupby("agent").size().to_dict()
    assert remembered == {name: len(a.memory) for name, a in sim.agents.items()}
