"""The `sim` command line as a user drives it: run, inspect, interview, replay and bad input."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app, main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--lm", "fake", "--embedder", "hash"]


def sim(*args: str) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def sim_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    """Run the real entry point; return its stderr after checking it failed with one line."""
    monkeypatch.setattr(sys, "argv", ["sim", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def digest_of(output: str) -> str:
    match = re.search(r"digest: ([0-9a-f]{16})", output)
    assert match, output
    return match.group(1)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("runs") / "first.db"
    out = sim("run", ROOT / "worlds/willow", *FAST, "--hours", "2", "--seed", "5", "--db", db)
    return db, digest_of(out)


def test_seeded_fake_runs_print_the_same_digest(recorded: tuple[Path, str], tmp_path: Path) -> None:
    _, digest = recorded
    again = sim(
        "run",
        ROOT / "worlds/willow",
        *FAST,
        "--hours",
        "2",
        "--seed",
        "5",
        "--db",
        tmp_path / "again.db",
    )
    assert digest_of(again) == digest


def test_replay_reproduces_the_run_without_a_model(
    recorded: tuple[Path, str], tmp_path: Path
) -> None:
    db, digest = recorded
    out = sim(
        "run",
        ROOT / "worlds/willow",
        "--embedder",
        "hash",
        "--hours",
        "2",
        "--replay",
        db,
        "--db",
        tmp_path / "replayed.db",
    )
    assert digest_of(out) == digest


def test_inspect_json_reports_counts(recorded: tuple[Path, str]) -> None:
    db, digest = recorded
    data = json.loads(sim("inspect", db, "--json"))
    assert data["digest"] == digest
    assert data["status"] == "finished"
    assert set(data["agents"]) == {"Eleanor Hale", "Maya Torres", "Theo Okafor"}
    for agent in data["agents"].values():
        assert agent["memories"]["observation"] > 0 and agent["memories"]["plan"] > 0
    assert data["counts"]["lm_calls"] > 0
    assert data["counts"]["reflection"] == len(data["reflections"])
    assert "Juniper Cafe" in data["places"]
    assert sim("inspect", db).count("Eleanor Hale") >= 1


def test_inspect_agent_explains_plan_memories_and_reflections(recorded: tuple[Path, str]) -> None:
    db, _ = recorded
    view = json.loads(sim("inspect", db, "Maya Torres", "--json"))
    assert view["agent"] == "Maya Torres"
    assert view["plan"] and view["recent_memories"]
    last = view["last_decision"]
    assert last and {"score", "recency", "importance", "relevance"} <= set(last["memories"][0])
    for reflection in view["reflections"]:
        assert reflection["evidence"], reflection
    assert "Plan" in sim("inspect", db, "Maya Torres")


def test_interview_answers_from_the_recorded_state(recorded: tuple[Path, str]) -> None:
    db, _ = recorded
    out = sim(
        "interview",
        db,
        "Theo Okafor",
        "What are you doing tomorrow morning?",
        "--lm",
        "fake",
        "--show-memories",
    )
    assert out.startswith("Theo Okafor (day 1 09:00):")


def test_refuses_to_overwrite_a_recorded_run(
    recorded: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = recorded
    err = sim_error(
        monkeypatch, capsys, "run", ROOT / "worlds/willow", *FAST, "--ticks", "2", "--db", db
    )
    assert str(db) in err and "--db" in err and "--overwrite" in err


def test_bad_world_file_is_one_line_naming_file_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = tmp_path / "broken"
    shutil.copytree(ROOT / "worlds/willow", world)
    text = (world / "world.yaml").read_text().replace("tick_seconds: 10", "tick_seconds: fast")
    (world / "world.yaml").write_text(text.replace("../../personas", str(ROOT / "personas")))
    err = sim_error(
        monkeypatch, capsys, "run", world, *FAST, "--ticks", "1", "--db", tmp_path / "x.db"
    )
    assert "world.yaml" in err and "tick_seconds" in err
    assert not (tmp_path / "x.db").exists()


def test_bad_persona_file_is_one_line_naming_file_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    people = tmp_path / "people"
    shutil.copytree(ROOT / "personas/willow", people)
    maya = people / "maya.yaml"
    maya.write_text(maya.read_text().replace('home: "Torres House:Bedroom"', 'home: "Mars:Base"'))
    err = sim_error(
        monkeypatch,
        capsys,
        "run",
        ROOT / "worlds/willow",
        "--personas",
        people,
        *FAST,
        "--ticks",
        "1",
        "--db",
        tmp_path / "x.db",
    )
    assert "maya.yaml" in err and "home" in err and "Mars:Base" in err


def test_unknown_lm_and_agent_and_corrupt_db(
    recorded: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = sim_error(
        monkeypatch,
        capsys,
        "run",
        ROOT / "worlds/willow",
        "--lm",
        "gpt9",
        "--ticks",
        "1",
        "--db",
        tmp_path / "x.db",
    )
    assert "--lm" in err and "openai:MODEL" in err
    db, _ = recorded
    err = sim_error(monkeypatch, capsys, "inspect", db, "Nobody")
    assert "Nobody" in err and "Maya Torres" in err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    err = sim_error(monkeypatch, capsys, "inspect", junk)
    assert "junk.db" in err and "not a sim run database" in err
    err = sim_error(monkeypatch, capsys, "inspect", tmp_path / "missing.db")
    assert "missing.db" in err


def test_retrieval_weights_are_recorded_and_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "weighted.db"
    sim(
        "run",
        ROOT / "worlds/willow",
        *FAST,
        "--ticks",
        "30",
        "--weights",
        "0.5,2,3",
        "--top-k",
        "7",
        "--db",
        db,
    )
    from sim.store.reader import RunReader

    config = json.loads(RunReader(db).run.config_json)
    assert config["retrieval"] == {
        "recency": 0.5,
        "importance": 2.0,
        "relevance": 3.0,
        "decay": 0.995,
        "top_k": 7,
        "about": 1.5,  # the default bonus for memories about a person a query names
    }
    err = sim_error(
        monkeypatch,
        capsys,
        "run",
        ROOT / "worlds/willow",
        *FAST,
        "--weights",
        "heavy",
        "--db",
        tmp_path / "y.db",
    )
    assert "--weights" in err and "recency,importance,relevance" in err


def test_markup_in_recorded_text_is_printed_as_text(
    recorded: tuple[Path, str], tmp_path: Path
) -> None:
    import sqlite3

    db = tmp_path / "markup.db"
    shutil.copy(recorded[0], db)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE memory SET text = text || ' [/] [bold'")
    out = sim("inspect", db)
    assert "[/]" in out
    agent = sim("inspect", db, "Maya Torres")
    assert "[/]" in agent


@pytest.mark.parametrize("hours", ["nan", "inf", "-1", "0"])
def test_bad_hours_are_one_line_and_write_nothing(
    hours: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    err = sim_error(
        monkeypatch, capsys, "run", ROOT / "worlds/willow", *FAST, "--hours", hours, "--db", db
    )
    assert "hours" in err and not db.exists()
