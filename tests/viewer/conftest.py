"""A short fake-LM run of the starter world, shared by the viewer tests, and a headless viewer."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest
from typer.testing import CliRunner

from sim.cli.app import app, main
from viewer.app import Viewer
from viewer.source import RunSource

ROOT = Path(__file__).resolve().parents[2]
SIZE = (1280, 800)
TICKS = 240  # long enough for plans, walks, two conversations and reflections


@pytest.fixture(scope="session")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 240-tick run on the fake LM and hash embedder."""
    db = tmp_path_factory.mktemp("viewer") / "run.db"
    args = ["run", str(ROOT / "worlds/willow"), "--lm", "fake", "--embedder", "hash"]
    result = CliRunner().invoke(app, [*args, "--ticks", str(TICKS), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def town_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve ticks of the big town map: 25 agents, several talking at once."""
    db = tmp_path_factory.mktemp("town") / "town.db"
    args = ["run", str(ROOT / "worlds/town"), "--lm", "fake", "--embedder", "hash"]
    result = CliRunner().invoke(app, [*args, "--ticks", "12", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def view_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    """Run `sim view ARGS...` in-process; assert it exits 2 with one `error:` line; return it."""

    def run(*args: object) -> str:
        monkeypatch.setattr(sys, "argv", ["sim", "view", *map(str, args)])
        with pytest.raises(SystemExit) as exit_info:
            main()
        assert exit_info.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error: "), err
        return err

    return run


@pytest.fixture
def make_viewer() -> Iterator[Callable[..., tuple[Viewer, pygame.Surface]]]:
    """Build headless viewers (with a screen to draw on); closes them afterwards."""
    sources: list[RunSource] = []
    pygame.display.init()

    def build(db: Path, follow: bool = False) -> tuple[Viewer, pygame.Surface]:
        source = RunSource(db)
        sources.append(source)
        return Viewer(source, SIZE, follow=follow), pygame.Surface(SIZE)

    yield build
    for source in sources:
        source.close()


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a run database (WAL included) to modify in a test."""
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


@pytest.fixture
def copy_run() -> Callable[[Path, Path], Path]:
    """`copy_db` for tests outside this file."""
    return copy_db


@pytest.fixture(scope="session")
def talk_db(run_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run plus what other writers may add: a conversation with chat frames at ticks
    100-104, an event kind the viewer does not know, and an extra column and table."""
    db = copy_db(run_db, tmp_path_factory.mktemp("talk") / "talk.db")
    people = ["Eleanor Hale", "Theo Okafor"]
    lines = [
        ["Eleanor Hale", "Lovely morning for the picnic."],
        ["Theo Okafor", "I'll bring bread."],
    ]
    with sqlite3.connect(db) as c:
        c.execute("ALTER TABLE frame ADD COLUMN mood TEXT")
        c.execute("CREATE TABLE arm (name TEXT)")
        for tick, chat in ((100, lines[0]), (102, lines[1]), (104, None)):
            for name in people:
                row = c.execute(
                    "SELECT x, y, action, emoji, place, object FROM frame"
                    " WHERE agent = ? AND tick <= ? ORDER BY tick DESC LIMIT 1",
                    (name, tick),
                ).fetchone()
                c.execute(
                    "INSERT OR REPLACE INTO frame (tick, agent, x, y, action, emoji, place, object,"
                    " chat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (tick, name, *row, f"{chat[0]}: {chat[1]}" if chat else None),
                )
        c.execute(
            "INSERT INTO conversation VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                "100-Eleanor Hale",
                100,
                "Willow Park:Lawn",
                4,
                json.dumps(people),
                json.dumps(lines),
                "choice",
            ),
        )
        c.execute(
            "INSERT INTO event (tick, kind, agent, data_json) VALUES (?, ?, ?, ?)",
            (50, "intervention", "Maya Torres", json.dumps({"note": "rain starts"})),
        )
    return db
