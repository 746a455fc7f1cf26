"""Read a run for the viewer through the store's API (RunReader): read-only, one-line errors, the
same for a SQLite file and a run on a PostgreSQL server.

Reads come in tick windows (`poll` returns the rows of ticks completed since the last call), so
opening a day-long run is a few range queries and `--follow` reuses the same path. Only the
ints needed to find a decision's retrieval are kept; memories are fetched when inspected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import DatabaseError

from sim.errors import SimInputError
from sim.store.guard import db_message
from sim.store.location import RunDb
from sim.store.reader import RunReader
from sim.store.tables import ConversationRow, EventRow, FrameRow, ObjectRow, RetrievalRow
from viewer.checks import (
    agents_problem,
    conversation_problem,
    layers_problem,
    memories_problem,
)
from viewer.timeline import Batch, Frame, Timeline

JSON = dict[str, Any]
T = TypeVar("T")
FIX = "pass the --db file a `sim run` wrote"
DAMAGED = "the file is damaged: view an intact copy, or record the run again"
# What the viewer reads of each table by tick window (and checks the stored types of).
READ: dict[type, str] = {
    FrameRow: "tick agent x y action emoji place object chat",
    ObjectRow: "tick key state",
    EventRow: "tick kind agent data_json",
    RetrievalRow: "id tick agent",
    ConversationRow: "id tick place ticks participants_json lines_json ended_by",
}


class RunSource:
    """One recorded run, read in tick windows; never writes to it."""

    def __init__(self, path: RunDb) -> None:
        self.reader = RunReader(path)
        self.path = self.reader.label
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
        self.loaded_tick = -1
        self._memories: dict[str, dict[int, str]] = {}

    def _error(self, field: str, problem: str, fix: str = FIX) -> SimInputError:
        return SimInputError(self.path, field, problem, fix)

    def _read(self, read: Callable[[], T]) -> T:
        """One read through the store; a database that fails it is a damaged run, in one line."""
        try:
            return read()
        except DatabaseError as exc:
            raise self._error("", f"cannot read the run ({db_message(exc)})", DAMAGED) from None

    def _window(self, table: type, window: tuple[int, int], order: str) -> Sequence[Any]:
        columns = READ[table].split()
        return self._read(lambda: self.reader.window(table, columns, *window, order.split()))

    def _json(self, text: str, table: str, column: str) -> Any:
        try:
            return json.loads(text)
        except (ValueError, TypeError) as exc:
            raise self._error(table, f"{column} is not valid JSON ({exc})", DAMAGED) from None

    def _check_types(self, window: tuple[int, int]) -> None:
        """Refuse rows whose values have the wrong type before anything draws them."""
        for table, columns in READ.items():
            problem = self._read(
                lambda t=table, c=columns: self.reader.wrong_type(t, c.split(), *window)
            )
            if problem:
                raise self._error(table.__tablename__, problem, DAMAGED)

    def timeline(self) -> Timeline:
        """A model holding everything recorded so far."""
        model = Timeline(self.layers, self.start_time, self.tick_seconds, self.agents)
        batch = self.poll()
        if batch:
            model.add(batch)
        return model

    def status(self) -> str:
        """The run's status now (`running` while a writer is still going)."""
        return self._read(self.reader.status)

    def poll(self) -> Batch | None:
        """Rows of ticks completed since the last poll, or None when there are none yet.

        A tick's rows are complete once its `tick` row exists, so every query stops at the
        newest tick row read first; rows of a tick still being written wait for the next poll.
        """
        with self.reader.batch():
            return self._poll()

    def _poll(self) -> Batch | None:
        last = self._read(self.reader.newest_tick)
        if last is not None and not isinstance(last, int):
            raise self._error("tick", f"the last tick is {last!r}, not a whole number", DAMAGED)
        if last is None or last <= self.loaded_tick:
            return None
        window = (self.loaded_tick, last)
        self._check_types(window)
        frames = [Frame(*r) for r in self._window(FrameRow, window, "tick agent")]
        objects = self._window(ObjectRow, window, "tick")
        events = [
            {**_object(data), "tick": tick, "kind": kind, "agent": agent}
            for tick, kind, agent, data in self._window(EventRow, window, "tick id")
        ]
        retrievals = self._window(RetrievalRow, window, "tick id")
        conversations = []
        for cid, tick, place, ticks, people, lines, ended in self._window(
            ConversationRow, window, "tick id"
        ):
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
        row = self._read(lambda: self.reader.retrieval(rid))
        if row is None:
            return None
        tick, agent, purpose, query, memories = row
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
            known.update(self._read(lambda: self.reader.memory_texts(agent, missing)))
        return [known.get(i, f"(memory {i} not recorded yet)") for i in ids]

    def close(self) -> None:
        """Release the database."""
        self.reader.close()


def _object(text: str) -> JSON:
    """An event's data as a dict, whatever shape a future writer gave it."""
    try:
        data = json.loads(text)
    except ValueError:
        return {"data": text}
    return data if isinstance(data, dict) else {"data": data}
