"""`sim validate` lists every problem; `sim schema` and the committed JSON Schemas never drift."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app, main
from sim.cli.validate_cmd import SCHEMAS, schema_text
from sim.errors import SimInputError
from sim.persona import load_personas
from sim.world import load_world

ROOT = Path(__file__).resolve().parents[2]
WILLOW = ROOT / "worlds" / "willow"


def _validate(*args: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["validate", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.output.strip().splitlines()


def test_clean_world_and_personas(tmp_path: Path) -> None:
    code, lines = _validate(WILLOW)
    assert (code, lines) == (0, ["ok: 6 areas, 13 arenas, 3 personas"])


def test_lists_every_problem_across_world_and_personas(tmp_path: Path) -> None:
    world = tmp_path / "world"
    shutil.copytree(WILLOW, world)
    text = (world / "world.yaml").read_text()
    text = "colour: green\n" + text
    (world / "world.yaml").write_text(text.replace("personas: ../../personas/willow", ""))
    people = tmp_path / "people"
    shutil.copytree(ROOT / "personas" / "willow", people)
    maya = (people / "maya.yaml").read_text()
    (people / "maya.yaml").write_text(maya.replace('home: "Torres House:Bedroom"', "home: Mars"))
    theo = (people / "theo.yaml").read_text()
    (people / "theo.yaml").write_text(theo.replace("age: ", "hobby: chess\nage: "))
    code, lines = _validate(world, people)
    assert code == 2
    assert lines[-1] == "3 problem(s) found"
    # Each file's problems together, persona files in name order.
    assert [line.split(": ")[1] for line in lines[:-1]] == ["colour", "home", "hobby"]
    assert "Mars" in lines[1] and "fix:" in lines[1]  # places known though world.yaml is wrong


JUNK = {
    "a list": "- a\n- b\n",
    "a scalar": "just words\n",
    "an empty file": "",
    "binary junk": b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
    "bad YAML": "name: [oops\n",
    "non-string keys": "1: 2\n",
}


@pytest.mark.parametrize("content", JUNK.values(), ids=JUNK.keys())
def test_junk_never_gives_a_traceback(
    tmp_path: Path,
    content: str | bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = tmp_path / "world.yaml"
    if isinstance(content, bytes):
        world.write_bytes(content)
    else:
        world.write_text(content)
    with pytest.raises(SimInputError) as caught:
        load_world(world)
    assert "\n" not in str(caught.value)
    people = tmp_path / "people"
    people.mkdir()
    shutil.copy(world, people / "ann.yaml")
    with pytest.raises(SimInputError):
        load_personas(people, load_world(WILLOW))
    monkeypatch.setattr(sys, "argv", ["sim", "validate", str(world), str(people)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    lines = out.out.strip().splitlines()
    assert lines[-1].endswith("problem(s) found")
    assert any(line.startswith(f"{world}: ") for line in lines)
    assert any(line.startswith(f"{people / 'ann.yaml'}: ") for line in lines)


def test_directory_without_world_yaml(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path)
    assert code == 2 and "world.yaml: file not found" in lines[0]


@pytest.mark.parametrize("kind", SCHEMAS)
def test_committed_schema_matches_the_model(kind: str) -> None:
    committed = ROOT / "docs" / "schemas" / f"{kind}.schema.json"
    assert committed.read_text() == schema_text(kind), (
        f"regenerate: sim schema {kind} > docs/schemas/{kind}.schema.json"
    )
    result = CliRunner().invoke(app, ["schema", kind], catch_exceptions=False)
    assert json.loads(result.output) == json.loads(committed.read_text())


def test_persona_schema_knows_the_new_fields() -> None:
    props = json.loads(schema_text("persona"))["properties"]
    assert {"routine", "big_five", "attributes"} <= set(props)
