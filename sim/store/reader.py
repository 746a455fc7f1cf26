"""Read a recorded run: metadata, memories, conversations, LM calls, checkpoints, and the rows of
tick windows the viewer and a reopened run's log read.

Opens the run read-only (a read-only SQLite file, or read-only transactions on a server), so
inspecting a run, even one still being written, never changes it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, select

from sim.errors import SimInputError
from sim.llm.protocol import LMResponse
from sim.store.engines import run_engine
from sim.store.guard import DAMAGED_FIX, db_message
from sim.store.location import RunDb, as_db, is_url, label, pg_run
from sim.store.lock import holder
from sim.store.migrations import SCHEMA_VERSION, migrate
from sim.store.postgres import reaching, schema_state
from sim.store.queries import WindowReads
from sim.store.tables import (
    CheckpointRow,
    ConversationRow,
    EventRow,
    FrameRow,
    LMCallRow,
    MemoryRow,
    RetrievalRow,
    RunRow,
    SchemaVersionRow,
    TickRow,
)
from sim.types import JSON

_FINISH = {"truncated": "length", "error": "error"}
STALE_AFTER_S = 120.0  # a heartbeat this old means a dead writer, when its lock cannot be read
NO_RUN_FIX = "pass the --db file a `sim run` wrote"


@dataclass(frozen=True)
class Liveness:
    """Whether a run's writer is alive: its pid while it writes, its last heartbeat once gone."""

    status: str  # the recorded status, or "stopped" for a `running` run whose writer is gone
    writer_pid: int | None  # the process writing it now
    heartbeat: float  # wall time (Unix s) of the last sign of life; 0 when none was recorded


def upgrade(path: RunDb, version: int) -> None:
    """Bring a run recorded by an older sim to the current schema (migrations only add)."""
    engine = run_engine(path)
    try:
        migrate(engine)
    except DatabaseError as exc:
        raise SimInputError(
            label(path),
            "schema_version",
            f"the run was recorded with schema version {version} and cannot be upgraded to "
            f"{SCHEMA_VERSION} here ({db_message(exc)})",
            "copy it somewhere writable and open the copy",
        ) from None
    finally:
        engine.dispose()


