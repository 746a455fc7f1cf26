"""The rehearsal database: one SQLite file per session, written as the session goes.

It holds the session's setup, every input typed (commands included), each attempt's transcript
with the memory ids retrieved for every persona line, each judgement, and every LM call in the
run database's own `lm_call` table, so `--replay` can answer the same inputs from it with no model.
Rows are committed as they happen: a session stopped with Ctrl-C keeps everything so far.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Field, Session, SQLModel, select

from sim.errors import SimInputError
from sim.llm.protocol import LMResponse
from sim.llm.structured import LMCallRecord
from sim.rehearsal.judge import Score
from sim.rehearsal.partner import Line
from sim.store.engines import sqlite_engine
from sim.store.recorder import dumps
from sim.store.tables import LMCallRow

_FINISH = {"truncated": "length", "error": "error"}


class SessionRow(SQLModel, table=True):
    """What the session was: persona, rubric, scenario, model and seed."""

    __tablename__ = "rehearsal_session"
    id: int = Field(default=1, primary_key=True)
    persona_json: str
    rubric_json: str
    scenario: str
    lm: str
    embedder: str
    seed: int
    status: str = "running"  # running, ended, saved (stopped with Ctrl-C or Ctrl-D)


class InputRow(SQLModel, table=True):
    """One line the person typed or the script played, in order."""

    __tablename__ = "rehearsal_input"
    id: int | None = Field(default=None, primary_key=True)
    text: str


class AttemptRow(SQLModel, table=True):
    """One attempt: from the start, from a /reset, or from a /retry of an earlier attempt."""

    __tablename__ = "rehearsal_attempt"
    number: int = Field(primary_key=True)
    origin: str  # e.g. "start", "reset", "retry of attempt 1 from turn 3"


class LineRow(SQLModel, table=True):
    """One line of an attempt's transcript, with the memories retrieved for a persona line."""

    __tablename__ = "rehearsal_line"
    attempt: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    turn: int
    speaker: str
    text: str
    memories_json: str


class ScoreRow(SQLModel, table=True):
    """One criterion's judgement of an attempt after `turns` of the person's lines."""

    __tablename__ = "rehearsal_score"
    id: int | None = Field(default=None, primary_key=True)
    attempt: int = Field(index=True)
    turns: int
    criterion: str
    name: str
    weight: float
    score: int
    quote: str
    improvement: str
    supported: bool


_TABLES = (SessionRow, InputRow, AttemptRow, LineRow, ScoreRow, LMCallRow)


class SessionStore:
    """Writes one session to a new database file."""

    def __init__(self, path: Path, session: SessionRow) -> None:
        if path.exists() and path.stat().st_size > 0:
            raise SimInputError(
                str(path), "--out", "a session is already saved here", "choose a new --out folder"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine: Engine = sqlite_engine(path)
        SQLModel.metadata.create_all(self.engine, tables=[t.__table__ for t in _TABLES])  # type: ignore[attr-defined]
        self._add(session)

    def _add(self, *rows: SQLModel) -> None:
        with Session(self.engine) as s:
            s.add_all(rows)
            s.commit()

    def typed(self, text: str) -> None:
        """Record an input line before it is acted on."""
        self._add(InputRow(text=text))

    def attempt(self, number: int, origin: str, lines: list[Line]) -> None:
        """Start an attempt, with the lines it inherits."""
        self._add(AttemptRow(number=number, origin=origin))
        self.lines(number, 0, lines)

    def lines(self, attempt: int, start: int, lines: list[Line]) -> None:
        """Append lines to an attempt's transcript from position `start`."""
        self._add(
            *(
                LineRow(attempt=attempt, position=start + i, turn=line.turn,
                        speaker=line.speaker, text=line.text,
                        memories_json=json.dumps(list(line.memories)))
                for i, line in enumerate(lines)
            )
        )  # fmt: skip

    def scores(self, attempt: int, turns: int, scores: list[Score]) -> None:
        """Record a judgement of an attempt."""
        self._add(*(ScoreRow(attempt=attempt, turns=turns, **s.to_json()) for s in scores))

    def call(self, record: LMCallRecord) -> None:
        """Record one LM attempt (the `StructuredLM` sink)."""
        data = record.to_json()
        request = data.pop("request")
        self._add(LMCallRow(**{**data, "request_json": dumps(request)}))

    def finish(self, status: str) -> None:
        """Mark how the session ended and release the file."""
        with Session(self.engine) as s:
            row = s.get(SessionRow, 1)
            assert row is not None
            row.status = status
            s.add(row)
            s.commit()
        self.engine.dispose()


def recorded(path: Path) -> tuple[SessionRow, list[str], list[tuple[str, LMResponse]]]:
    """A saved session's setup, its inputs and its model answers in call order (for replay)."""
    if not path.is_file():
        raise SimInputError(str(path), "--replay", "no such file", "pass a saved session.db")
    engine = sqlite_engine(path, readonly=True)
    try:
        with Session(engine) as s:
            setup = s.get(SessionRow, 1)
            inputs = [r.text for r in s.exec(select(InputRow).order_by(InputRow.id))]  # type: ignore[arg-type]
            calls = s.exec(
                select(LMCallRow).where(LMCallRow.outcome != "fallback").order_by(LMCallRow.id)  # type: ignore[arg-type]
            ).all()
    except (OperationalError, DatabaseError) as exc:  # no such table, or not SQLite at all
        raise SimInputError(
            str(path), "--replay", f"not a rehearsal session ({type(exc).__name__})",
            "pass the session.db a `sim rehearse --out DIR` wrote",
        ) from None  # fmt: skip
    finally:
        engine.dispose()
    if setup is None:
        raise SimInputError(str(path), "--replay", "no session recorded", "pass a saved session.db")
    answers = [
        (r.request_key, LMResponse(r.response, _FINISH.get(r.outcome, "stop"),  # type: ignore[arg-type]
                                   r.prompt_tokens, r.completion_tokens, r.model))
        for r in calls
    ]  # fmt: skip
    return setup, inputs, answers
