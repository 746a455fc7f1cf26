"""One writer per run: an OS lock on `RUN.db.lock` that holds the writer's process id (for a run
in PostgreSQL, an advisory lock: sim/store/postgres.py).

`flock` locks die with the process that holds them, so a run killed with SIGKILL leaves no lock
behind (at most a file whose lock nobody holds, which does not block). Readers never take it;
they only ask who holds it, to tell a run being written from one that stopped without a word.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Protocol

from sim.errors import SimInputError
from sim.store.location import RunDb, is_url, pg_run
from sim.store.postgres import PgRunLock, holder_pid
from sim.store.postgres import holder as pg_holder

PID_WAIT_S = 1.0  # the longest wait for a new holder to write its pid, or a reader to let go


def lock_path(db: Path) -> Path:
    """The lock file that goes with a run database."""
    return Path(f"{db}.lock")


class WriterLock(Protocol):
    """What a writer holds while it writes a run, whichever store the run is in."""

    def release(self) -> None:
        """Let go (idempotent)."""


def take_lock(db: RunDb) -> WriterLock:
    """The writer's lock on `db`, or one line naming the process that holds it."""
    return PgRunLock.acquire(pg_run(str(db))) if is_url(db) else RunLock.acquire(db)


class RunLock:
    """An exclusive lock on a run database file, held for as long as one process writes it."""

    def __init__(self, db: Path, fd: int) -> None:
        self.db = db
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db: str | Path) -> RunLock:
        """Take the lock, or refuse in one line naming the process that holds it."""
        db = Path(db)
        path = lock_path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + PID_WAIT_S
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise SimInputError(
                    str(db), "lock", f"cannot create {path.name} ({exc.strerror})",
                    "make the folder writable, or choose another --db",
                ) from None  # fmt: skip
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                pid = holder(db)
                if pid is None and time.monotonic() < deadline:
                    continue  # a reader was only asking who holds it
                who = f"process {pid}" if pid else "another process"
                raise SimInputError(
                    str(db), "lock", f"this run is being written by {who}",
                    "wait for that process to end (or stop it), or use another file",
                ) from None  # fmt: skip
            if _same_file(fd, path):  # not a file a releasing holder just removed
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        return cls(db, fd)

    def release(self) -> None:
        """Remove the lock file while still holding it, then let go (idempotent)."""
        if self._fd is None:
            return
        lock_path(self.db).unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    """Whether `fd` is still the file at `path`."""
    try:
        return os.fstat(fd).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False


def holder(db: RunDb) -> int | None:
    """The pid of the process writing `db` now, or None when nobody holds its lock (0 when a
    server hides who).

    Raises OSError when the lock file exists but cannot be read (then nobody can tell).
    """
    if is_url(db):
        return holder_pid(pg_holder(pg_run(str(db))))
    path = lock_path(Path(db))
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid_in(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _pid_in(fd: int) -> int:
    """The pid a holder wrote (0 if it has not yet: it writes right after locking)."""
    deadline = time.monotonic() + PID_WAIT_S
    while True:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        if text.isdigit() or time.monotonic() > deadline:
            return int(text) if text.isdigit() else 0
        time.sleep(0.02)
