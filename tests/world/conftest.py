"""Small hand-made worlds and persona sets, written to tmp_path so each test can break one thing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.errors import SimInputError
from sim.world import World, load_world

# Two places joined by a corridor; the shelf hangs on the east wall of the shop.
TINY: dict[str, Any] = {
    "name": "Tiny",
    "legend": {"#": "wall", ".": "floor", "a": "Home:Room", "b": "Shop:Floor"},
    "grid": "#####\n#a.b#\n#####\n",
    "areas": [
        {
            "name": "Home",
            "kind": "home",
            "arenas": [{"name": "Room", "objects": [{"name": "bed", "at": [1, 1]}]}],
        },
        {
            "name": "Shop",
            "kind": "shop",
            "open": "22:00-02:00",
            "arenas": [{"name": "Floor", "objects": [{"name": "shelf", "at": [4, 1]}]}],
        },
    ],
}

PERSONA: dict[str, Any] = {
    "name": "Ann Lee",
    "age": 30,
    "occupation": "baker",
    "traits": ["cheerful"],
    "background": "Ann bakes bread.",
    "daily_routine": "Bakes at dawn.",
    "current_status": "Tired.",
    "home": "Home:Room",
    "workplace": "Shop",
}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh, valid world dict to break in one place."""
    return copy.deepcopy(TINY)


@pytest.fixture
def write_world(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a world dict as tmp_path/<n>/world.yaml and return that file."""
    count = iter(range(1000))

    def write(data: dict[str, Any]) -> Path:
        folder = tmp_path / f"world{next(count)}"
        folder.mkdir()
        file = folder / "world.yaml"
        file.write_text(yaml.safe_dump(data, sort_keys=False))
        return file

    return write


@pytest.fixture
def tiny_world(write_world: Callable[[dict[str, Any]], Path]) -> World:
    return load_world(write_world(copy.deepcopy(TINY)))


@pytest.fixture
def persona() -> Callable[..., dict[str, Any]]:
    """A valid persona dict with some fields replaced."""
    return lambda **changes: {**copy.deepcopy(PERSONA), **changes}


def _assert_one_line(error: SimInputError, file: Path, field: str) -> str:
    line = str(error)
    assert "\n" not in line
    assert Path(error.source).resolve() == file.resolve()
    assert line.startswith(f"{error.source}: {field}: "), line
    return line


@pytest.fixture
def one_line() -> Callable[[SimInputError, Path, str], str]:
    """Check the user sees one line naming the file and the field; returns the line."""
    return _assert_one_line
