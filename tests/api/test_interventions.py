"""Interventions through the Simulation: who hears what, closures, personas, schedules, errors."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from sim.clock import parse_time_of_day
from sim.errors import SimInputError
from sim.memory.retrieval import retrieve
from sim.simulation import Simulation
from sim.world.map import World

ELEANOR, MAYA, THEO = "Eleanor Hale", "Maya Torres", "Theo Okafor"
FACT = "The river ferry stops running after the storm on Friday."


def build(world: World, seed: int = 0) -> Simulation:
    """Willow Lane on the fake LM."""
    return Simulation.build(world, lm="fake", seed=seed)


def holders(sim: Simulation, text: str) -> dict[str, list[int]]:
    """For each agent that remembers `text`, the importances of those memories."""
    found = {
        name: [r.importance for r in agent.memory.records if r.text == text]
        for name, agent in sim.agents.items()
    }
    return {name: marks for name, marks in found.items() if marks}


def area(place: object) -> str | None:
    """The area of a recorded place (None outdoors)."""
    return place.split(":", 1)[0] if isinstance(place, str) else None


def visited(positions: pd.DataFrame, where: str) -> set[str]:
    """Agents recorded anywhere in area `where`."""
    return set(positions[positions["place"].map(area) == where]["agent"])


def test_whisper_reaches_exactly_the_named_agents_and_is_retrieved_first(
    willow: World,
) -> None:
    sim = build(willow).run(ticks=120)
    sim.whisper([MAYA, THEO], FACT, importance=9)
    assert holders(sim, FACT) == {MAYA: [9], THEO: [9]}
    config = sim.engine.cog.config.retrieval
    for name in (MAYA, THEO):
        top = retrieve(sim.agents[name].memory, FACT, sim.now, config, refresh=False)
        assert top[0].record.text == FACT


def test_whisper_without_importance_is_rated_by_the_lm(willow: World) -> None:
    sim = build(willow).run(ticks=10)
    calls = sim.lm_stats["calls"]
    sim.whisper(ELEANOR, FACT)
    assert list(holders(sim, FACT)) == [ELEANOR]
    assert sim.lm_stats["calls"] == calls + 1


def test_broadcast_without_a_place_reaches_everyone(willow: World) -> None:
    sim = build(willow).run(ticks=30)
    sim.broadcast(FACT, importance=7)
    assert holders(sim, FACT) == {name: [7] for name in sim.agents}


def test_broadcast_at_a_place_reaches_those_there_and_arrivals_in_the_window(
    willow: World,
) -> None:
    # With seed 1, Maya starts at the cafe counter, Theo walks in about 07:36 and Eleanor
    # only at about 09:03: the 07:45 window takes in Theo but not Eleanor.
    once = build(willow, seed=1)
    once.broadcast(FACT, place="Juniper Cafe", importance=6)
    assert holders(once, FACT) == {MAYA: [6]}
    windowed = build(willow, seed=1)
    windowed.broadcast(FACT, place="Juniper Cafe", until="07:45", importance=6)
    windowed.run(until="day 1 10:00")
    positions = windowed.frames()["positions"]
    at_cafe = positions[positions["place"].map(area) == "Juniper Cafe"]
    arrived = at_cafe.groupby("agent")["time"].min()
    assert arrived[MAYA] == willow.start
    assert willow.start < arrived[THEO] <= parse_time_of_day("07:45") < arrived[ELEANOR]
    assert holders(windowed, FACT) == {MAYA: [6], THEO: [6]}
    once.run(until="day 1 10:00")
    assert holders(once, FACT) == {MAYA: [6]}


def test_broadcast_at_an_arena_reaches_only_that_arena(willow: World) -> None:
    sim = build(willow)
    sim.broadcast(FACT, place="Juniper Cafe:Seating", importance=6)
    assert holders(sim, FACT) == {}  # Maya is at the counter, not the seating


def test_a_closed_place_stays_empty_and_its_rule_enters_every_prompt(willow: World) -> None:
    open_run = build(willow).run(hours=3)
    assert visited(open_run.frames()["positions"], "Willow Park")  # someone goes when open
    sim = build(willow)
    sim.close_place("Willow Park", reason="Storm damage")
    start = sim.tick
    sim.run(hours=3)
    positions = sim.frames()["positions"]
    assert not visited(positions[positions["tick"] >= start], "Willow Park")
    for agent in sim.agents.values():
        assert "Willow Park is closed. Storm damage." in agent.identity()
    assert sim.engine.policy.closed == {"Willow Park"}


def test_set_persona_changes_the_agent_and_survives_fork_and_state(willow: World) -> None:
    sim = build(willow).run(ticks=60)
    sim.set_persona(MAYA, current_status="Maya is training a new barista this week.")
    status = "Maya is training a new barista this week."
    assert sim.agents[MAYA].persona.current_status == status
    assert status in sim.agents[MAYA].identity()
    assert sim.agents[THEO].persona.current_status != status
    fork = sim.fork()
    assert fork.agents[MAYA].persona.current_status == status
    fresh = build(willow)
    fresh.engine.set_state(sim.engine.get_state())
    assert fresh.agents[MAYA].persona.current_status == status
    assert fresh.run(ticks=60).digest == sim.run(ticks=60).digest


def test_a_scheduled_intervention_applies_at_its_time_not_before(willow: World) -> None:
    sim = build(willow)
    sim.whisper(THEO, FACT, importance=5, at="day 1 07:30")
    assert holders(sim, FACT) == {}
    sim.run(until="day 1 07:29")
    assert holders(sim, FACT) == {}
    sim.run(until="day 1 07:31")
    assert holders(sim, FACT) == {THEO: [5]}
    events = sim.frames()["events"]
    applied = events[events["kind"] == "intervention"]
    assert len(applied) == 1
    assert applied.iloc[0]["time"] == parse_time_of_day("day 1 07:30")
    assert "whisper to Theo Okafor" in applied.iloc[0]["data"]["description"]


def test_an_immediate_intervention_is_an_event_too(willow: World) -> None:
    sim = build(willow).run(ticks=20)
    sim.add_rule("Dogs must be on a lead in the park.")
    events = sim.frames()["events"]
    applied = events[events["kind"] == "intervention"]
    assert list(applied["data"].map(lambda d: d["intervention"])) == ["rule"]
    assert all("Dogs must be on a lead" in a.identity() for a in sim.agents.values())


BAD: dict[str, Callable[[Simulation], object]] = {
    "whisper to a stranger": lambda s: s.whisper([MAYA, "Nobody Here"], FACT, importance=3),
    "broadcast at nowhere": lambda s: s.broadcast(FACT, place="Atlantis", importance=3),
    "broadcast window without a place": lambda s: s.broadcast(FACT, until="09:00"),
    "close nowhere": lambda s: s.close_place("Atlantis"),
    "hours of nowhere": lambda s: s.set_hours("Atlantis", "08:00", "17:00"),
    "persona of a stranger": lambda s: s.set_persona("Nobody Here", current_status="x"),
    "persona field unknown": lambda s: s.set_persona(MAYA, favourite_colour="green"),
    "scheduled for a stranger": lambda s: s.whisper("Nobody Here", FACT, at="day 1 09:00"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_unknown_names_fail_before_anything_changes(willow: World, case: str) -> None:
    sim = build(willow).run(ticks=30)
    state, stats = sim.engine.get_state(), dict(sim.lm_stats)
    with pytest.raises(SimInputError):
        BAD[case](sim)
    assert sim.engine.get_state() == state
    assert sim.lm_stats == stats
    assert sim.engine.scheduled == []


def test_unknown_names_on_a_fresh_build_change_nothing(willow: World) -> None:
    sim = build(willow)
    state = sim.engine.get_state()
    with pytest.raises(SimInputError):
        sim.whisper("Nobody Here", FACT, importance=3)
    assert sim.lm_stats["calls"] == 0
    assert sim.engine.get_state() == state


@pytest.mark.parametrize("importance", [0, 11])
def test_an_out_of_range_importance_is_a_one_line_error(willow: World, importance: int) -> None:
    sim = build(willow).run(ticks=10)
    with pytest.raises(SimInputError):
        sim.whisper(MAYA, FACT, importance=importance)


def test_scheduled_interventions_survive_fork_and_json_state(willow: World) -> None:
    sim = build(willow).run(ticks=60)
    sim.whisper(THEO, FACT, importance=5, at="day 1 07:30")
    fork = sim.fork()
    fresh = build(willow)
    fresh.engine.set_state(sim.engine.get_state())
    for copy in (sim, fork, fresh):
        copy.run(until="day 1 07:31")
        assert holders(copy, FACT) == {THEO: [5]}
    assert fork.digest == sim.digest == fresh.digest


def test_a_bare_time_of_day_means_its_next_occurrence(willow: World) -> None:
    sim = build(willow)
    sim.engine.tick = sim.engine.clock.ticks_for(parse_time_of_day("day 2 10:00") - sim.now)
    sim.whisper(MAYA, FACT, importance=5, at="09:00")  # already past today: tomorrow at 09:00
    sim.whisper(THEO, FACT, importance=5, at="11:00")  # later today
    times = sorted(s.time for s in sim.engine.scheduled)
    assert times == [parse_time_of_day("day 2 11:00"), parse_time_of_day("day 3 09:00")]