class RunReader(WindowReads):
    """Read-only access to one recorded run, in a file or on a server."""

    def __init__(self, path: RunDb) -> None:
        self.path = as_db(path)
        self.label = label(self.path)
        self._held: Connection | None = None  # the connection of a batch of reads
        self._exists()
        self.engine = run_engine(self.path, readonly=True)
        try:
            with Session(self.engine) as s:
                version = s.exec(select(func.max(SchemaVersionRow.version))).one()
            if version is None or version > SCHEMA_VERSION:  # read nothing it may lay out anew
                raise SimInputError(
                    self.label,
                    "schema_version",
                    f"schema version {version} is not one this sim reads",
                    "upgrade sim to read runs made by a newer version",
                )
            if version < SCHEMA_VERSION:
                upgrade(self.path, version)
            with Session(self.engine) as s:
                self._run = s.exec(select(RunRow)).one_or_none()
        except DatabaseError as exc:
            self.engine.dispose()
            message = db_message(exc)
            damaged = "malformed" in message  # a run file whose pages were overwritten
            if "unable to open" in message and _read_only(self.path):
                raise SimInputError(
                    self.label, "", "the file or its folder is read-only, and SQLite must "
                    "write its -shm file beside a run it opens",
                    "copy the run to a folder you may write to, or make it writable",
                ) from None  # fmt: skip
            raise SimInputError(
                self.label,
                "",
                f"the run database is damaged: {message}"
                if damaged
                else f"not a sim run database ({message})",
                DAMAGED_FIX if damaged else NO_RUN_FIX,
            ) from None
        except BaseException:
            self.engine.dispose()
            raise
        if self._run is None:
            raise SimInputError(
                self.label,
                "run",
                "the database holds no run",
                "record one with `sim run WORLD --db PATH`",
            )

    def _exists(self) -> None:
        """Refuse, in one line, a file or a server run that is not there."""
        if not is_url(self.path):
            if not Path(self.path).is_file():
                raise SimInputError(self.label, "", "no such run database", NO_RUN_FIX)
            return
        run = pg_run(str(self.path))
        engine = run_engine(self.path, readonly=True)
        try:
            with reaching(run):
                state = schema_state(engine, run)
        finally:
            engine.dispose()
        if state == "none":
            raise SimInputError(
                self.label, "run", f"no run named {run.name!r} in this database",
                "pass the ?run= name a `sim run --db URL` wrote",
            )  # fmt: skip

    def _session(self) -> Session:
        return Session(self.engine)

    @property
    def run(self) -> RunRow:
        """The run row as it was when the reader opened."""
        return self._run  # type: ignore[return-value]

    def liveness(self) -> Liveness:
        """The run's true status: a `running` run nobody holds any more has `stopped`."""
        run = self.run
        if run.status != "running":
            return Liveness(run.status, None, run.heartbeat)
        try:
            pid = holder(self.path)
        except OSError:  # the lock cannot be read: go by how old the heartbeat is
            fresh = time.time() - run.heartbeat < STALE_AFTER_S
            return Liveness("running" if fresh else "stopped", None, run.heartbeat)
        return Liveness("stopped" if pid is None else "running", pid, run.heartbeat)

    def personas(self) -> list[JSON]:
        """The personas the run started with."""
        return json.loads(self.run.personas_json)

    def agent_names(self) -> list[str]:
        """Agents in the run, sorted."""
        return sorted(p["name"] for p in self.personas())

    def last_tick(self) -> TickRow | None:
        """The last completed tick."""
        with self._session() as s:
            return s.exec(select(TickRow).order_by(col(TickRow.tick).desc()).limit(1)).first()

    def checkpoint(self) -> tuple[int, JSON] | None:
        """The latest checkpoint: (tick, engine state)."""
        with self._session() as s:
            row = s.exec(
                select(CheckpointRow).order_by(col(CheckpointRow.tick).desc()).limit(1)
            ).first()
        return (row.tick, json.loads(row.state_json)) if row else None

    def checkpointed(self) -> bool:
        """Whether any state was saved yet (a run killed while preparing has none)."""
        with self._session() as s:
            return s.exec(select(CheckpointRow.tick).limit(1)).first() is not None

    def tick_digest(self, tick: int) -> str | None:
        """The running digest recorded with `tick`, if that tick was stored."""
        with self._session() as s:
            row = s.get(TickRow, tick)
        return row.digest if row else None

    def checkpoint_at(self, tick: int | None) -> tuple[int, JSON] | None:
        """The checkpoint at `tick`, or the latest one when `tick` is None."""
        if tick is None:
            return self.checkpoint()
        with self._session() as s:
            row = s.get(CheckpointRow, tick)
        return (row.tick, json.loads(row.state_json)) if row else None

    def memories(self, agent: str | None = None, kind: str | None = None) -> list[MemoryRow]:
        """Memory rows, oldest first."""
        q = select(MemoryRow)
        if agent:
            q = q.where(MemoryRow.agent == agent)
        if kind:
            q = q.where(MemoryRow.kind == kind)
        with self._session() as s:
            return list(s.exec(q.order_by(MemoryRow.agent, MemoryRow.generation, MemoryRow.id)))

    def memory_counts(self) -> dict[str, dict[str, int]]:
        """Per agent, the number of memories of each kind."""
        q = select(MemoryRow.agent, MemoryRow.kind, func.count()).group_by(
            MemoryRow.agent, MemoryRow.kind
        )
        counts: dict[str, dict[str, int]] = {n: {} for n in self.agent_names()}
        with self._session() as s:
            for agent, kind, n in s.exec(q):
                counts.setdefault(agent, {})[kind] = n
        return counts

    def visits(self) -> list[tuple[str, str]]:
        """Distinct (agent, arena path) pairs where an agent was ever seen."""
        q = select(FrameRow.agent, FrameRow.place).where(col(FrameRow.place).is_not(None))
        with self._session() as s:
            return sorted(set(s.exec(q.distinct())))  # type: ignore[arg-type]

    def conversations(self, agent: str | None = None) -> list[JSON]:
        """Conversations with their transcripts, in order."""
        with self._session() as s:
            rows = list(s.exec(select(ConversationRow).order_by(ConversationRow.tick)))
        out = [
            {
                "id": r.id,
                "tick": r.tick,
                "place": r.place,
                "participants": json.loads(r.participants_json),
                "lines": json.loads(r.lines_json),
                "ended_by": r.ended_by,
            }
            for r in rows
        ]
        return [c for c in out if agent is None or agent in c["participants"]]

    def events(self, kind: str | None = None, agent: str | None = None) -> list[JSON]:
        """Decision events, in order."""
        q = select(EventRow)
        if kind:
            q = q.where(EventRow.kind == kind)
        if agent:
            q = q.where(EventRow.agent == agent)
        with self._session() as s:
            rows = list(s.exec(q.order_by(EventRow.id)))
        return [
            {"tick": r.tick, "kind": r.kind, "agent": r.agent, **json.loads(r.data_json)}
            for r in rows
        ]

    def last_retrieval(self, agent: str) -> JSON | None:
        """The memories retrieved for the agent's most recent decision, with scores."""
        with self._session() as s:
            row = s.exec(
                select(RetrievalRow)
                .where(RetrievalRow.agent == agent)
                .order_by(col(RetrievalRow.id).desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return {
            "tick": row.tick,
            "purpose": row.purpose,
            "query": row.query,
            "memories": json.loads(row.memories_json),
        }

    def lm_stats(self) -> JSON:
        """LM call totals, overall and per purpose."""
        q = select(
            LMCallRow.purpose,
            LMCallRow.outcome,
            func.count(),
            func.sum(LMCallRow.prompt_tokens),
            func.sum(LMCallRow.completion_tokens),
            func.sum(LMCallRow.latency_ms),
        ).group_by(LMCallRow.purpose, LMCallRow.outcome)
        purposes: dict[str, dict[str, Any]] = {}
        with self._session() as s:
            for purpose, outcome, n, pt, ct, ms in s.exec(q):
                p = purposes.setdefault(
                    purpose,
                    {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0},
                )
                p[outcome] = n
                if outcome != "fallback":
                    p["calls"] += n
                p["prompt_tokens"] += pt or 0
                p["completion_tokens"] += ct or 0
                p["seconds"] = round(p["seconds"] + (ms or 0) / 1000, 2)
        totals = {
            k: sum(p.get(k, 0) for p in purposes.values())
            for k in (
                "calls",
                "ok",
                "invalid",
                "truncated",
                "rejected",
                "error",
                "fallback",
                "prompt_tokens",
                "completion_tokens",
            )
        }
        return {**totals, "by_purpose": purposes}

    def recorded_answers(self, since_tick: int = 0) -> list[tuple[str, LMResponse]]:
        """Every recorded model answer (from tick `since_tick` on) in call order, for replay."""
        query = select(LMCallRow).where(LMCallRow.outcome != "fallback")
        query = query.where(LMCallRow.tick >= since_tick)
        with self._session() as s:
            rows = list(s.exec(query.order_by(LMCallRow.id)))
        return [
            (
                r.request_key,
                LMResponse(
                    text=r.response,
                    finish_reason=_FINISH.get(r.outcome, "stop"),  # type: ignore[arg-type]
                    prompt_tokens=r.prompt_tokens,
                    completion_tokens=r.completion_tokens,
                    model=r.model,
                    faults=tuple(json.loads(r.faults_json or "[]")),
                ),
            )
            for r in rows
        ]

    def close(self) -> None:
        """Release the database."""
        self.engine.dispose()


def _read_only(db: RunDb) -> bool:
    """Whether a run file, or the folder it lies in, may not be written by this process."""
    if is_url(db):
        return False
    path = Path(db)
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
