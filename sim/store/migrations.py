"""Schema migrations: an ordered list of functions, each recorded once it has run.

The same list serves both stores: a new run (SQLite or PostgreSQL) gets today's tables from
version 1, and the later steps only add what an older SQLite file lacks.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect
from sqlmodel import Session, SQLModel, select

from sim.store import tables
from sim.store.tables import SchemaVersionRow


def _create_tables(engine: Engine) -> None:
    """Version 1: every table of the run database."""
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in TABLES])  # type: ignore[attr-defined]


TABLES = (
    tables.RunRow,
    tables.TickRow,
    tables.FrameRow,
    tables.ObjectRow,
    tables.MemoryRow,
    tables.ConversationRow,
    tables.EventRow,
    tables.RetrievalRow,
    tables.LMCallRow,
    tables.CheckpointRow,
    tables.SchemaVersionRow,
)


def _columns(conn: Connection, table: str) -> set[str]:
    """The column names a table has now."""
    return {c["name"] for c in inspect(conn).get_columns(table)}


def _memory_generations(engine: Engine) -> None:
    """Version 2: memory rows keyed by generation (a reset agent writes ids again) and forks
    that name their parent run."""
    with engine.begin() as conn:
        columns = _columns(conn, "run")
        if "parent" not in columns:
            conn.exec_driver_sql("ALTER TABLE run ADD COLUMN parent VARCHAR NOT NULL DEFAULT ''")
            conn.exec_driver_sql("ALTER TABLE run ADD COLUMN fork_tick INTEGER NOT NULL DEFAULT 0")
        columns = _columns(conn, "memory")
        if "generation" in columns:
            return
        conn.exec_driver_sql("ALTER TABLE memory RENAME TO memory_v1")
        for index in ("ix_memory_tick", "ix_memory_kind"):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
    SQLModel.metadata.create_all(engine, tables=[tables.MemoryRow.__table__])  # type: ignore[attr-defined]
    with engine.begin() as conn:
        names = "agent, id, tick, kind, text, created, importance, depth, evidence_json"
        conn.exec_driver_sql(
            f"INSERT INTO memory ({names}, subjects_json, generation) "
            f"SELECT {names}, subjects_json, 0 FROM memory_v1"
        )
        conn.exec_driver_sql("DROP TABLE memory_v1")


def _target_ticks(engine: Engine) -> None:
    """Version 3: the tick a run was asked to reach, so that `--resume` knows where to stop."""
    with engine.begin() as conn:
        columns = _columns(conn, "run")
        if "target_ticks" not in columns:
            conn.exec_driver_sql(
                "ALTER TABLE run ADD COLUMN target_ticks INTEGER NOT NULL DEFAULT 0"
            )


def _heartbeat(engine: Engine) -> None:
    """Version 4: the writer's pid and heartbeat, so a run that died says so."""
    with engine.begin() as conn:
        columns = _columns(conn, "run")
        if "heartbeat" not in columns:
            conn.exec_driver_sql("ALTER TABLE run ADD COLUMN heartbeat FLOAT NOT NULL DEFAULT 0")
            conn.exec_driver_sql("ALTER TABLE run ADD COLUMN writer_pid INTEGER NOT NULL DEFAULT 0")


def _call_faults(engine: Engine) -> None:
    """Version 5: each LM call's transport faults, so that a resume counts them again."""
    with engine.begin() as conn:
        if "faults_json" not in _columns(conn, "lm_call"):
            conn.exec_driver_sql(
                "ALTER TABLE lm_call ADD COLUMN faults_json VARCHAR NOT NULL DEFAULT '[]'"
            )


MIGRATIONS: list[tuple[str, Callable[[Engine], None]]] = [
    ("create tables", _create_tables),
    ("memory generations and fork parents", _memory_generations),
    ("target ticks", _target_ticks),
    ("heartbeat", _heartbeat),
    ("lm call faults", _call_faults),
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(engine: Engine) -> None:
    """Apply the migrations this database has not seen yet."""
    SQLModel.metadata.create_all(engine, tables=[SchemaVersionRow.__table__])  # type: ignore[attr-defined]
    with Session(engine) as session:
        done = {row.version for row in session.exec(select(SchemaVersionRow))}
    for version, (name, apply) in enumerate(MIGRATIONS, start=1):
        if version in done:
            continue
        apply(engine)
        with Session(engine) as session:
            session.add(SchemaVersionRow(version=version, name=name))
            session.commit()
