"""A small town with every kind of place the example spec needs, so tests don't depend on
worlds/town (which people edit)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.population import PopulationSpec, load_spec
from sim.world import World, load_world

SPEC = Path(__file__).resolve().parents[2] / "personas" / "specs" / "us_adults.yaml"

PLACES = {  # legend character -> (area, kind, arena, opening hours)
    "a": ("Oak House", "home", "Bedroom", None),
    "b": ("Oak House", "home", "Kitchen", None),
    "c": ("Elm Flats", "home", "Flat 1", None),
    "d": ("Elm Flats", "home", "Flat 2", None),
    "e": ("Corner Cafe", "cafe", "Counter", "07:00-19:00"),
    "f": ("Corner Cafe", "cafe", "Seating", "07:00-19:00"),
    "g": ("Market", "shop", "Aisles", "08:00-20:00"),
    "h": ("Green", "park", "Lawn", None),
    "i": ("The Pub", "bar", "Bar Room", "12:00-01:00"),
    "j": ("College", "school", "Hall", None),
    "k": ("Library", "library", "Reading Room", "08:00-21:00"),
    "l": ("Town Hall", "townhall", "Lobby", "09:00-17:00"),
    "m": ("Works", "office", "Desk", None),
}
GRID = """\
#################
#aabbccdd#eefffg#
#...............#
#hhiijjkkllmm####
#################
"""


def town_spec() -> dict:
    areas: dict[str, dict] = {}
    for area, kind, arena, hours in PLACES.values():
        entry = areas.setdefault(area, {"name": area, "kind": kind, "arenas": []})
        if hours:
            entry["open"] = hours
        entry["arenas"].append({"name": arena})
    legend = {"#": "wall", ".": "floor"} | {c: f"{p[0]}:{p[2]}" for c, p in PLACES.items()}
    return {"name": "Testville", "legend": legend, "grid": GRID, "areas": list(areas.values())}


@pytest.fixture(scope="session")
def town_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("town")
    (folder / "world.yaml").write_text(yaml.safe_dump(town_spec(), sort_keys=False))
    return folder


@pytest.fixture(scope="session")
def town(town_dir: Path) -> World:
    return load_world(town_dir)


@pytest.fixture(scope="session")
def spec() -> PopulationSpec:
    return load_spec(SPEC)[0]
