"""Malformed, oversized and hostile files: one line naming file and field, fast, no crash."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim import limits
from sim.errors import SimInputError
from sim.persona import check_personas, load_personas
from sim.survey.files import load_survey
from sim.world import World, load_world
from sim.yamlsafe import read_yaml

Make = Callable[..., dict[str, Any]]
WILLOW = Path(__file__).resolve().parents[2] / "worlds" / "willow" / "world.yaml"


def _error(path: Path) -> SimInputError:
    with pytest.raises(SimInputError) as caught:
        read_yaml(path)
    assert "\n" not in caught.value.line()
    return caught.value


def test_a_duplicate_key_names_the_key_and_both_lines(tmp_path: Path) -> None:
    file = tmp_path / "world.yaml"
    file.write_text(WILLOW.read_text().replace("tick_seconds: 10", "tick_seconds: 10\nstart: x\n"))
    error = _error(file)
    first = WILLOW.read_text().splitlines().index('start: "07:00"') + 1
    assert error.field.startswith("start (line ")
    assert f"key 'start' appears twice (first on line {first})" in error.problem


def test_a_duplicate_key_inside_a_flow_mapping(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text("legend: {a: wall, a: floor}\n")
    assert _error(file).field == "legend.a (line 1)"


def test_a_3000_by_3000_grid_is_refused_at_once(tmp_path: Path) -> None:
    file = tmp_path / "world.yaml"
    row = "." * 3000
    file.write_text("name: Big\nlegend: {'.': floor}\ngrid: |\n" + f"  {row}\n" * 3000)
    began = time.perf_counter()
    with pytest.raises(SimInputError, match="MB; the most a file may hold"):
        load_world(file)
    assert time.perf_counter() - began < 1


def test_a_grid_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    side = limits.MAX_GRID_SIDE + 1
    text = "name: Wide\nlegend: {'.': floor, a: 'A:B'}\ngrid: |\n" + f"  a{'.' * side}\n"
    (tmp_path / "world.yaml").write_text(text + "areas: [{name: A, arenas: [{name: B}]}]\n")
    with pytest.raises(SimInputError) as caught:
        load_world(tmp_path)
    assert caught.value.field == "grid" and f"is {side + 1}x1 tiles" in caught.value.problem


def test_a_world_file_that_links_to_itself(tmp_path: Path) -> None:
    loop = tmp_path / "world.yaml"
    loop.symlink_to(loop)
    with pytest.raises(SimInputError, match="symbolic link that leads nowhere or to itself"):
        load_world(loop)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("9" * 5000, "a number with 5000 digits; the most is 18"),
        (".nan", "'.nan' is not a finite number"),
        ("-.inf", "'-.inf' is not a finite number"),
        ("!!int twelve", "'twelve' is not a whole number"),
    ],
)
def test_numbers_must_be_ordinary(
    tmp_path: Path, tiny_world: World, persona: Make, value: str, problem: str
) -> None:
    (tmp_path / "set").mkdir()
    text = yaml.safe_dump(persona(), sort_keys=False).replace("age: 30", f"age: {value}")
    (tmp_path / "set" / "ann.yaml").write_text(text)
    with pytest.raises(SimInputError) as caught:
        load_personas(tmp_path / "set", tiny_world)
    assert caught.value.field.startswith("age (line ") and problem in caught.value.problem


def test_an_alias_bomb_and_a_recursive_alias(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(8):
        prev, name = chr(ord("a") + i), chr(ord("b") + i)
        bomb += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    (tmp_path / "bomb.yaml").write_text(bomb)
    assert "once aliases are expanded" in _error(tmp_path / "bomb.yaml").problem
    (tmp_path / "loop.yaml").write_text("a: &a [1, *a]\n")
    assert "an alias refers to itself" in _error(tmp_path / "loop.yaml").problem


def test_a_terminal_escape_anywhere_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "survey.yaml"
    file.write_text('name: "mood\\e[2J"\nquestions: [{kind: likert, question: Fine?}]\n')
    with pytest.raises(SimInputError, match="control character U\\+001B"):
        load_survey(file)


@pytest.mark.parametrize(
    "twin", ["Maya Torres\u200b", "Ma\u200dya Torres", "\ufeffMaya Torres", "Ｍaya Torres"]
)
def test_names_that_look_the_same_are_the_same_name(
    tmp_path: Path, tiny_world: World, persona: Make, twin: str
) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    for stem, name in (("a", "Maya Torres"), ("b", twin)):
        (folder / f"{stem}.yaml").write_text(yaml.safe_dump(persona(name=name)))
    _, problems = check_personas(folder, tiny_world.places)
    assert [p.field for p in problems] == ["name"]
    assert "duplicate persona name 'Maya Torres'" in problems[0].problem


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"name": "Ann\u202eeL"}, "name", "invisible or control character U+202E"),
        ({"name": "A" * 81}, "name", "81 characters long; the most is 80"),
        ({"memories": ["x"] * 201}, "memories", "at most 200 items"),
        ({"memories": ["x" * 501]}, "memories[0]", "at most 500 characters"),
    ],
)
def test_names_and_memories_have_limits(
    tmp_path: Path, tiny_world: World, persona: Make, changes: dict, field: str, problem: str
) -> None:
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "ann.yaml").write_text(yaml.safe_dump(persona(**changes)))
    _, problems = check_personas(tmp_path / "set", tiny_world.places)
    assert problems[0].field == field and problem in problems[0].problem


def test_a_place_with_an_invisible_character_is_the_same_place(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    (tmp_path / "set").mkdir()
    ann = persona(home="Home:\u200bRoom", workplace="Ｓhop")
    (tmp_path / "set" / "ann.yaml").write_text(yaml.safe_dump(ann))
    (loaded,) = load_personas(tmp_path / "set", tiny_world)
    assert (loaded.home, loaded.workplace) == ("Home:Room", "Shop")
