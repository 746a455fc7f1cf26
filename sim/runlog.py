"""The in-memory log of a run: every tick record, and the same as pandas DataFrames.

A `Simulation` keeps one (besides any database) so that `frames()` works on runs that are never
written to disk, and so that a fork can write its parent's past into a database of its own.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sim.record import TickRecord
from sim.store.guard import damaged
from sim.store.location import RunDb
from sim.store.reader import RunReader
from sim.store.tables import ConversationRow, EventRow, FrameRow, LMCallRow, MemoryRow
from sim.types import JSON

FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "positions": ("tick", "time", "agent", "place", "action", "x", "y"),
    "memories": (
        "agent", "generation", "id", "tick", "kind", "text", "created", "importance", "depth",
        "evidence", "subjects",
    ),
    "events": ("tick", "time", "kind", "agent", "data"),
    "conversations": ("id", "tick", "time", "place", "participants", "lines", "ended_by"),
    "lm_calls": (
        "tick", "agent", "purpose", "decision", "attempt", "outcome", "prompt_tokens",
        "completion_tokens", "latency_ms", "cached", "model",
    ),
    "surveys": (
        "wave", "tick", "time", "agent", "question_id", "question", "kind", "value", "label",
        "rationale", "evidence", "stateful", "fallback",
    ),
}  # fmt: skip


class RunLog:
    """Tick records as they are written, and rows for each frame; a recorder in its own right."""

    def __init__(self) -> None:
        self.records: list[TickRecord] = []
        self.rows: dict[str, list[JSON]] = {name: [] for name in FRAME_COLUMNS}

    @classmethod
    def from_db(cls, db: RunDb, upto: int) -> RunLog:
        """The frame rows of a recorded run's past up to tick `upto` (no tick records: those
        stay in the database, which a fork copies), read through the store's API."""
        log = cls()
        reader = RunReader(db)
        try:
            with damaged(reader.path):
                log._read(reader, reader.past_end(upto) - 1)
        finally:
            reader.close()
        return log

    def _read(self, reader: RunReader, last: int) -> None:
        """Fill the frames from the stored rows of ticks up to `last`."""
        start, seconds = reader.run.start_time, reader.run.tick_seconds

        def rows(table: type, columns: str, order: str) -> list[tuple[Any, ...]]:
            return reader.window(table, columns.split(), -1, last, order.split())

        for tick, agent, place, action, x, y in rows(
            FrameRow, "tick agent place action x y", "tick"
        ):
            self.rows["positions"].append(
                {"tick": tick, "time": start + tick * seconds, "agent": agent,
                 "place": place, "action": action, "x": x, "y": y}
            )  # fmt: skip
        names = "agent generation id tick kind text created importance depth"
        for *values, evidence, subjects in rows(
            MemoryRow, f"{names} evidence_json subjects_json", "tick agent generation id"
        ):
            row = dict(zip(names.split(), values, strict=True))
            row.update(evidence=json.loads(evidence), subjects=json.loads(subjects))
            self.rows["memories"].append(row)
        for tick, kind, agent, data in rows(EventRow, "tick kind agent data_json", "id"):
            event = {"kind": kind, "agent": agent, **json.loads(data)}
            self.rows["events"].append(_event_row(tick, start + tick * seconds, event))
            if kind == "survey":
                self.rows["surveys"].append(event["answer"])
        for cid, tick, place, people, lines, ended_by in rows(
            ConversationRow, "id tick place participants_json lines_json ended_by", "tick id"
        ):
            self.rows["conversations"].append(
                {"id": cid, "tick": tick, "time": start + tick * seconds, "place": place,
                 "participants": json.loads(people), "lines": json.loads(lines),
                 "ended_by": ended_by}
            )  # fmt: skip
        columns = FRAME_COLUMNS["lm_calls"]
        for values in rows(LMCallRow, " ".join(columns), "id"):
            self.rows["lm_calls"].append(dict(zip(columns, values, strict=True)))

    def copy(self) -> RunLog:
        """An independent log that shares the (never modified) rows written so far."""
        log = RunLog()
        log.records = list(self.records)
        log.rows = {name: list(rows) for name, rows in self.rows.items()}
        return log

    def write_tick(self, record: TickRecord, checkpoint: JSON | None = None) -> None:
        """Keep the record and split it into frame rows (checkpoints live in the database)."""
        self.records.append(record)
        tick, time = record.tick, record.time
        for agent, f in record.frames.items():
            x, y = f["tile"]
            self.rows["positions"].append(
                {"tick": tick, "time": time, "agent": agent, "place": f["place"],
                 "action": f["action"], "x": x, "y": y}
            )  # fmt: skip
        for m in record.memories:
            self.rows["memories"].append({"generation": 0, **m, "tick": tick})
        for e in record.events:
            self.rows["events"].append(_event_row(tick, time, e))
            if e["kind"] == "survey":
                self.rows["surveys"].append(e["answer"])
        for c in record.conversations:
            self.rows["conversations"].append(
                {"id": c["id"], "tick": tick, "time": time, "place": c["place"],
                 "participants": list(c["participants"]), "lines": c["lines"],
                 "ended_by": c["ended_by"]}
            )  # fmt: skip
        for c in record.lm_calls:
            self.rows["lm_calls"].append(
                {k: c[k] for k in FRAME_COLUMNS["lm_calls"] if k != "tick"} | {"tick": tick}
            )

    def checkpoint(self, tick: int, state: JSON) -> None:
        """Checkpoints live in the database (when there is one), not in memory."""

    def frame(self, name: str) -> pd.DataFrame:
        """One frame with its fixed columns (empty frames keep their columns)."""
        columns = list(FRAME_COLUMNS[name])
        rows: list[dict[str, Any]] = self.rows[name]
        return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


class TeeRecorder:
    """Hands every record to several recorders (the database and the in-memory log)."""

    def __init__(self, *recorders: Any) -> None:
        self.recorders = recorders

    def write_tick(self, record: TickRecord, checkpoint: JSON | None = None) -> None:
        """Write to each recorder in turn."""
        for recorder in self.recorders:
            recorder.write_tick(record, checkpoint)

    def checkpoint(self, tick: int, state: JSON) -> None:
        """Checkpoint in each recorder."""
        for recorder in self.recorders:
            recorder.checkpoint(tick, state)


def _event_row(tick: int, time: int, event: JSON) -> JSON:
    """An event as a frame row: its kind and agent, and the rest as `data`."""
    data = {k: v for k, v in event.items() if k not in ("kind", "agent", "tick")}
    return {
        "tick": tick,
        "time": time,
        "kind": event["kind"],
        "agent": event["agent"],
        "data": data,
    }
