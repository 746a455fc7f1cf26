"""Store failures as one line: a write that cannot happen (full disk, read-only file, a server
gone) and a run that cannot be read as recorded (a missing table, corrupt pages, bad JSON, a lost
key). SQLite and PostgreSQL both come through SQLAlchemy's DatabaseError."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DatabaseError

from sim.errors import SimInputError
from sim.store.location import RunDb, label

# What SQLite or PostgreSQL says, what it means for the user, and the fix (matched in order).
_WRITE_FAILURES = (
    ("disk is full", "the disk is full", "free some space"),
    ("no space left", "the database server's disk is full", "free some space on the server"),
    ("could not extend file", "the database server's disk is full", "free space on the server"),
    ("read-only transaction", "the database is read-only", "connect as a user that may write"),
    ("permission denied", "the database user may not write", "grant it CREATE on the database"),
    ("terminating connection", "the database server ended the connection", "check the server"),
    ("server closed the connection", "the database server went away", "check the server"),
    ("readonly", "the database is read-only", "make the file and its folder writable"),
    ("unable to open", "the database file cannot be written", "make its folder writable"),
    ("disk i/o", "a disk I/O error", "check the disk"),
    ("locked", "another program holds the database", "close the program that has it open"),
)


DAMAGED_FIX = "restore it from a copy, or record the run again"


class RunWriteError(SimInputError):
    """The run database refused a write; what was committed before stays whole."""


def db_message(exc: BaseException) -> str:
    """The first line of the database's own message, without SQLAlchemy's statement dump."""
    inner = exc.orig if isinstance(exc, DatabaseError) else exc
    return str(inner).splitlines()[0] if str(inner) else type(inner).__name__


def write_failure(path: RunDb, exc: BaseException, saved: int) -> RunWriteError:
    """The one line for a failed write, saying how much of the run is safe."""
    message = db_message(exc)
    problem, fix = message, "check the file"
    for needle, meaning, remedy in _WRITE_FAILURES:
        if needle in message.lower():
            problem, fix = meaning, remedy
            break
    kept = f"the run stopped; its {saved} ticks are saved" if saved else "the run stopped"
    shown = label(path)
    return RunWriteError(
        shown, "", f"{problem} ({message}): {kept}", f"{fix}, then `sim run --resume {shown}`"
    )


@contextmanager
def damaged(path: RunDb) -> Iterator[None]:
    """Turn what a damaged run raises while it is read into one line naming the run."""
    try:
        yield
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        problem = db_message(exc)
    except json.JSONDecodeError as exc:
        problem = f"a stored row holds bad JSON ({exc.msg} at character {exc.pos})"
    except KeyError as exc:
        problem = f"a stored record lacks the key {exc.args[0]!r}"
    else:
        return
    raise SimInputError(
        label(path),
        "",
        f"the run database is damaged: {problem}",
        DAMAGED_FIX,
    ) from None
