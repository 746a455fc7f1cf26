"""Read a run database for the viewer: opened through RunReader (read-only, one-line errors).

Reads come in tick windows (`poll` returns the rows of ticks completed since the last call), so
opening a day-long run is a few range queries and `--follow` reuses the same path. Only the
ints needed to find a decision's retrieval are kept; memories are fetched when inspected.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sim.errors import SimInputError
from sim.store.reader import RunReader
from viewer.checks import (
    agents_problem,
    conversation_problem,
    layers_problem,
    memories_problem,
    type_check_sql,
    type_problem,
)
from viewer.timeline import Batch, Frame, Timeline

JSON = dict[str, Any]
FIX = "pass the --db file a `sim run` wrote"
DAMAGED = "the file is damaged: view an intact copy, or record the run again"
WINDOWED = ("frame", "object_state", "event", "retrieval")  # tables read by tick window


class RunSource:
    """One run database, read in tick windows; never writes to it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.reader = RunReader(self.path)
        run = self.reader.run
        self.layers: JSON = self._json(run.layers_json, "run", "layers_json")
        personas = self._json(run.personas_json, "run", "personas_json")
        problem = layers_problem(self.layers) or agents_problem(personas)
        if problem:
            raise self._error("run", problem, DAMAGED)
        agents = [p["name"] for p in personas]
        self.start_time = run.start_time
        self.tick_seconds = run.tick_seconds
        self.agents = agents
        self._pooled = self.reader.engine.raw_connection()
        self._db: sqlite3.Connection = self._pooled.driver_connection  # type: ignore[assignment]
        self.loaded_tick = -1
        self._conversation_rowid = 0
        self._memories: dict[str, dict[int, str]] = {}

    def _error(self, field: str, problem: str, fix: str = FIX) -> SimInputError:
        return SimInputError(str(self.path), field, problem, fix)

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._error("", f"cannot read the run ({exc})", DAMAGED) from None

    def _json(self, text: str, table: str, column: str) -> Any:
        try:
            return json.loads(text)
        except (ValueError, TypeError) as exc:
            raise self._error(table, f"{column} is not valid JSON ({exc})", DAMAGED) from None

    def _check_types(self, window: tuple[int, int]) -> None:
        """Refuse rows whose values have the wrong SQLite type before anything draws them."""
        checks = [(t, "tick > ? AND tick <= ?", window) for t in WINDOWED]
        checks.append(("conversation", "rowid > ?", (self._conversation_rowid,)))
        for table, where, args in checks:
            found = self._rows(type_check_sql(table, where), *args)
            if found:
                raise self._error(table, type_problem(table, found[0]), DAMAGED)

    def timeline(self) -> Timeline:
        """A model holding everything recorded so far."""
        model = Timeline(self.layers, self.start_time, self.tick_seconds, self.agents)
        batch = self.poll()
        if batch:
            model.add(batch)
        return model

    def status(self) -> str:
        """The run's status now (`running` while a writer is still going)."""
        rows = self._rows("SELECT status FROM run LIMIT 1")
        return rows[0][0] if rows else "?"

    def poll(self) -> Batch | None:
        """Rows of ticks completed since the last poll, or None when there are none yet.

        A tick's rows are complete once its `tick` row exists, so every query stops at the
        newest tick row read first; rows of a tick still being written wait for the next poll.
        """
        last = self._rows("SELECT MAX(tick) FROM tick")[0][0]
        if last is not None and not isinstance(last, int):
            raise self._error("tick", f"the last tick is {last!r}, not a whole number", DAMAGED)
        if last is None or last <= self.loaded_tick:
            return None
        window = (self.loaded_tick, last)
        self._check_types(window)
        frames = [
            Frame(*r)
            for r in self._rows(
                "SELECT tick, agent, x, y, action, emoji, place, object, chat FROM frame"
                " WHERE tick > ? AND tick <= ? ORDER BY tick, agent",
                *window,
            )
        ]
        objects = self._rows(
            "SELECT tick, key, state FROM object_state WHERE tick > ? AND tick <= ? ORDER BY tick",
            *window,
        )
        events = [
            {**_object(data), "tick": tick, "kind": kind, "agent": agent}
            for tick, kind, agent, data in self._rows(
                "SELECT tick, kind, agent, data_json FROM event"
                " WHERE tick > ? AND tick <= ? ORDER BY tick, id",
                *window,
            )
        ]
        retrievals = self._rows(
            "SELECT id, tick, agent FROM retrieval WHERE tick > ? AND tick <= ? ORDER BY tick, id",
            *window,
        )
        conversations = []
        for rowid, cid, tick, place, ticks, people, lines, ended in self._rows(
            "SELECT rowid, id, tick, place, ticks, participants_json, lines_json, ended_by"
            " FROM conversation WHERE rowid > ? ORDER BY rowid",
            self._conversation_rowid,
        ):
            self._conversation_rowid = rowid
            people = self._json(people, "conversation", "participants_json")
            lines = self._json(lines, "conversation", "lines_json")
            problem = conversation_problem(people, lines)
            if problem:
                raise self._error("conversation", f"{cid}: {problem}", DAMAGED)
            conversations.append(
                {
                    "id": cid,
                    "tick": tick,
                    "place": place,
                    "ticks": ticks,
                    "participants": people,
                    "lines": lines,
                    "ended_by": ended,
                }
            )
        self.loaded_tick = last
        return Batch(last, frames, objects, events, conversations, retrievals)  # type: ignore[arg-type]

    def retrieval(self, rid: int) -> JSON | None:
        """One decision's retrieval: purpose, query and memories with their score parts."""
        rows = self._rows(
            "SELECT tick, agent, purpose, query, memories_json FROM retrieval WHERE id = ?", rid
        )
        if not rows:
            return None
        tick, agent, purpose, query, memories = rows[0]
        memories = self._json(memories, "retrieval", "memories_json")
        problem = memories_problem(memories)
        if problem:
            raise self._error("retrieval", f"row {rid}: {problem}", DAMAGED)
        return {
            "tick": tick,
            "agent": agent,
            "purpose": purpose,
            "query": query,
            "memories": memories,
        }

    def memory_texts(self, agent: str, ids: list[int]) -> list[str]:
        """Texts of the agent's memories with these ids (reflection evidence), in order."""
        known = self._memories.setdefault(agent, {})
        missing = [i for i in ids if i not in known]
        if missing:
            marks = ",".join("?" * len(missing))
            for mid, text in self._rows(
                f"SELECT id, text FROM memory WHERE agent = ? AND id IN ({marks})",
                agent,
                *missing,
            ):
                known[mid] = text
        return [known.get(i, f"(memory {i} not recorded yet)") for i in ids]

    def close(self) -> None:
        """Release the file."""
        self._pooled.close()
        self.reader.close()


def _object(text: str) -> JSON:
    """An event's data as a dict, whatever shape a future writer gave it."""
    try:
        data = json.loads(text)
    except ValueError:
        return {"data": text}
    return data if isinstance(data, dict) else {"data": data}
