"""What `sim inspect` and `sim run` print: recorded text as inert data, and no confusing bits."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from sim.cli.run_cmd import _print_summary
from sim.cli.terminal import clean, plural, shorten
from sim.simulation import Simulation
from sim.world.map import World

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "Red\x1b[31m alert\x07 \x1b]0;owned\x07title\x9b2J"


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    """The `sim` command in a fresh process, its output piped (so rich adds no escapes) and wide
    (so table cells are not wrapped)."""
    return subprocess.run(
        [sys.executable, "-c", "from sim.cli.app import main; main()", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, willow: World) -> Path:
    """A closed 200-tick run on the fake LM (it has conversations and reflections)."""
    db = tmp_path_factory.mktemp("runs") / "run.db"
    Simulation.build(willow, lm="fake", db=db, checkpoint_every=100).run(ticks=200).close()
    return db


def test_terminal_controls_in_recorded_text_never_reach_the_terminal(
    recorded: Path, tmp_path: Path
) -> None:
    db = tmp_path / "hostile.db"
    shutil.copy(recorded, db)
    with sqlite3.connect(db) as con:  # what a model (or an edited file) could have written
        con.execute("UPDATE memory SET text = ? || text", (HOSTILE,))
        con.execute("UPDATE run SET world_name = ?", (HOSTILE,))
    for args in ([], ["Maya Torres"]):
        out = sim("inspect", str(db), *args)
        assert out.returncode == 0, out.stderr
        assert "Red alert" in out.stdout
        assert not any(c in out.stdout for c in "\x1b\x07\x9b"), repr(out.stdout[:300])


def test_the_run_summary_strips_terminal_controls_from_names_and_actions() -> None:
    summary = {
        "status": "finished", "game_time": "day 1 07:30", "ticks": 3, "db": "x.db", "digest": "d",
        "lm": {"calls": 1, "cached": 0, "invalid": 0, "fallbacks": 0, "prompt_tokens": 1,
               "completion_tokens": 1},
        "agents": {HOSTILE: {"observation": 1, "plan": 1, "dialogue": 0, "reflection": 0,
                             "status": HOSTILE}},
    }  # fmt: skip
    out = io.StringIO()
    _print_summary(summary, Console(file=out, width=200))
    assert "Red alert" in out.getvalue()
    assert not any(c in out.getvalue() for c in "\x1b\x07\x9b")


def test_clean_keeps_newlines_tabs_and_text() -> None:
    assert clean("a\tb\nc\x1b[1;31md\x00e\x7f") == "a\tb\ncde"


def test_long_texts_are_cut_at_a_word_with_an_ellipsis() -> None:
    text = "My plan for day 1: 07:00 serve the morning rush; 09:30 take a coffee out"
    cut = shorten(text, 60)
    assert len(cut) <= 60 and cut.endswith("…")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " "
    assert shorten("short", 60) == "short"
    assert plural(1, "memory") == "1 memory" and plural(4, "memory") == "4 memories"


def test_inspect_says_memory_once_pluralises_and_leaves_out_empty_queries(
    recorded: Path, tmp_path: Path
) -> None:
    db = tmp_path / "small.db"
    shutil.copy(recorded, db)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE memory SET evidence_json = '[0]' WHERE kind = 'reflection'")
        con.execute(
            "UPDATE retrieval SET purpose = 'reflect', query = ', ' WHERE id = "
            "(SELECT MAX(id) FROM retrieval WHERE agent = 'Maya Torres')"
        )
    summary = sim("inspect", str(db)).stdout
    assert "(from 1 memory)" in summary and "memories)" not in summary
    agent = sim("inspect", str(db), "Maya Torres").stdout
    assert "last decision (reflect)" in agent and "reflect: ," not in agent


def test_a_run_before_its_first_tick_says_not_started_and_shows_no_empty_sections(
    willow: World, tmp_path: Path
) -> None:
    db = tmp_path / "zero.db"
    crashed = Simulation.build(willow, lm="fake", db=db)
    assert crashed.recorder is not None
    crashed.recorder.lock.release()  # killed while preparing: no tick, no checkpoint
    summary = sim("inspect", str(db)).stdout
    assert "not started" in summary and "None" not in summary
    assert "Places" not in summary and "digest none yet" in summary
    assert "nothing was saved to resume from" in " ".join(summary.split())
    agent = sim("inspect", str(db), "Maya Torres").stdout
    assert "now not started" in agent and "None" not in agent
    for heading in ("Reflections", "Recent memories", "Current steps"):
        assert heading not in agent
