"""Each kind of world.yaml mistake gives one line naming the file, the field and a fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.errors import SimInputError
from sim.world import load_world

Writer = Callable[[dict[str, Any]], Path]
OneLine = Callable[[SimInputError, Path, str], str]


def _fails(file: Path) -> SimInputError:
    with pytest.raises(SimInputError) as caught:
        load_world(file.parent)
    return caught.value


def test_unknown_top_level_field(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["colour"] = "green"
    file = write_world(tiny)
    line = one_line(_fails(file), file, "colour")
    assert "unknown field" in line and "tick_seconds" in line  # lists the allowed fields


def test_unknown_nested_field(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["areas"][1]["arenas"][0]["objects"][0]["colour"] = "red"
    file = write_world(tiny)
    line = one_line(_fails(file), file, "areas[1].arenas[0].objects[0].colour")
    assert "allowed: name, at, description, state" in line


def test_wrong_type(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["tick_seconds"] = "fast"
    file = write_world(tiny)
    assert "'fast'" in one_line(_fails(file), file, "tick_seconds")


def test_out_of_range_value(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["tick_seconds"] = 0
    file = write_world(tiny)
    assert "1..3600" in one_line(_fails(file), file, "tick_seconds")


def test_missing_required_field(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    del tiny["areas"][0]["arenas"]
    file = write_world(tiny)
    assert "missing" in one_line(_fails(file), file, "areas[0].arenas")


def test_bad_start_time(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["start"] = "7am"
    file = write_world(tiny)
    one_line(_fails(file), file, "start")


def test_char_not_in_legend(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["grid"] = "#####\n#aXb#\n#####\n"
    file = write_world(tiny)
    assert "'X' at [2, 1]" in one_line(_fails(file), file, "grid")


def test_ragged_rows(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["grid"] = "#####\n#a.b#.\n#####\n"
    file = write_world(tiny)
    assert "row y=1" in one_line(_fails(file), file, "grid")


def test_legend_names_unknown_arena(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["legend"]["a"] = "Home:Attic"
    file = write_world(tiny)
    line = one_line(_fails(file), file, "legend['a']")
    assert "'Home:Attic'" in line and "Home:Room" in line  # suggests the real arenas


def test_arena_without_tiles(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["areas"][0]["arenas"].append({"name": "Attic"})
    file = write_world(tiny)
    one_line(_fails(file), file, "areas[0].arenas[1]")


def test_duplicate_area_name(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["areas"][1]["name"] = "Home"
    file = write_world(tiny)
    assert "duplicate" in one_line(_fails(file), file, "areas[1].name")


def test_object_off_grid(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["areas"][0]["arenas"][0]["objects"][0]["at"] = [9, 1]
    file = write_world(tiny)
    assert "outside" in one_line(_fails(file), file, "areas[0].arenas[0].objects[0].at")


def test_object_in_another_arena(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["areas"][0]["arenas"][0]["objects"][0]["at"] = [3, 1]
    file = write_world(tiny)
    line = one_line(_fails(file), file, "areas[0].arenas[0].objects[0].at")
    assert "'Shop:Floor'" in line


def test_unreachable_arena(tiny: dict, write_world: Writer, one_line: OneLine) -> None:
    tiny["grid"] = "######\n#a.#b#\n######\n"
    tiny["areas"][1]["arenas"][0]["objects"][0]["at"] = [5, 1]
    file = write_world(tiny)
    line = one_line(_fails(file), file, "areas[1].arenas[0]")
    assert "'Shop:Floor' cannot be reached" in line


def test_bad_yaml_reports_the_line(tmp_path: Path, one_line: OneLine) -> None:
    file = tmp_path / "world.yaml"
    file.write_text("name: Tiny\nlegend:\n  '#': wall\n grid: [oops\n")
    one_line(_fails(file), file, "line 4")


def test_missing_world(tmp_path: Path) -> None:
    with pytest.raises(SimInputError) as caught:
        load_world(tmp_path / "nowhere")
    line = str(caught.value)
    assert "\n" not in line and "nowhere" in line and "not found" in line


def test_empty_file(tmp_path: Path, one_line: OneLine) -> None:
    file = tmp_path / "world.yaml"
    file.write_text("")
    with pytest.raises(SimInputError) as caught:
        load_world(file)
    assert "empty file" in str(caught.value)
    assert "\n" not in str(caught.value)
