"""PostgreSQL's side of the store: engines on a run's schema, the writer's advisory lock, and the
one-line messages for a server that cannot be reached.

The counterparts of SQLite's file parts: a schema per run instead of a file, `DROP SCHEMA` for
`--overwrite`, and a session-level advisory lock instead of `flock`. The lock dies with the
writer's connection (a killed writer's lock is gone as soon as the server notices), and the
writer names itself in `application_name`, so a refusal can say which process holds the run.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from sim.errors import SimInputError
from sim.store.guard import db_message
from sim.store.location import PgRun

CONNECT_TIMEOUT_S = 10  # an unreachable server fails in seconds, not minutes
APP_PREFIX = "sim writer "  # application_name of a writer's lock connection: "sim writer PID@HOST"
REACH_FIX = "start the server, or fix the host, port, user, password or database in --db"


def pg_engine(run: PgRun, *, readonly: bool = False) -> Engine:
    """An engine whose connections see only this run's schema (read-only when asked)."""
    try:
        engine = create_engine(run.url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    except ModuleNotFoundError:
        raise SimInputError(
            "--db", "url", f"{run.label}: PostgreSQL support is not installed",
            "pip install -e '.[postgres]' (it adds psycopg)",
        ) from None  # fmt: skip

    @event.listens_for(engine, "connect")
    def _scope(conn: Any, _record: Any) -> None:
        cur = conn.cursor()
        cur.execute(f"SET search_path TO {run.quoted_schema}")
        if readonly:
            cur.execute("SET default_transaction_read_only = on")
        cur.close()
        conn.commit()

    return engine


@contextmanager
def reaching(run: PgRun) -> Iterator[None]:
    """Turn a server that cannot be reached (or refuses the login) into one line naming --db."""
    try:
        yield
    except DBAPIError as exc:
        if not exc.connection_invalidated and _is_connect_error(exc):
            raise SimInputError(
                "--db", "url", f"cannot reach {run.label} ({db_message(exc)})", REACH_FIX
            ) from None
        raise


def _is_connect_error(exc: DBAPIError) -> bool:
    """Whether the error came before any statement ran: the connection itself failed."""
    return type(exc.orig).__name__ == "OperationalError" and exc.statement in (None, "")


def schema_state(engine: Engine, run: PgRun) -> str:
    """ "none" (no such schema), "empty" (no run row yet) or "recorded"."""
    with reaching(run), engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": run.schema}
        ).first()
        if found is None:
            return "none"
        has_run = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{run.quoted_schema}.run"})
        if has_run.scalar() is None:
            return "empty"
        rows = conn.execute(text(f"SELECT count(*) FROM {run.quoted_schema}.run")).scalar()
        return "recorded" if rows else "empty"


def create_schema(engine: Engine, run: PgRun, *, replace: bool) -> None:
    """Make the run's schema (dropping a recorded one first when `replace`)."""
    with reaching(run), engine.begin() as conn:
        if replace:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {run.quoted_schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {run.quoted_schema}"))


def lock_key(run: PgRun) -> int:
    """The advisory lock key of a run: a signed 64-bit hash of its database and schema."""
    digest = hashlib.sha256(f"{run.url.database}/{run.schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgRunLock:
    """The writer's hold on a run: an advisory lock on a connection kept open while it writes."""

    def __init__(self, run: PgRun, engine: Engine, conn: Connection) -> None:
        self.run, self._engine, self._conn = run, engine, conn

    @classmethod
    def acquire(cls, run: PgRun) -> PgRunLock:
        """Take the lock, or refuse in one line naming the process that holds it."""
        engine = pg_engine(run)
        me = f"{APP_PREFIX}{os.getpid()}@{socket.gethostname()}"[:63]
        try:
            with reaching(run):
                conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SELECT set_config('application_name', :me, false)"), {"me": me})
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(run)})
            if not got.scalar():
                conn.close()
                who = holder(run, engine)
                raise SimInputError(
                    run.label, "lock", f"this run is being written by {_process(who)}",
                    "wait for that process to end (or stop it), or use another ?run= name",
                )  # fmt: skip
        except BaseException:
            engine.dispose()
            raise
        return cls(run, engine, conn)

    def release(self) -> None:
        """Let go of the lock, then close its connection (idempotent). Unlocking first makes the
        release synchronous: a backend ends a moment after its client has gone."""
        if self._conn is None:
            return
        with suppress(DBAPIError):  # a connection already gone took the lock with it
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(self.run)})
        self._conn.close()
        self._engine.dispose()
        self._conn = None  # type: ignore[assignment]


def _process(who: str | None) -> str:
    """`process PID` (on its host when that is not this one) for a refusal."""
    if not who:
        return "another process"
    pid, _, host = who.partition("@")
    return f"process {pid}" if host in ("", socket.gethostname()) else f"process {pid} on {host}"


def holder(run: PgRun, engine: Engine | None = None) -> str | None:
    """`PID@HOST` of the process writing the run now ("" when the server hides who), or None."""
    own = engine is None
    engine = engine or pg_engine(run)
    key = lock_key(run)
    try:
        with reaching(run), engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l"
                    " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                    " AND l.database = (SELECT oid FROM pg_database"
                    "   WHERE datname = current_database())"
                    " AND l.classid = CAST(:hi AS bigint)::oid"
                    " AND l.objid = CAST(:lo AS bigint)::oid"
                ),
                {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
            ).first()
    finally:
        if own:
            engine.dispose()
    if row is None:
        return None
    name = row[0] or ""
    return name.removeprefix(APP_PREFIX) if name.startswith(APP_PREFIX) else ""


def holder_pid(who: str | None) -> int | None:
    """The pid in a holder's `PID@HOST` (0 when it cannot be seen), or None when nobody holds."""
    if who is None:
        return None
    pid = who.partition("@")[0]
    return int(pid) if pid.isdigit() else 0
