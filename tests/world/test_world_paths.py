"""Pathfinding, tile queries and opening hours on small hand-made grids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.clock import HOUR
from sim.world import NoPath, World, load_world

# A wall splits the top two rows; (7, 1) is a floor pocket walled in on all sides.
MAZE = "#########\n#a.#.b#.#\n#..#..###\n#.....###\n#########\n"


@pytest.fixture
def maze(tiny: dict[str, Any], write_world: Callable[[dict[str, Any]], Path]) -> World:
    tiny["grid"] = MAZE
    tiny["areas"][1]["arenas"][0]["objects"] = []
    return load_world(write_world(tiny))


def _assert_walk(world: World, start: tuple[int, int], route: list[tuple[int, int]]) -> None:
    prev = start
    for tile in route:
        assert world.walkable(tile)
        assert abs(tile[0] - prev[0]) + abs(tile[1] - prev[1]) == 1
        prev = tile


def test_shortest_path_goes_around_the_wall(maze: World) -> None:
    route = maze.path((1, 1), (5, 1))
    assert len(route) == 8  # Manhattan distance is 4, the wall forces a detour via row 3
    assert route[-1] == (5, 1) and (1, 1) not in route
    _assert_walk(maze, (1, 1), route)


def test_path_to_self_is_empty(maze: World) -> None:
    assert maze.path((2, 2), (2, 2)) == []


def test_no_path_into_enclosed_pocket_or_wall(maze: World) -> None:
    assert maze.walkable((7, 1))
    with pytest.raises(NoPath):
        maze.path((1, 1), (7, 1))
    with pytest.raises(ValueError):
        maze.path((1, 1), (0, 0))


def test_cached_path_is_not_corrupted_by_callers(maze: World) -> None:
    first = maze.path((1, 1), (5, 1))
    first.clear()
    assert len(maze.path((1, 1), (5, 1))) == 8


def test_tile_queries(tiny_world: World) -> None:
    assert tiny_world.arena_of((1, 1)) == "Home:Room"
    assert tiny_world.arena_of((2, 1)) is None  # street floor belongs to no place
    assert tiny_world.walkable((2, 1)) and not tiny_world.walkable((0, 0))
    assert not tiny_world.walkable((-1, 1)) and not tiny_world.walkable((99, 1))
    assert tiny_world.objects["Shop:Floor:shelf"].use_tile == (3, 1)
    assert tiny_world.objects["Home:Room:bed"].default_state == "idle"


def test_opening_hours_past_midnight(tiny_world: World) -> None:
    assert tiny_world.areas["Shop"].open_hours == (22 * HOUR, 2 * HOUR)
    assert tiny_world.is_open("Shop", 23 * HOUR)
    assert tiny_world.is_open("Shop", 1 * HOUR)
    assert not tiny_world.is_open("Shop", 12 * HOUR)


def test_entry_tile_is_the_central_tile(
    tiny: dict[str, Any], write_world: Callable[[dict[str, Any]], Path]
) -> None:
    tiny["grid"] = "#####\n#aaa#\n#aaa#\n#aaa#\n#.b.#\n#####\n"
    tiny["areas"][1]["arenas"][0]["objects"] = []
    world = load_world(write_world(tiny))
    assert world.entry_tile("Home:Room") == (2, 2)
    assert world.entry_tile("Shop:Floor") == (2, 4)


def test_paths_are_fast_on_a_big_grid(
    tiny: dict[str, Any], write_world: Callable[[dict[str, Any]], Path]
) -> None:
    width, height = 140, 100
    rows = ["#" * width]
    for y in range(1, height - 1):
        row = ["."] * width
        row[0] = row[-1] = "#"
        if y % 10 == 5:  # long walls with a gap at alternating ends
            gap = 2 if y % 20 == 5 else width - 3
            row[1:-1] = ["#"] * (width - 2)
            row[gap] = "."
        rows.append("".join(row))
    rows.append("#" * width)
    rows[1] = "#a" + rows[1][2:]
    rows[-2] = rows[-2][:-2] + "b#"
    tiny["grid"] = "\n".join(rows)
    tiny["areas"][1]["arenas"][0]["objects"] = []
    world = load_world(write_world(tiny))
    for x in range(1, 51):
        route = world.path((x, 1), (width - 2, height - 2))
        assert len(route) > width  # the walls force a zig-zag
