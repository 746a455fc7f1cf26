"""One writer per run database, and a run that died says so instead of looking alive."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import SimInputError
from sim.simulation import Simulation
from sim.store import recorder as recorder_module
from sim.store.lock import RunLock, holder, lock_path
from sim.world.map import World

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "worlds/willow", "--lm", "fake", "--embedder", "hash"]
sys.path.insert(0, str(ROOT / "tests" / "cli"))
from test_resume import signal_after, sim_cli, stored_ticks  # noqa: E402


def one_line(out: subprocess.CompletedProcess[str]) -> str:
    """The single line a refused command prints (and no traceback)."""
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    return lines[0]


def test_a_database_being_written_refuses_a_second_run_overwrite_and_resume(
    tmp_path: Path,
) -> None:
    db = tmp_path / "busy.db"
    writer = signal_after(db, 20, 20000, signal.SIGCONT)  # started, and left running
    try:
        assert holder(db) == writer.pid
        for args in (
            [*RUN, "--ticks", "5", "--db", str(db)],
            [*RUN, "--ticks", "5", "--db", str(db), "--overwrite"],
            ["run", "--resume", str(db)],
        ):
            out = sim_cli(*args)
            assert out.returncode == 2
            assert f"being written by process {writer.pid}" in one_line(out)
        before = stored_ticks(db)
        inspected = sim_cli("inspect", str(db))
        assert f"process {writer.pid} is writing it" in inspected.stdout
        assert stored_ticks(db) >= before > 0  # the file was never replaced under the writer
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert holder(db) is None  # a killed writer's lock is gone with it
    stopped = sim_cli("inspect", str(db))
    assert "stopped (no heartbeat since" in stopped.stdout
    assert f"resume with `sim run --resume {db}`" in " ".join(stopped.stdout.split())
    assert sim_cli("inspect", str(db), "--json").stdout.count('"status": "stopped"') == 1


def test_two_starts_on_one_database_at_once_give_one_run_and_one_line(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    command = [sys.executable, "-c", "from sim.cli.app import main; main()", *RUN]
    procs = [
        subprocess.Popen(
            [*command, "--ticks", "600", "--db", str(db)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert sorted(code for code, _ in results) == [0, 2]
    loser = next(err for code, err in results if code == 2)
    lines = [line for line in loser.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in loser
    assert "being written by process" in lines[0] or "already recorded" in lines[0]
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status, ticks FROM run").fetchone() == ("finished", 600)


def test_a_lock_file_left_by_a_dead_process_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "stale.db"
    lock_path(db).write_text("999999999")  # what a killed writer leaves: the file, no lock
    assert holder(db) is None
    lock = RunLock.acquire(db)
    assert lock_path(db).read_text() == str(os.getpid())
    with pytest.raises(SimInputError, match=f"being written by process {os.getpid()}"):
        RunLock.acquire(db)  # a second writer, even in the same process
    lock.release()
    assert not lock_path(db).exists()


def test_closing_a_run_releases_its_lock(willow: World, tmp_path: Path) -> None:
    db = tmp_path / "closed.db"
    sim = Simulation.build(willow, lm="fake", db=db).run(ticks=3)
    assert holder(db) == os.getpid()
    sim.close()
    assert holder(db) is None
    Simulation.open(db, record=True).close()  # the next writer gets it


def test_preparing_the_agents_keeps_the_heartbeat_fresh(
    willow: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "prep.db"
    sim = Simulation.build(willow, lm="fake", db=db)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE run SET heartbeat = 1")  # as if the last sign of life were long ago
    monkeypatch.setattr(recorder_module, "BEAT_EVERY_S", 0.0)
    sim.engine.prepare()  # only LM calls (rating seed memories): no tick is written
    with sqlite3.connect(db) as con:
        heartbeat, ticks = con.execute("SELECT heartbeat, ticks FROM run").fetchone()
    assert heartbeat > 1 and ticks == 0
    sim.close()
