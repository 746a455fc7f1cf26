"""A run's past as another run's start: copy a run up to a tick, or read its rows.

A checkpoint at tick T is taken between ticks: after tick T-1, or at the very end of a run after
whatever happened between ticks (surveys, interventions). So a run's past "up to T" is every row
before T, plus the rows at T when the run never stepped tick T (they came before that final
checkpoint); when tick T was stepped, its rows came after the checkpoint and are not the past.

File to file is SQLite's online backup; any copy that involves a server goes row by row through
the shared table definitions, so a fork may live in another store than its parent.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Connection, Integer, Table, insert, select, text, update

from sim.store.engines import run_engine
from sim.store.location import RunDb, is_url
from sim.store.migrations import TABLES, migrate
from sim.store.tables import CheckpointRow, RunRow, TickRow

TICK_TABLES = (
    "frame", "object_state", "memory", "conversation", "event", "retrieval", "lm_call", "tick",
)  # fmt: skip
CHUNK = 2000  # rows per insert when copying row by row


def cut_tick(conn: Connection | sqlite3.Connection, upto: int) -> int:
    """The first tick whose rows are not part of the run's past up to `upto`."""
    if isinstance(conn, sqlite3.Connection):
        stepped = conn.execute("SELECT 1 FROM tick WHERE tick = ?", (upto,)).fetchone()
    else:
        stepped = conn.execute(select(TickRow.tick).where(TickRow.tick == upto)).first()
    return upto if stepped else upto + 1


def copy_run(source: RunDb, target: RunDb, upto: int) -> None:
    """Copy a run and drop what happened after tick `upto` (the target is empty)."""
    if is_url(source) or is_url(target):
        _copy_rows(source, target, upto)
        return
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


def _copy_rows(source: RunDb, target: RunDb, upto: int) -> None:
    """Copy table by table through SQLAlchemy: the target gets today's schema, then the rows."""
    src, dst = run_engine(source, readonly=True), run_engine(target)
    try:
        migrate(dst)
        with src.connect() as reading, dst.begin() as writing:
            cut = cut_tick(reading, upto)
            for model in TABLES:
                if model.__tablename__ == "schema_version":
                    continue
                table: Table = model.__table__  # type: ignore[attr-defined]
                query = select(table)
                if table.name in TICK_TABLES:
                    query = query.where(table.c.tick < cut)
                elif model is CheckpointRow:
                    query = query.where(table.c.tick <= upto)
                result = reading.execution_options(yield_per=CHUNK).execute(query)
                for rows in result.partitions():
                    writing.execute(insert(table), [dict(r._mapping) for r in rows])
            writing.execute(update(RunRow).values(ticks=upto))
            if writing.dialect.name == "postgresql":
                _advance_sequences(writing)
    finally:
        src.dispose()
        dst.dispose()


def _advance_sequences(conn: Connection) -> None:
    """Copied ids were given explicitly; move each id sequence past them for the next insert."""
    for model in TABLES:
        table: Table = model.__table__  # type: ignore[attr-defined]
        if list(table.primary_key.columns.keys()) == ["id"] and isinstance(
            table.c.id.type, Integer
        ):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
