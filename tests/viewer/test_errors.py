"""Bad databases and flags give one line and status 2; the viewer needs no engine or display
to load a run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ViewError = Callable[..., str]


def test_corrupt_database_gives_one_line(tmp_path: Path, view_error: ViewError) -> None:
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    assert "corrupt.db" in view_error(bad, "--screenshot", tmp_path / "x.png")


def test_foreign_database_gives_one_line(tmp_path: Path, view_error: ViewError) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE recipes (name TEXT)")
    assert "not a sim run database" in view_error(other)
    assert "no such run database" in view_error(tmp_path / "missing.db")


def test_bad_flags_give_one_line(run_db: Path, view_error: ViewError) -> None:
    assert "outside the run" in view_error(run_db, "--at", "day 2 09:00")
    assert "--at" in view_error(run_db, "--at", "teatime")
    png = run_db.with_suffix(".png")
    assert "no agent" in view_error(run_db, "--agent", "Nobody", "--screenshot", png)
    assert "--size" in view_error(run_db, "--size", "big")


def test_loading_a_run_needs_no_engine_lm_or_display(run_db: Path) -> None:
    code = (
        "import sys\n"
        "from viewer.source import RunSource\n"
        "from viewer.inspector import agent_report\n"
        "import viewer.app\n"
        f"s = RunSource({str(run_db)!r}); m = s.timeline()\n"
        "agent_report(m, s, m.agents[0], m.last_tick)\n"
        "avoid = ('sim.engine', 'sim.cognition', 'sim.llm.fake', 'pygame')\n"
        "bad = [n for n in avoid if n in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
