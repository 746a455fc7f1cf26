"""The reader's hot queries: tick windows, wrong-typed values, and small lookups, compiled once
per dialect and fetched as the driver's tuples, so a viewer polling a run pays what hand-written
SQL would, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Float, Integer, bindparam, func, literal_column, or_
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel, select

from sim.store.branch import cut_tick
from sim.store.tables import MemoryRow, RetrievalRow, RunRow, TickRow

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


class WindowReads:
    """The reads a viewer polls with (tick windows, wrong-typed values, a retrieval by id,
    memory texts), mixed into `RunReader`: they need its `engine`, and `_held` while a
    `batch` keeps one connection for several reads."""

    engine: Engine
    _held: Connection | None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several reads on one connection (a viewer's poll), instead of one checkout each."""
        with self.engine.connect() as conn:
            self._held = conn
            try:
                yield
            finally:
                self._held = None

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if self._held is not None:
            yield self._held
            return
        with self.engine.connect() as conn:
            yield conn

    def status(self) -> str:
        """The run's recorded status now (the writer may have changed it since opening)."""
        with self._connection() as conn:
            found = fetch(conn, STATUS, {})
        return found[0][0] if found else "?"

    def newest_tick(self) -> Any:
        """The newest completed tick (None before the first); as stored, so a damaged file may
        give something other than an int."""
        with self._connection() as conn:
            return fetch(conn, NEWEST, {})[0][0]

    def past_end(self, upto: int) -> int:
        """The first tick whose rows are not part of the run's past up to `upto`."""
        with self._connection() as conn:
            return cut_tick(conn, upto)

    def window(
        self,
        table: type[SQLModel],
        columns: Sequence[str],
        after: int,
        upto: int,
        order: Sequence[str] = ("tick",),
    ) -> Sequence[Sequence[Any]]:
        """`columns` of the rows of `table` with `after < tick <= upto`, as tuple-like rows in
        `order`: one range query on the tick index, the shape the viewer polls in."""
        query = window_query(table, tuple(columns), tuple(order))
        with self._connection() as conn:
            return fetch(conn, query, {"after": after, "upto": upto})

    def wrong_type(
        self, table: type[SQLModel], columns: Sequence[str], after: int, upto: int
    ) -> str | None:
        """The first value of `columns` in the tick window stored with a type its column does not
        have, as words. Only SQLite stores any value in any column; a server enforces types."""
        if self.engine.dialect.name != "sqlite":
            return None
        query, allowed = type_query(table, tuple(columns))
        with self._connection() as conn:
            found = fetch(conn, query, {"after": after, "upto": upto})
        if not found:
            return None
        tick, *got = found[0]
        for (column, kinds), kind in zip(allowed.items(), got, strict=True):
            if kind not in kinds:
                return f"the row at tick {tick!r} has {column} of type {kind}, not {kinds[0]}"
        return "a row has a value of the wrong type"

    def retrieval(self, rid: int) -> Sequence[Any] | None:
        """One retrieval row by id: tick, agent, purpose, query, memories_json."""
        with self._connection() as conn:
            found = fetch(conn, RETRIEVAL, {"rid": rid})
        return found[0] if found else None

    def memory_texts(self, agent: str, ids: Sequence[int]) -> list[tuple[int, str]]:
        """(id, text) of the agent's memories with these ids, for reflection evidence."""
        t = MemoryRow.__table__  # type: ignore[attr-defined]
        query = select(t.c.id, t.c.text).where(t.c.agent == agent, t.c.id.in_(list(ids)))
        with self._connection() as conn:
            return [(i, text) for i, text in conn.execute(query)]
