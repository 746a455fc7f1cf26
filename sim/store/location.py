"""Where a run lives: a SQLite file (a path) or a run in a PostgreSQL database (a URL).

`--db runs/town.db` is a file that holds one run. `--db postgresql://user@host:5432/sims?run=town`
is the run `town` in the database `sims`: each run gets its own schema (`run_town`), so the
tables keep one definition (sim/store/tables.py) and many runs share one server. A URL stays a
`str` everywhere (never a `Path`, which would fold its `//`), and its password never leaves
this module: `label` is what messages and stored rows show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import SimInputError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

RunDb = str | Path  # a SQLite file, or a PostgreSQL URL (as a str)
SCHEMES = {"postgresql", "postgres", "postgresql+psycopg"}
RUN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,58}")
SCHEMA_PREFIX = "run_"  # keeps runs apart from `public` and other schemas in the database
URL_FIX = "use postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE?run=NAME"


def is_url(db: RunDb) -> bool:
    """Whether `db` names a database server rather than a file."""
    return isinstance(db, str) and "://" in db


def as_db(value: RunDb) -> RunDb:
    """A `--db` value as the store takes it: a checked URL (a str), or a file path."""
    if is_url(value):
        pg_run(str(value))  # a bad URL fails here, before any work
        return str(value)
    return Path(value)


def label(db: RunDb) -> str:
    """How messages and stored rows name a run: the path, or the URL without its password."""
    if not is_url(db):
        return str(db)
    url = _parse(str(db))
    if url is None:
        return str(db).split("://", 1)[0] + "://..."  # unparseable: show no part of it
    return url.render_as_string(hide_password=True)


def short_name(db: RunDb) -> str:
    """A run's name for a window title: the file's name, or the run's `?run=` name."""
    return pg_run(str(db)).name if is_url(db) else Path(db).name


def unmasked(shown: str) -> str:
    """A URL as `label` showed it, with the masked password dropped, so that the driver takes
    the password from PGPASSWORD or ~/.pgpass (an experiment's manifest keeps none)."""
    url = _parse(shown)
    if url is None or url.password != "***":
        return shown
    from sqlalchemy.engine import URL

    kept = URL.create(
        url.drivername, url.username, None, url.host, url.port, url.database, url.query
    )  # `url.set(password=None)` would keep it: None there means "unchanged"
    return kept.render_as_string(hide_password=False)


def _parse(db: str) -> Any:
    """SQLAlchemy's reading of a URL, or None (imported here: `sim --help` stays quick)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db)
    except ArgumentError:
        return None


@dataclass(frozen=True)
class PgRun:
    """One run in a PostgreSQL database: the server URL, the run's name and its schema."""

    url: URL  # psycopg driver, without the `run` parameter
    name: str
    label: str

    @property
    def schema(self) -> str:
        """The schema that holds this run's tables."""
        return SCHEMA_PREFIX + self.name

    @property
    def quoted_schema(self) -> str:
        """The schema as an SQL identifier (names are checked, so no quote can occur in one)."""
        return f'"{self.schema}"'


def pg_run(db: str) -> PgRun:
    """Parse a PostgreSQL run URL, or say in one line what is wrong with it."""
    shown = label(db)
    url = _parse(db)
    if url is None:
        raise SimInputError("--db", "url", f"{shown} is not a database URL", URL_FIX)
    if url.drivername not in SCHEMES:
        raise SimInputError(
            "--db", "url", f"{shown}: {url.drivername}:// is not a store sim knows",
            f"give a file path for SQLite, or {URL_FIX}",
        )  # fmt: skip
    if not url.database:
        raise SimInputError("--db", "url", f"{shown} names no database", URL_FIX)
    name = url.query.get("run")
    if not isinstance(name, str) or not name:
        raise SimInputError(
            "--db", "run", f"{shown} names no run", "add ?run=NAME to the URL, e.g. ?run=town-1"
        )
    if not RUN_NAME.fullmatch(name):
        raise SimInputError(
            "--db", "run", f"{name!r} is not a run name",
            "use up to 59 letters, digits, '_', '-' or '.', e.g. ?run=town-1",
        )  # fmt: skip
    server = url.set(drivername="postgresql+psycopg").difference_update_query(["run"])
    return PgRun(server, name, shown)


def with_run(db: str, name: str) -> str:
    """The URL of another run on the same server and database (a fork's default, a replicate)."""
    return _parse(db).update_query_dict({"run": name}).render_as_string(hide_password=False)
