"""The reader's hot queries: tick windows, wrong-typed values, and small lookups, compiled once
per dialect and fetched as the driver's tuples, so a viewer polling a run pays what hand-written
SQL would, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Float, Integer, bindparam, func, literal_column, or_
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel, select

from sim.store.tables import RetrievalRow, RunRow, TickRow

# The hot queries compiled per dialect name (not per engine, as SQLAlchemy's own cache is), so a
# reader opened anew compiles nothing; the queries themselves are cached, so this stays small.
COMPILED: dict[tuple[Any, str], Any] = {}
STATUS = select(RunRow.status).limit(1)
NEWEST = select(func.max(TickRow.tick))
RETRIEVAL = select(
    RetrievalRow.tick,
    RetrievalRow.agent,
    RetrievalRow.purpose,
    RetrievalRow.query,
    RetrievalRow.memories_json,
).where(RetrievalRow.id == bindparam("rid"))


def fetch(conn: Connection, query: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of a hot, cached query as the driver's own tuples: SQL compiled once per dialect
    (not once per engine), and no SQLAlchemy row objects, so that a viewer opening a day-long
    run pays what a hand-written query would."""
    key = (query, conn.dialect.name)
    compiled = COMPILED.get(key)
    if compiled is None:
        compiled = COMPILED[key] = query.compile(dialect=conn.dialect)
    values = compiled.construct_params(params)  # the window's bounds, and constants (LIMIT)
    args = tuple(values[k] for k in compiled.positiontup) if compiled.positional else values
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, args)
        return cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy would have raised it
        raise DatabaseError(compiled.string, args, exc) from exc
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def window_query(table: type[SQLModel], columns: tuple[str, ...], order: tuple[str, ...]) -> Any:
    """A tick-window select, built once (so SQLAlchemy's compiled cache hits on every poll)."""
    t = table.__table__  # type: ignore[attr-defined]
    return (
        select(*(t.c[c] for c in columns))
        .where(t.c.tick > bindparam("after"), t.c.tick <= bindparam("upto"))
        .order_by(*(t.c[c] for c in order))
    )


@lru_cache(maxsize=16)
def type_query(table: type[SQLModel], columns: tuple[str, ...]) -> tuple[Any, dict[str, list[str]]]:
    """The SQLite query for the first row in a tick window with a value of the wrong type in
    `columns`, and the types each column allows (from the table's definition)."""
    t = table.__table__  # type: ignore[attr-defined]
    allowed = {name: _sqlite_types(t.c[name]) for name in columns}
    types = [func.typeof(t.c[name]) for name in allowed]
    query = (
        select(t.c.tick, *types)
        .where(t.c.tick > bindparam("after"), t.c.tick <= bindparam("upto"))
        .where(or_(*(k.not_in(_names(allowed[n])) for k, n in zip(types, allowed, strict=True))))
        .limit(1)
    )
    return query, allowed


def _names(kinds: list[str]) -> list[Any]:
    """Type names as SQL literals, so the compiled query has only the window's two parameters."""
    return [literal_column(f"'{kind}'") for kind in kinds]


def _sqlite_types(column: Any) -> list[str]:
    """The SQLite `typeof()` names a column's values may have (the expected one first)."""
    kind = column.type
    if isinstance(kind, Float):
        names = ["real", "integer"]
    elif isinstance(kind, Integer) or kind.python_type is bool:
        names = ["integer"]
    else:
        names = ["text"]
    return [*names, "null"] if column.nullable else names
