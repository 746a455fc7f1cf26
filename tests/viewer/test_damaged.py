"""`sim view` on a damaged run database names the file and what is wrong in one line."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app

ViewError = Callable[..., str]
CopyRun = Callable[[Path, Path], Path]

DAMAGE = {
    "missing table": ("DROP TABLE frame", "no such table: frame"),
    "bad JSON in a conversation": (
        "UPDATE conversation SET lines_json = '[[\"Eleanor Hale\", '",
        "conversation: lines_json is not valid JSON",
    ),
    "bad JSON in the map": ("UPDATE run SET layers_json = '{\"width\": 40'", "run: layers_json"),
    "wrong shape of the map": (
        "UPDATE run SET layers_json = json_set(layers_json, '$.grid', json('[\"ab\"]'))",
        "run: the map grid is not a list of",
    ),
    "text where a position belongs": (
        "UPDATE frame SET x = 'left' WHERE tick = (SELECT MIN(tick) FROM frame WHERE tick > 0)",
        "frame: the row at tick",
    ),
    "a persona without a name": (
        "UPDATE run SET personas_json = '[{\"age\": 3}]'",
        "a persona has no text name",
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_rows_give_one_line(
    talk_db: Path, tmp_path: Path, copy_run: CopyRun, view_error: ViewError, damage: str
) -> None:
    sql, expected = DAMAGE[damage]
    db = copy_run(talk_db, tmp_path / "damaged.db")  # the run with a recorded conversation
    with sqlite3.connect(db) as c:
        assert c.execute(sql).rowcount != 0  # -1 for DROP, else the rows changed
    err = view_error(db, "--screenshot", tmp_path / "out.png")
    assert str(db) in err and expected in err


def test_bad_json_in_an_inspected_retrieval_gives_one_line(
    run_db: Path, tmp_path: Path, copy_run: CopyRun, view_error: ViewError
) -> None:
    db = copy_run(run_db, tmp_path / "damaged.db")
    with sqlite3.connect(db) as c:
        agent, tick = c.execute("SELECT agent, MAX(tick) FROM retrieval").fetchone()
        c.execute("UPDATE retrieval SET memories_json = '[{' WHERE agent = ?", (agent,))
    args = ("--at", str(tick), "--agent", agent, "--screenshot", tmp_path / "out.png")
    assert "retrieval: memories_json is not valid JSON" in view_error(db, *args)


def test_corrupt_pages_give_one_line(
    run_db: Path, tmp_path: Path, copy_run: CopyRun, view_error: ViewError
) -> None:
    db = copy_run(run_db, tmp_path / "damaged.db")
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA journal_mode = DELETE")
        size = c.execute("PRAGMA page_size").fetchone()[0]
        pages = c.execute("PRAGMA page_count").fetchone()[0]
    with db.open("r+b") as f:  # scribble over every page but the schema's
        f.seek(2 * size)
        f.write(b"\xa5" * size * (pages - 2))
    err = view_error(db, "--screenshot", tmp_path / "out.png")
    assert str(db) in err and "malformed" in err


def test_a_checkpoint_missing_a_key_does_not_stop_the_viewer(
    run_db: Path, tmp_path: Path, copy_run: CopyRun
) -> None:
    """The viewer draws from frames, never from engine checkpoints, so it still shows the run."""
    db = copy_run(run_db, tmp_path / "damaged.db")
    with sqlite3.connect(db) as c:
        c.execute("UPDATE checkpoint SET state_json = json_remove(state_json, '$.agents')")
    out = tmp_path / "out.png"
    result = CliRunner().invoke(app, ["view", str(db), "--screenshot", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
