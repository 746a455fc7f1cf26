"""The recorder: writes a run into its SQLite file, one transaction per tick.

WAL mode lets a viewer or `sim inspect` read the file while the run is still writing it. While
it writes, the recorder holds the run's lock (one writer per file) and keeps a heartbeat in the
run row, so a run that died without a word can be told from one still going.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, update
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, create_engine, select

from sim.errors import SimInputError
from sim.record import TickRecord
from sim.store.branch import copy_run
from sim.store.guard import RunWriteError, write_failure
from sim.store.lock import RunLock
from sim.store.migrations import migrate
from sim.store.tables import (
    CheckpointRow,
    ConversationRow,
    EventRow,
    FrameRow,
    LMCallRow,
    MemoryRow,
    ObjectRow,
    RetrievalRow,
    RunRow,
    TickRow,
)
from sim.types import JSON


def dumps(value: Any) -> str:
    """Compact, stable JSON for text columns."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


BEAT_EVERY_S = 5.0  # the most often a heartbeat is written between ticks


class SQLiteRecorder:
    """Writes one run to a new database file; refuses to overwrite a recorded run, and any file
    another process is writing."""

    def __init__(self, path: str | Path, run: RunRow, *, overwrite: bool = False) -> None:
        self._open(Path(path), RunLock.acquire(path))
        try:
            if self.path.exists() and self.path.stat().st_size > 0:
                if not overwrite:
                    raise SimInputError(
                        str(self.path),
                        "--db",
                        "a run is already recorded in this file",
                        "choose a new --db path, or pass --overwrite to replace it",
                    )
                self.path.unlink()
                for suffix in ("-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.engine = sqlite_engine(self.path)
            with self._writing():
                migrate(self.engine)
                with Session(self.engine) as session:
                    run.heartbeat, run.writer_pid = time.time(), os.getpid()
                    session.add(run)
                    session.commit()
        except BaseException:
            self.close()
            raise

    def _open(self, path: Path, lock: RunLock) -> None:
        """The state every recorder starts with, whichever way it was made."""
        self.path, self.lock = path, lock
        self.engine: Engine | None = None
        self.failed: RunWriteError | None = None  # the write that stopped the run
        self.saved = 0  # ticks stored, for the message if a write fails
        self._beat_at = time.monotonic()

    @classmethod
    def resume(cls, path: str | Path, lock: RunLock | None = None) -> SQLiteRecorder:
        """Append to a run already recorded in `path` (a fork's copy, or a run continued), under
        `lock` when the caller took it already."""
        recorder = cls.__new__(cls)
        recorder._open(Path(path), lock or RunLock.acquire(path))
        try:
            recorder.engine = sqlite_engine(recorder.path)
            with recorder._writing():
                migrate(recorder.engine)
                with Session(recorder.engine) as session, session.begin():
                    run = session.exec(select(RunRow)).one()
                    run.heartbeat, run.writer_pid = time.time(), os.getpid()
                    recorder.saved = run.ticks
                    session.add(run)
        except BaseException:
            recorder.close()
            raise
        return recorder

    @classmethod
    def branch(
        cls, source: str | Path, path: str | Path, *, upto: int, overwrite: bool = False
    ) -> SQLiteRecorder:
        """Copy a recorded run's past up to tick `upto` into `path` and append to the copy."""
        target = Path(path)
        if target.exists() and target.stat().st_size > 0 and not overwrite:
            raise SimInputError(
                str(target),
                "db",
                "a run is already recorded in this file",
                "choose a new path for the fork, or pass overwrite=True",
            )
        lock = RunLock.acquire(target)
        try:
            target.unlink(missing_ok=True)
            copy_run(Path(source), target, upto)
        except BaseException:
            lock.release()
            raise
        return cls.resume(target, lock)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write the disk or the file refuses stops the run with one line; after the first
        such failure, the end-of-run writes are only tried (the failure is what gets reported)."""
        try:
            yield
        except (DatabaseError, sqlite3.DatabaseError) as exc:
            if self.failed is None:
                self.failed = write_failure(self.path, exc, self.saved)
                raise self.failed from None

    def beat(self) -> None:
        """A heartbeat between ticks (a long preparation writes no tick for minutes)."""
        if self.engine is None or time.monotonic() - self._beat_at < BEAT_EVERY_S:
            return
        self._beat_at = time.monotonic()
        with self._writing(), self.engine.begin() as conn:
            conn.execute(update(RunRow).values(heartbeat=time.time()))

    def set_target(self, ticks: int) -> None:
        """Remember the tick this run is meant to reach (a resumed run goes on to it)."""
        with self._writing(), Session(self.engine) as session, session.begin():
            run = session.exec(select(RunRow)).one()
            run.target_ticks = ticks
            run.status = "running"
            session.add(run)

    def mark_fork(self, parent: str, fork_tick: int, seed: int) -> None:
        """Name the parent run and the tick this run branched from it."""
        with self._writing(), Session(self.engine) as session, session.begin():
            run = session.exec(select(RunRow)).one()
            run.parent, run.fork_tick, run.seed = parent, fork_tick, seed
            run.status, run.ticks = "running", fork_tick
            session.add(run)

    def write_tick(self, record: TickRecord, checkpoint: JSON | None = None) -> None:
        """Everything from one tick in a single transaction, with the checkpoint after it when
        one is due; the tick row goes last."""
        if self.failed is not None:
            raise self.failed  # the file is as the failed write left it: no tick goes after
        with self._writing(), Session(self.engine) as session, session.begin():
            run = session.exec(select(RunRow)).one()
            self._insert(
                session,
                FrameRow,
                [
                    {
                        "tick": record.tick,
                        "agent": name,
                        "x": f["tile"][0],
                        "y": f["tile"][1],
                        "action": f["action"],
                        "emoji": f["emoji"],
                        "place": f["place"],
                        "object": f["object"],
                        "chat": f["chat"],
                    }
                    for name, f in record.frames.items()
                ],
            )
            self._insert(
                session,
                ObjectRow,
                [{"tick": record.tick, "key": k, "state": v} for k, v in record.objects.items()],
            )
            self._insert(
                session,
                MemoryRow,
                [
                    {
                        "agent": m["agent"],
                        "generation": m.get("generation", 0),
                        "id": m["id"],
                        "tick": record.tick,
                        "kind": m["kind"],
                        "text": m["text"],
                        "created": m["created"],
                        "importance": m["importance"],
                        "depth": m["depth"],
                        "evidence_json": dumps(m["evidence"]),
                        "subjects_json": dumps(m["subjects"]),
                    }
                    for m in record.memories
                ],
            )
            self._insert(
                session,
                ConversationRow,
                [
                    {
                        "id": c["id"],
                        "tick": record.tick,
                        "place": c["place"],
                        "ticks": c["ticks"],
                        "participants_json": dumps(c["participants"]),
                        "lines_json": dumps(c["lines"]),
                        "ended_by": c["ended_by"],
                    }
                    for c in record.conversations
                ],
            )
            self._insert(
                session,
                EventRow,
                [
                    {
                        "tick": record.tick,
                        "kind": e["kind"],
                        "agent": e["agent"],
                        "data_json": dumps(
                            {k: v for k, v in e.items() if k not in ("kind", "agent")}
                        ),
                    }
                    for e in record.events
                ],
            )
            self._insert(
                session,
                RetrievalRow,
                [
                    {
                        "tick": record.tick,
                        "agent": r["agent"],
                        "purpose": r["purpose"],
                        "query": r["query"],
                        "memories_json": dumps(r["memories"]),
                    }
                    for r in record.retrievals
                ],
            )
            self._insert(
                session,
                LMCallRow,
                [
                    {
                        "tick": record.tick,
                        "agent": c["agent"],
                        "purpose": c["purpose"],
                        "decision": c["decision"],
                        "attempt": c["attempt"],
                        "request_key": c["request_key"],
                        "request_json": dumps(c["request"]),
                        "response": c["response"],
                        "model": c["model"],
                        "prompt_tokens": c["prompt_tokens"],
                        "completion_tokens": c["completion_tokens"],
                        "latency_ms": c["latency_ms"],
                        "outcome": c["outcome"],
                        "cached": c["cached"],
                        "error": c["error"],
                    }
                    for c in record.lm_calls
                ],
            )
            if not record.interlude:  # between ticks: no tick row, the tick count stays
                session.add(TickRow(tick=record.tick, time=record.time, digest=record.digest))
                run.ticks = record.tick + 1
            if checkpoint is not None:
                session.merge(CheckpointRow(tick=run.ticks, state_json=dumps(checkpoint)))
            run.digest = record.digest  # always the digest of the last stored tick
            run.heartbeat = time.time()
            session.add(run)
            saved = run.ticks
        self.saved, self._beat_at = saved, time.monotonic()

    @staticmethod
    def _insert(session: Session, table: type, rows: list[JSON]) -> None:
        if rows:
            session.execute(insert(table), rows)

    def checkpoint(self, tick: int, state: JSON) -> None:
        """Store the full engine state at `tick` (replacing an earlier one at that tick)."""
        with self._writing(), Session(self.engine) as session, session.begin():
            session.merge(CheckpointRow(tick=tick, state_json=dumps(state)))

    def finish(self, status: str, digest: str | None, summary: JSON) -> None:
        """Mark the run's end state and store its summary (`digest=None` keeps the stored one,
        the digest of the last whole tick)."""
        with self._writing(), Session(self.engine) as session, session.begin():
            run = session.exec(select(RunRow)).one()
            run.status = status
            run.digest = run.digest if digest is None else digest
            run.summary_json = dumps(summary)
            session.add(run)

    def close(self) -> None:
        """Release the database file and its lock."""
        if self.engine is not None:
            self.engine.dispose()
        self.lock.release()
