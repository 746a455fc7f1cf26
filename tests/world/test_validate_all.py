"""`check_world`/`check_personas` collect every problem, one line each; loaders raise the first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.errors import SimInputError
from sim.persona import check_personas, load_personas
from sim.world import World, check_world, load_world

Writer = Callable[[dict[str, Any]], Path]
Make = Callable[..., dict[str, Any]]


def _fields(problems: list[SimInputError]) -> list[str]:
    for p in problems:
        assert "\n" not in p.line()
    return [p.field for p in problems]


def test_every_field_error_is_reported(tiny: dict, write_world: Writer) -> None:
    tiny["colour"] = "green"
    tiny["tick_seconds"] = "fast"
    tiny["areas"][1]["arenas"][0]["objects"][0]["colour"] = "red"
    check = check_world(write_world(tiny))
    assert check.world is None and check.spec is None
    assert sorted(_fields(check.problems)) == [
        "areas[1].arenas[0].objects[0].colour",
        "colour",
        "tick_seconds",
    ]


def test_every_legend_and_grid_error_is_reported(tiny: dict, write_world: Writer) -> None:
    tiny["legend"]["b"] = "Shop:Cellar"
    tiny["grid"] = "#####\n#aZZ#\n#a.b##\n"
    problems = check_world(write_world(tiny)).problems
    assert _fields(problems) == ["legend['b']", "grid", "grid"]
    assert "row y=2" in problems[1].problem
    assert "'Z' at [2, 1] (and 1 more times)" in problems[2].problem  # one line per character


def test_every_tile_error_is_reported(tiny: dict, write_world: Writer) -> None:
    tiny["grid"] = "######\n#a.#b#\n######\n"  # the shop is walled in
    tiny["areas"][0]["arenas"].append({"name": "Attic"})  # no tiles
    tiny["areas"][0]["arenas"][0]["objects"][0]["at"] = [9, 9]  # off the grid
    tiny["areas"][1]["arenas"][0]["objects"][0]["at"] = [5, 1]
    problems = check_world(write_world(tiny)).problems
    assert _fields(problems) == [
        "areas[0].arenas[1]",
        "areas[0].arenas[0].objects[0].at",
        "areas[1].arenas[0]",
    ]
    assert "cannot be reached" in problems[2].problem


def test_duplicate_names_are_all_reported(tiny: dict, write_world: Writer) -> None:
    tiny["areas"][1]["name"] = "Home"
    tiny["legend"]["b"] = "Home:Floor"
    tiny["areas"][0]["arenas"][0]["objects"].append({"name": "bed", "at": [1, 1]})
    assert _fields(check_world(write_world(tiny)).problems) == [
        "areas[1].name",
        "areas[0].arenas[0].objects[1].name",
    ]


def test_loader_raises_the_first_problem_as_one_line(tiny: dict, write_world: Writer) -> None:
    tiny["colour"] = "green"
    tiny["tick_seconds"] = "fast"
    with pytest.raises(SimInputError) as caught:
        load_world(write_world(tiny))
    line = str(caught.value)
    assert "\n" not in line and "(and 1 more problem(s): `sim validate`" in line


def _write(folder: Path, **people: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for stem, data in people.items():
        (folder / f"{stem}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_every_place_and_relationship_problem_in_one_file(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    ann = persona(
        home="Home:Attic",
        workplace="Mill",
        start_place="Nowhere:Room",
        routine=[{"at": "08:00", "activity": "bake", "place": "Bakery:Oven"}],
        relationships=[
            {"name": "Bob Smith", "kind": "friend"},
            {"name": "Cy Dee", "kind": "friend"},
            {"name": "Cy Dee", "kind": "rival"},
            {"name": "Ann Lee", "kind": "friend"},
        ],
    )
    folder = _write(tmp_path / "set", ann=ann, cy=persona(name="Cy Dee"))
    people, problems = check_personas(folder, tiny_world.places)
    assert [p.name for p in people] == ["Ann Lee", "Cy Dee"]
    assert {Path(p.source).resolve() for p in problems} == {(folder / "ann.yaml").resolve()}
    assert _fields(problems) == [
        "home",
        "workplace",
        "start_place",
        "routine[0].place",
        "relationships[0].name",
        "relationships[2].name",
        "relationships[3].name",
    ]


def test_every_field_error_of_a_persona(tmp_path: Path, tiny_world: World, persona: Make):
    ann = persona(age="old", hobby="chess", relationships=[{"name": "Cy Dee", "kind": "frenemy"}])
    folder = _write(tmp_path / "set", ann=ann, cy=persona(name="Cy Dee"))
    people, problems = check_personas(folder, tiny_world.places)
    assert [p.name for p in people] == ["Cy Dee"]
    assert sorted(_fields(problems)) == ["age", "hobby", "relationships[0].kind"]


def test_a_broken_persona_still_counts_as_existing(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    """Cy's file is wrong, but Ann's relationship to Cy is not reported a second time."""
    ann = persona(relationships=[{"name": "Cy Dee", "kind": "friend"}])
    folder = _write(tmp_path / "set", ann=ann, cy=persona(name="Cy Dee", age=-4), dup=persona())
    _, problems = check_personas(folder, tiny_world.places)
    assert [(Path(p.source).name, p.field) for p in problems] == [
        ("cy.yaml", "age"),
        ("dup.yaml", "name"),
    ]


def test_unreadable_files_are_problems_not_tracebacks(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    folder = _write(tmp_path / "set", ann=persona())
    (folder / "junk.yaml").write_bytes(b"\xff\xfe\x00binary\x00")
    (folder / "list.yaml").write_text("- a\n- b\n")
    (folder / "empty.yaml").write_text("")
    _, problems = check_personas(folder, tiny_world.places)
    assert sorted(Path(p.source).name for p in problems) == ["empty.yaml", "junk.yaml", "list.yaml"]
    with pytest.raises(SimInputError):
        load_personas(folder, tiny_world)


def test_persona_places_checked_even_when_the_grid_is_broken(
    tiny: dict, write_world: Writer, tmp_path: Path, persona: Make
) -> None:
    tiny["grid"] = "#####\n#a.b#\n####\n"
    check = check_world(write_world(tiny))
    assert check.world is None and check.places is not None
    folder = _write(tmp_path / "set", ann=persona(home="Home:Attic"))
    _, problems = check_personas(folder, check.places)
    assert _fields(problems) == ["home"]
