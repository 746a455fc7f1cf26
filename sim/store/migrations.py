"""Schema migrations: an ordered list of functions, each recorded once it has run."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from sim.store import tables
from sim.store.tables import SchemaVersionRow


def _create_tables(engine: Engine) -> None:
    """Version 1: every table of the run database."""
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in _TABLES])  # type: ignore[attr-defined]


_TABLES = (
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

MIGRATIONS: list[tuple[str, Callable[[Engine], None]]] = [("create tables", _create_tables)]
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
