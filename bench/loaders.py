"""Loader benchmark: world loading, all-pairs pathfinding and persona generation speed.

python bench/loaders.py
"""

from __future__ import annotations

import time
from pathlib import Path

from sim.population.generate import generate
from sim.population.spec import load_spec
from sim.world.map import load_world

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, started: float) -> float:
    """Print and return the seconds since `started`."""
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.3f}s")
    return seconds


def main() -> None:
    """Time the three loaders on the Millbrook town."""
    started = time.perf_counter()
    world = load_world(ROOT / "worlds" / "town")
    timed(f"load {world.name} ({world.width}x{world.height}, {len(world.arenas)} arenas)", started)
    arenas = sorted(world.arenas)
    started = time.perf_counter()
    tiles = 0
    for a in arenas:
        for b in arenas:
            tiles += len(world.path(world.entry_tile(a), world.entry_tile(b)))
    pairs = len(arenas) ** 2
    seconds = timed(f"{pairs} shortest paths between arenas ({tiles} tiles)", started)
    print(f"  {seconds / pairs * 1000:.2f} ms per path")
    spec, source = load_spec(ROOT / "personas" / "specs" / "us_adults.yaml")
    started = time.perf_counter()
    people = generate(spec, str(source), world, 2000, seed=11)
    timed(f"generate {len(people)} personas", started)


if __name__ == "__main__":
    main()
