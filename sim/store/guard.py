"""SQLite failures as one line: a write that cannot happen (full disk, read-only file) and a run
file that cannot be read as recorded (a missing table, corrupt pages, bad JSON, a lost key)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from sim.errors import SimInputError

# What SQLite says, what it means for the user, and the fix (matched in order).
_WRITE_FAILURES = (
    ("disk is full", "the disk is full", "free some space"),
    ("readonly", "the database is read-only", "make the file and its folder writable"),
    ("unable to open", "the database file cannot be written", "make its folder writable"),
    ("disk i/o", "a disk I/O error", "check the disk"),
    ("locked", "another program holds the database", "close the program that has it open"),
)


DAMAGED_FIX = "restore it from a copy, or record the run again"


class RunWriteError(SimInputError):
    """The run database refused a write; what was committed before stays whole."""


def sqlite_message(exc: BaseException) -> str:
    """The first line of SQLite's own message, without SQLAlchemy's statement dump."""
    inner = exc.orig if isinstance(exc, DatabaseError) else exc
    return str(inner).splitlines()[0] if str(inner) else type(inner).__name__


def write_failure(path: Path, exc: BaseException, saved: int) -> RunWriteError:
    """The one line for a failed write, saying how much of the run is safe."""
    message = sqlite_message(exc)
    problem, fix = message, "check the file"
    for needle, meaning, remedy in _WRITE_FAILURES:
        if needle in message.lower():
            problem, fix = meaning, remedy
            break
    kept = f"the run stopped; its {saved} ticks are saved" if saved else "the run stopped"
    return RunWriteError(
        str(path), "", f"{problem} ({message}): {kept}", f"{fix}, then `sim run --resume {path}`"
    )


@contextmanager
def damaged(path: Path) -> Iterator[None]:
    """Turn what a damaged run file raises while it is read into one line naming the file."""
    try:
        yield
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        problem = sqlite_message(exc)
    except json.JSONDecodeError as exc:
        problem = f"a stored row holds bad JSON ({exc.msg} at character {exc.pos})"
    except KeyError as exc:
        problem = f"a stored record lacks the key {exc.args[0]!r}"
    else:
        return
    raise SimInputError(
        str(path),
        "",
        f"the run database is damaged: {problem}",
        DAMAGED_FIX,
    ) from None
