"""SQLAlchemy engines on a run, whichever store holds it, and making room for a new run there.

SQLite: WAL journaling lets a viewer or `sim inspect` read the file while the run is still
writing it; readers open it read-only. PostgreSQL: the run's own schema (sim/store/postgres.py);
readers get read-only transactions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import create_engine

from sim.errors import SimInputError
from sim.store.location import RunDb, is_url, label, pg_run
from sim.store.postgres import create_schema, pg_engine, schema_state


def sqlite_engine(path: Path, *, readonly: bool = False) -> Engine:
    """A SQLAlchemy engine on `path` with WAL journaling (read-only when asked)."""
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if readonly else f"sqlite:///{path}"
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        cur = conn.cursor()
        if not readonly:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def run_engine(db: RunDb, *, readonly: bool = False) -> Engine:
    """An engine on the run `db` names: a file, or a run's schema on a server."""
    if is_url(db):
        return pg_engine(pg_run(str(db)), readonly=readonly)
    return sqlite_engine(Path(db), readonly=readonly)


def make_room(db: RunDb, *, overwrite: bool, flag: str = "--db") -> None:
    """Get `db` ready for a new run: refuse a recorded one unless `overwrite`, then clear it."""
    if is_url(db):
        run = pg_run(str(db))
        engine = pg_engine(run)
        try:
            state = schema_state(engine, run)
            if state == "recorded" and not overwrite:
                raise _taken(db, "under this name", flag)
            create_schema(engine, run, replace=state != "none")
        finally:
            engine.dispose()
        return
    path = Path(db)
    if path.exists() and path.stat().st_size > 0 and not overwrite:
        raise _taken(db, "in this file", flag)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def recorded(db: RunDb) -> bool:
    """Whether a run is recorded at `db` already."""
    if not is_url(db):
        return Path(db).exists() and Path(db).stat().st_size > 0
    run = pg_run(str(db))
    engine = pg_engine(run, readonly=True)
    try:
        return schema_state(engine, run) == "recorded"
    finally:
        engine.dispose()


def _taken(db: RunDb, where: str, flag: str) -> SimInputError:
    new = "?run= name" if is_url(db) else "path"
    if flag == "fork":
        fix, field = f"choose a new {new} for the fork, or pass overwrite=True", "db"
    else:
        fix, field = f"choose a new --db {new}, or pass --overwrite to replace it", flag
    return SimInputError(label(db), field, f"a run is already recorded {where}", fix)
