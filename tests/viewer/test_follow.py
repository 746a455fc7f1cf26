"""`--follow` picks up ticks another process writes after the viewer opened the run."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pygame

from viewer.app import Viewer
from viewer.source import RunSource

MakeViewer = Callable[..., tuple[Viewer, pygame.Surface]]
TABLES = ("frame", "object_state", "event", "retrieval", "memory", "conversation")
CUT = 100


def write_rest(full: Path, db: Path) -> None:
    """Append the full run's later ticks one transaction per tick, as the recorder does."""
    src = sqlite3.connect(f"file:{full}?mode=ro", uri=True)
    dst = sqlite3.connect(db)
    last = src.execute("SELECT MAX(tick) FROM tick").fetchone()[0]
    for tick in range(CUT + 1, last + 1):
        with dst:
            for table in (*TABLES, "tick"):
                rows = src.execute(f"SELECT * FROM {table} WHERE tick = ?", (tick,)).fetchall()
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    dst.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        time.sleep(0.002)
    with dst:
        dst.execute("UPDATE run SET status = 'finished'")
    src.close()
    dst.close()


def test_follow_picks_up_ticks_written_after_opening(
    run_db: Path,
    make_viewer: MakeViewer,
    copy_run: Callable[[Path, Path], Path],
    tmp_path: Path,
) -> None:
    db = copy_run(run_db, tmp_path / "live.db")
    with sqlite3.connect(db) as c:
        for table in (*TABLES, "tick"):
            c.execute(f"DELETE FROM {table} WHERE tick > ?", (CUT,))
        c.execute("UPDATE run SET status = 'running'")
        c.execute("PRAGMA journal_mode=WAL")
    viewer, screen = make_viewer(db, follow=True)
    assert viewer.model.last_tick == CUT and viewer.t == CUT and viewer.playing
    assert viewer.follower is not None and viewer.follower.status == "running"
    viewer.follower.every = 0.0
    writer = threading.Thread(target=write_rest, args=(run_db, db))
    writer.start()
    seen = set()
    deadline = time.monotonic() + 120  # a guard against hanging, not a speed requirement
    while viewer.follower.status != "finished" or writer.is_alive():
        assert time.monotonic() < deadline
        viewer.update(0.0)
        viewer.draw(screen)
        seen.add(viewer.model.last_tick)
        time.sleep(0.01)  # like a real frame loop: leave the writer thread time to run
    viewer.update(0.0)
    writer.join()
    source = RunSource(run_db)
    full = source.timeline()
    source.close()
    assert viewer.model.last_tick == full.last_tick and len(seen) > 2  # it grew while running
    assert viewer.t == full.last_tick  # stayed live at the newest tick
    for name in full.agents:
        for tick in range(0, full.last_tick + 1, 7):
            assert viewer.model.frame(name, tick) == full.frame(name, tick)
    assert len(viewer.model.events) == len(full.events)
