"""Every shipped world and persona set loads, runs, and is a usable place for a social simulation.

The town (worlds/town, Millbrook) is checked for Smallville scale: size, places, people, one
connected map and one connected social graph. Routines are checked the way the planner uses them:
a routine item at another household's home or at a place that is closed then is silently lost.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import networkx as nx
import pytest

from sim.clock import DAY, parse_time_of_day
from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import FakeLM
from sim.persona import Persona, load_personas
from sim.world import World, load_world

ROOT = Path(__file__).resolve().parents[2]
WORLDS = sorted(p.parent.name for p in (ROOT / "worlds").glob("*/world.yaml"))
TOWN = "town"


@cache
def world(name: str) -> World:
    return load_world(ROOT / "worlds" / name)


@cache
def people(name: str) -> tuple[Persona, ...]:
    w = world(name)
    assert w.personas_path is not None, f"worlds/{name} names no default persona set"
    return tuple(load_personas(w.personas_path, w))


def social_graph(personas: tuple[Persona, ...]) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(p.name for p in personas)
    graph.add_edges_from((p.name, r.name) for p in personas for r in p.relationships)
    return graph


def test_the_shipped_worlds_include_the_town_and_a_second_kind_of_world() -> None:
    assert TOWN in WORLDS
    assert len(WORLDS) >= 3  # willow, town and at least one other


@pytest.mark.parametrize("name", WORLDS)
def test_world_and_personas_load_and_run_a_few_seeded_ticks(name: str) -> None:
    w, ps = world(name), list(people(name))
    engine = Engine(w, ps, FakeLM(0), HashEmbedder(), seed=0)
    for _ in range(30):
        engine.step()
    assert engine.tick == 30
    assert set(engine.state.frames) == {p.name for p in ps}
    assert all(w.walkable(f.tile) for f in engine.state.frames.values())


@pytest.mark.parametrize("name", WORLDS)
def test_social_graph_is_one_connected_component(name: str) -> None:
    graph = social_graph(people(name))
    assert nx.is_connected(graph), list(nx.connected_components(graph))


@pytest.mark.parametrize("name", WORLDS)
def test_homes_and_routine_places_exist_and_routines_are_usable(name: str) -> None:
    w = world(name)
    for p in people(name):
        assert p.home in w.arenas
        assert w.areas[p.home.split(":", 1)[0]].kind == "home", p.name
        own_home = p.home.split(":", 1)[0]
        staff = {own_home, (p.workplace or "").split(":", 1)[0]}
        times = [item.at for item in p.routine]
        assert times == sorted(times), f"{p.name}: routine out of order"
        for item in p.routine:
            assert item.place in w.arenas, f"{p.name}: {item.place}"
            area = item.place.split(":", 1)[0]
            # The planner only offers public places and one's own home.
            assert w.areas[area].kind != "home" or area == own_home, f"{p.name}: {item.place}"
            # Non-staff sent to a closed place turn round and go home.
            if area not in staff:
                at = parse_time_of_day(item.at) % DAY
                assert w.is_open(area, at), f"{p.name}: {area} is closed at {item.at}"


def test_town_is_smallville_scale() -> None:
    w = world(TOWN)
    assert w.width >= 100 and w.height >= 70
    assert len(w.areas) >= 15
    kinds = {a.kind for a in w.areas.values()}
    assert {"home", "cafe", "shop", "park", "library", "school", "bar", "townhall"} <= kinds
    assert (w.tick_seconds, w.start) == (10, 7 * 3600)
    assert len(people(TOWN)) == 25
    # some households are shared: families, couples, roommates in the apartments and the dorm
    homes = [p.home.split(":", 1)[0] for p in people(TOWN)]
    assert max(homes.count(h) for h in homes) >= 3
    assert sum(a.kind == "home" for a in w.areas.values()) >= 8


def test_every_town_arena_is_reachable_from_the_cafe() -> None:
    w = world(TOWN)
    start = w.entry_tile("Bluebird Cafe:Counter")
    for arena in w.arenas:
        goal = w.entry_tile(arena)
        route = w.path(start, goal)  # raises NoPath if walled in
        assert route[-1] == goal if route else start == goal


def test_town_personas_are_full_people() -> None:
    ps = people(TOWN)
    ages = sorted(p.age for p in ps)
    assert ages[0] < 22 and ages[-1] >= 70  # students to retirees
    assert len({p.occupation for p in ps}) == len(ps)
    for p in ps:
        assert 6 <= len(p.routine) <= 9, p.name
        assert 10 <= len(p.memories) <= 30, p.name
        assert len(p.relationships) >= 3, p.name
        assert p.values and p.household, p.name
        if p.workplace:
            assert p.workplace in world(TOWN).areas or p.workplace in world(TOWN).arenas
    density = nx.density(social_graph(ps))
    assert 0.15 <= density <= 0.3, density


def test_town_storylines_start_with_few_people_in_the_know() -> None:
    """The party and the candidacy are seeded in memories of only two or three people."""

    def knowers(*words: str, about: str = "") -> set[str]:
        return {
            p.name
            for p in people(TOWN)
            if any(about in m and any(w in m for w in words) for m in p.memories)
        }

    assert knowers("surprise 75th birthday party") == {"Ruth Hartley", "Sam Adeyemi"}
    candidacy = knowers("running for", "filed", "candidacy", about="Emmanuel")
    assert candidacy | {"Emmanuel Asante"} == {"Emmanuel Asante", "Beatrice Asante", "Hana Sato"}
    assert knowers("secretly signed") == {"George Brooks", "Aisha Rahman"}
