"""Writing a world from the docs alone: every stage is checked, and each message says the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.persona import check_personas
from sim.world import World, check_world, load_world

Writer = Callable[[dict[str, Any]], Path]
Make = Callable[..., dict[str, Any]]


def _set(folder: Path, **people: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for stem, data in people.items():
        (folder / f"{stem}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_a_misspelt_field_does_not_hide_a_ragged_grid_row(tiny: dict, write_world: Writer) -> None:
    tiny["tick_secs"] = 10
    tiny["grid"] = "#####\n#a.b##\n#####\n"
    problems = check_world(write_world(tiny)).problems
    assert [p.field for p in problems] == ["tick_secs", "grid"]
    assert "row y=1 is 6 characters wide" in problems[1].problem


def test_the_grid_is_checked_even_when_an_area_is_broken(tiny: dict, write_world: Writer) -> None:
    tiny["areas"][0]["arenas"][0]["objects"][0]["at"] = "by the door"
    tiny["grid"] = "#####\n#aZb#\n####\n"
    problems = check_world(write_world(tiny)).problems
    assert [p.field for p in problems] == ["areas[0].arenas[0].objects[0].at", "grid", "grid"]


def test_a_persona_schema_error_does_not_hide_its_places_and_relationships(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    ann = persona(
        age="thirty",
        home="Home:Attic",
        routine=[
            {"at": "08:00", "activity": "bake", "place": "Shop:Flor"},
            {"at": "eight", "activity": "sweep", "place": "Shop:Floor"},
        ],
        relationships=[{"name": "Cy De", "kind": "friend"}],
    )
    folder = _set(tmp_path / "set", ann=ann, cy=persona(name="Cy Dee"))
    _, problems = check_personas(folder, tiny_world.places)
    assert [p.field for p in problems] == [
        "age",
        "routine[1].at",
        "home",
        "routine[0].place",
        "relationships[0].name",
    ]
    assert "did you mean 'Shop:Floor'?" in problems[3].fix
    assert "did you mean 'Cy Dee'?" in problems[4].fix


def test_a_wrong_personas_path_names_the_field_and_says_it_is_relative_to_world_yaml(
    tiny: dict, write_world: Writer
) -> None:
    tiny["personas"] = "people"
    problems = check_world(write_world(tiny)).problems
    assert [p.field for p in problems] == ["personas"]
    assert "relative to world.yaml" in problems[0].problem
    assert "run from the repo root" not in problems[0].line()


@pytest.mark.parametrize(
    ("field", "value", "problem", "fix"),
    [
        ("home", "Shop", "'Shop' is an area, but an arena inside it is needed", "Shop:Floor"),
        ("home", "Floor", "'Floor' is an arena name without its area", "'Shop:Floor'"),
        ("home", "Home:Rom", "is not an 'Area:Arena'", "did you mean 'Home:Room'?"),
        ("workplace", "Shoop", "is not an area or 'Area:Arena'", "did you mean 'Shop'"),
    ],
)
def test_a_wrong_place_is_explained(
    tmp_path: Path, tiny_world: World, persona: Make, field: str, value: str, problem: str, fix: str
) -> None:
    _, problems = check_personas(
        _set(tmp_path / "s", ann=persona(**{field: value})), tiny_world.places
    )
    assert len(problems) == 1 and problems[0].field == field
    assert problem in problems[0].problem and fix in problems[0].fix


def _world_with_arenas(count: int) -> dict[str, Any]:
    """One area with `count` rooms in a row, so a long list of choices can be tested."""
    letters = [chr(0x100 + i) for i in range(count)]
    return {
        "name": "Rows",
        "legend": {".": "floor", **{c: f"Block:Room {i:02d}" for i, c in enumerate(letters)}},
        "grid": "".join(letters) + "\n" + "." * count + "\n",
        "areas": [{"name": "Block", "arenas": [{"name": f"Room {i:02d}"} for i in range(count)]}],
    }


@pytest.mark.parametrize("rooms", [12, 40])
def test_the_list_of_choices_is_never_cut_short(
    tmp_path: Path, write_world: Writer, persona: Make, rooms: int
) -> None:
    world = load_world(write_world(_world_with_arenas(rooms)))
    folder = _set(tmp_path / "s", ann=persona(home="Xylophone Qq", workplace=None))
    _, problems = check_personas(folder, world.places)
    fix = problems[0].fix
    assert "more" not in fix
    if rooms <= 30:
        assert all(f"Block:Room {i:02d}" in fix for i in range(rooms))
    else:
        assert f"the {rooms} choices; the nearest are:" in fix and fix.count("Block:Room") == 10


def test_an_unknown_arena_in_the_legend_gets_a_suggestion(tiny: dict, write_world: Writer) -> None:
    tiny["legend"]["b"] = "Shop:Flor"
    problems = check_world(write_world(tiny)).problems
    assert problems[0].field == "legend['b']"
    assert problems[0].fix == "did you mean 'Shop:Floor'?"
