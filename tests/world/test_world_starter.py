"""The shipped Willow Lane world and its personas load and form one connected, usable place."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from sim.clock import HOUR
from sim.persona import load_personas
from sim.world import load_world
from sim.world.spec import WorldSpec

WILLOW = Path(__file__).resolve().parents[2] / "worlds" / "willow"


def test_willow_loads_with_documented_settings() -> None:
    world = load_world(WILLOW)
    assert world.name == "Willow Lane"
    assert (world.tick_seconds, world.start, world.reflection_budget) == (10, 7 * HOUR, 100)
    assert 30 <= world.width <= 50 and 18 <= world.height <= 30
    kinds = {a.kind for a in world.areas.values()}
    assert {"home", "cafe", "park", "library"} <= kinds
    assert sum(a.kind == "home" for a in world.areas.values()) >= 2


def test_loading_the_yaml_path_equals_loading_the_directory() -> None:
    assert load_world(WILLOW / "world.yaml").spec == load_world(WILLOW).spec


def test_every_arena_reachable_from_every_other() -> None:
    world = load_world(WILLOW)
    entries = [world.entry_tile(a) for a in world.arenas]
    for a, b in itertools.combinations(entries, 2):
        route = world.path(a, b)
        assert route[-1] == b


def test_entry_tiles_are_walkable_tiles_of_their_arena() -> None:
    world = load_world(WILLOW)
    for path, arena in world.arenas.items():
        tile = world.entry_tile(path)
        assert world.walkable(tile)
        assert world.arena_of(tile) == path
        assert tile in arena.tiles


def test_objects_are_used_from_a_walkable_tile_of_their_arena() -> None:
    world = load_world(WILLOW)
    for obj in world.objects.values():
        assert world.walkable(obj.use_tile), obj.key
        assert world.arena_of(obj.use_tile) == obj.arena, obj.key
        assert obj.key in world.arenas[obj.arena].objects


def test_wall_mounted_object_is_used_from_the_adjacent_floor() -> None:
    world = load_world(WILLOW)
    board = world.objects["Juniper Cafe:Seating:noticeboard"]
    assert not world.walkable(board.tile)
    dx, dy = board.tile[0] - board.use_tile[0], board.tile[1] - board.use_tile[1]
    assert abs(dx) + abs(dy) == 1


def test_cafe_hours() -> None:
    world = load_world(WILLOW)
    assert world.is_open("Juniper Cafe", 7 * HOUR)
    assert not world.is_open("Juniper Cafe", 5 * HOUR)
    assert world.is_open("Juniper Cafe", 24 * HOUR + 7 * HOUR)  # day 2, same hours
    assert world.is_open("Willow Park", 3 * HOUR)  # no hours: always open


def test_layers_and_spec_are_json_a_viewer_and_replay_can_use() -> None:
    world = load_world(WILLOW)
    layers = json.loads(json.dumps(world.layers_json()))
    assert len(layers["grid"]) == layers["height"] == world.height
    assert all(len(row) == layers["width"] for row in layers["grid"])
    assert set("".join(layers["grid"])) <= set(layers["legend"])
    assert {o["key"] for o in layers["objects"]} == set(world.objects)
    spec = json.loads(json.dumps(world.spec_json()))
    assert WorldSpec.model_validate(spec) == world.spec


def test_willow_personas_know_each_other_and_live_in_the_world() -> None:
    world = load_world(WILLOW)
    assert world.personas_path is not None
    people = load_personas(world.personas_path, world)
    names = {p.name for p in people}
    assert len(people) == 3
    for p in people:
        assert 10 <= len(p.memories) <= 15
        assert {r.name for r in p.relationships} == names - {p.name}
        assert p.home in world.arenas and p.start_arena in world.arenas
        assert json.loads(json.dumps(p.to_json()))["name"] == p.name
    # Someone is at the cafe when the day starts, so morning visitors meet them.
    assert any(p.start_arena.startswith("Juniper Cafe:") for p in people)
