"""A run's past as another run's start: copy a run file up to a tick, or read its rows.

A checkpoint at tick T is taken between ticks: after tick T-1, or at the very end of a run after
whatever happened between ticks (surveys, interventions). So a run's past "up to T" is every row
before T, plus the rows at T when the run never stepped tick T (they came before that final
checkpoint); when tick T was stepped, its rows came after the checkpoint and are not the past.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

TICK_TABLES = (
    "frame", "object_state", "memory", "conversation", "event", "retrieval", "lm_call", "tick",
)  # fmt: skip


def cut_tick(conn: sqlite3.Connection, upto: int) -> int:
    """The first tick whose rows are not part of the run's past up to `upto`."""
    stepped = conn.execute("SELECT 1 FROM tick WHERE tick = ?", (upto,)).fetchone()
    return upto if stepped else upto + 1


def copy_run(source: Path, target: Path, upto: int) -> None:
    """Copy a run file (SQLite's online backup) and drop what happened after tick `upto`."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        cut = cut_tick(dst, upto)
        for table in TICK_TABLES:
            dst.execute(f"DELETE FROM {table} WHERE tick >= ?", (cut,))
        dst.execute("DELETE FROM checkpoint WHERE tick > ?", (upto,))
        dst.execute("UPDATE run SET ticks = ?", (upto,))
        dst.commit()
    finally:
        src.close()
        dst.close()
