"""Persona sets load in filename order; each kind of mistake is one line naming file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.clock import HOUR
from sim.errors import SimInputError
from sim.persona import load_personas
from sim.world import World

Make = Callable[..., dict[str, Any]]
OneLine = Callable[[SimInputError, Path, str], str]


def _write(folder: Path, **people: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for stem, data in people.items():
        (folder / f"{stem}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def _fails(folder: Path, world: World) -> SimInputError:
    with pytest.raises(SimInputError) as caught:
        load_personas(folder, world)
    return caught.value


def test_directory_loads_in_filename_order(tmp_path: Path, tiny_world: World, persona: Make):
    bob = persona(
        name="Bob Ray",
        start_place="Shop:Floor",
        wake="05:30",
        sleep="00:30",
        relationships=[{"name": "Ann Lee", "kind": "partner"}],
    )
    folder = _write(tmp_path / "set", b_bob=bob, a_ann=persona())
    ann, bob_p = load_personas(folder, tiny_world)
    assert (ann.name, bob_p.name) == ("Ann Lee", "Bob Ray")
    assert ann.start_arena == "Home:Room"  # defaults to home
    assert bob_p.start_arena == "Shop:Floor"
    assert (bob_p.wake_seconds, bob_p.sleep_seconds) == (5 * HOUR + 1800, 1800)
    assert bob_p.relationships[0].kind == "partner"
    assert bob_p.to_json()["relationships"][0]["name"] == "Ann Lee"


def test_single_file_with_a_list(tmp_path: Path, tiny_world: World, persona: Make) -> None:
    file = tmp_path / "people.yaml"
    file.write_text(yaml.safe_dump([persona(), persona(name="Cy Dee")]))
    assert [p.name for p in load_personas(file, tiny_world)] == ["Ann Lee", "Cy Dee"]


def test_single_file_errors_name_the_list_index(
    tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine
) -> None:
    file = tmp_path / "people.yaml"
    file.write_text(yaml.safe_dump([persona(), persona(name="Cy Dee", home="Nowhere:Room")]))
    one_line(_fails(file, tiny_world), file, "[1].home")


def test_unknown_home(tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine):
    folder = _write(tmp_path / "set", ann=persona(home="Home:Attic"))
    line = one_line(_fails(folder, tiny_world), folder / "ann.yaml", "home")
    assert "'Home:Attic'" in line and "Home:Room" in line


def test_unknown_workplace(tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine):
    folder = _write(tmp_path / "set", ann=persona(workplace="Mill"))
    one_line(_fails(folder, tiny_world), folder / "ann.yaml", "workplace")


def test_relationship_to_unknown_person(
    tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine
) -> None:
    ann = persona(relationships=[{"name": "Bob Smith", "kind": "friend"}])
    folder = _write(tmp_path / "set", ann=ann, cy=persona(name="Cy Dee"))
    line = one_line(_fails(folder, tiny_world), folder / "ann.yaml", "relationships[0].name")
    assert "'Bob Smith'" in line and "Cy Dee" in line


def test_relationship_to_self(tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine):
    ann = persona(relationships=[{"name": "Ann Lee", "kind": "friend"}])
    folder = _write(tmp_path / "set", ann=ann)
    one_line(_fails(folder, tiny_world), folder / "ann.yaml", "relationships[0].name")


def test_bad_relationship_kind(tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine):
    ann = persona(relationships=[{"name": "Cy Dee", "kind": "frenemy"}])
    folder = _write(tmp_path / "set", ann=ann, cy=persona(name="Cy Dee"))
    line = one_line(_fails(folder, tiny_world), folder / "ann.yaml", "relationships[0].kind")
    assert "rival" in line


def test_duplicate_names_across_files(
    tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine
) -> None:
    folder = _write(tmp_path / "set", ann=persona(), ann2=persona())
    line = one_line(_fails(folder, tiny_world), folder / "ann2.yaml", "name")
    assert "ann.yaml" in line


def test_bad_type(tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine) -> None:
    folder = _write(tmp_path / "set", ann=persona(age="old"))
    assert "'old'" in one_line(_fails(folder, tiny_world), folder / "ann.yaml", "age")


def test_unknown_field(tmp_path: Path, tiny_world: World, persona: Make, one_line: OneLine):
    folder = _write(tmp_path / "set", ann=persona(hobby="chess"))
    one_line(_fails(folder, tiny_world), folder / "ann.yaml", "hobby")


def test_bad_yaml(tmp_path: Path, tiny_world: World, one_line: OneLine) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "ann.yaml").write_text("name: Ann\ntraits: [kind\n")
    one_line(_fails(folder, tiny_world), folder / "ann.yaml", "line 3")


def test_empty_or_missing_set(tmp_path: Path, tiny_world: World) -> None:
    (tmp_path / "empty").mkdir()
    for where in (tmp_path / "empty", tmp_path / "missing"):
        line = str(_fails(where, tiny_world))
        assert "\n" not in line and where.name in line
