"""The per-goal breadth-first router against networkx's shortest paths on random grids."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from sim.types import Tile
from sim.world.paths import Router, Unreachable


def _random_floor(rng: random.Random, width: int, height: int, walls: float) -> set[Tile]:
    return {(x, y) for x in range(width) for y in range(height) if rng.random() > walls}


@pytest.mark.parametrize("seed", range(6))
def test_walks_are_shortest_and_agree_with_networkx_on_reachability(seed: int) -> None:
    rng = random.Random(seed)
    floor = _random_floor(rng, 30, 20, walls=0.3)
    graph = nx.grid_2d_graph(30, 20).subgraph(floor)
    router = Router(floor, trees=4)  # a small cache, so trees are evicted and rebuilt
    tiles = sorted(floor)
    for _ in range(200):
        start, goal = rng.choice(tiles), rng.choice(tiles)
        try:
            expected = nx.shortest_path_length(graph, start, goal)
        except nx.NetworkXNoPath:
            with pytest.raises(Unreachable):
                router.walk(start, goal)
            continue
        route = router.walk(start, goal)
        assert len(route) == expected
        previous = start
        for tile in route:
            assert tile in floor
            assert abs(tile[0] - previous[0]) + abs(tile[1] - previous[1]) == 1
            previous = tile
        assert previous == goal


def test_the_walk_chosen_does_not_depend_on_what_was_cached() -> None:
    rng = random.Random(7)
    floor = _random_floor(rng, 25, 25, walls=0.2)
    pairs = [(rng.choice(sorted(floor)), rng.choice(sorted(floor))) for _ in range(100)]
    fresh = Router(floor, trees=1)
    warm = Router(floor)
    for start, goal in pairs:
        try:
            expected = Router(floor).walk(start, goal)
        except Unreachable:
            continue
        assert fresh.walk(start, goal) == expected
        assert warm.walk(start, goal) == expected
