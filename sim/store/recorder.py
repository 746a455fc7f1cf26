"""The recorder: writes a run into its store (a SQLite file or a PostgreSQL schema), one
transaction per tick.

While it writes, the recorder holds the run's lock (one writer per run) and keeps a heartbeat in
the run row, so a run that died without a word can be told from one still going.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from sim.record import TickRecord
from sim.store.branch import copy_run
from sim.store.engines import make_room, run_engine
from sim.store.guard import RunWriteError, write_failure
from sim.store.location import RunDb, as_db
from sim.store.lock import WriterLock, take_lock
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


BEAT_EVERY_S = 5.0  # the most often a heartbeat is written between ticks


class RunRecorder:
    """Writes one run to a new database file or server run; refuses to overwrite a recorded run,
    and any run another process is writing."""

    def __init__(self, path: RunDb, run: RunRow, *, overwrite: bool = False) -> None:
        self._open(as_db(path), take_lock(as_db(path)))
        try:
            with self._writing():
                make_room(self.path, overwrite=overwrite)
                self.engine = run_engine(self.path)
                migrate(self.engine)
                with Session(self.engine) as session:
                    run.heartbeat, run.writer_pid = time.time(), os.getpid()
                    session.add(run)
                    session.commit()
        except BaseException:
            self.close()
            raise

    def _open(self, path: RunDb, lock: WriterLock) -> None:
        """The state every recorder starts with, whichever way it was made."""
        self.path, self.lock = path, lock
        self.engine: Engine | None = None
        self.failed: RunWriteError | None = None  # the write that stopped the run
        self.saved = 0  # ticks stored, for the message if a write fails
        self._beat_at = time.monotonic()

    @classmethod
    def resume(cls, path: RunDb, lock: WriterLock | None = None) -> RunRecorder:
        """Append to a run already recorded in `path` (a fork's copy, or a run continued), under
        `lock` when the caller took it already."""
        recorder = cls.__new__(cls)
        recorder._open(as_db(path), lock or take_lock(as_db(path)))
        try:
            recorder.engine = run_engine(recorder.path)
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
        cls, source: RunDb, path: RunDb, *, upto: int, overwrite: bool = False
    ) -> RunRecorder:
        """Copy a recorded run's past up to tick `upto` into `path` and append to the copy."""
        target = as_db(path)
        lock = take_lock(target)
        try:
            make_room(target, overwrite=overwrite, flag="fork")
            copy_run(as_db(source), target, upto)
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
        except (DBAPIError, sqlite3.DatabaseError) as exc:
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
                        "faults_json": dumps(c.get("faults", [])),
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
        """Release the database and the run's lock."""
        if self.engine is not None:
            self.engine.dispose()
        self.lock.release()
