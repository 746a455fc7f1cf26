"""The run database's tables: one SQLite file holds one run, written a tick per transaction.

Frames and object states are stored only when they change (as the reference replay does),
so a day-long run stays small and the viewer can read any tick by index.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RunRow(SQLModel, table=True):
    """The run's identity and everything needed to rebuild it: world, personas, settings."""

    __tablename__ = "run"
    id: int = Field(default=1, primary_key=True)
    world_name: str
    world_json: str  # validated world spec
    layers_json: str  # map layers for viewers
    personas_json: str
    config_json: str  # cognition settings
    seed: int
    lm: str
    embedder: str
    tick_seconds: int
    start_time: int
    status: str = "running"  # running, finished, interrupted, failed
    ticks: int = 0
    digest: str = ""
    summary_json: str = "{}"
    parent: str = ""  # the run this one was forked from ("" for a run built from files)
    fork_tick: int = 0  # the parent's tick at the fork; this file holds the parent's past
    target_ticks: int = 0  # the tick `sim run` was asked to reach (0: not said)
    heartbeat: float = 0.0  # wall time (Unix s) of the writer's last sign of life; metadata only
    writer_pid: int = 0  # the process that last wrote the run


class TickRow(SQLModel, table=True):
    """One row per completed tick; its presence means the tick's other rows are complete."""

    __tablename__ = "tick"
    tick: int = Field(primary_key=True)
    time: int
    digest: str


class FrameRow(SQLModel, table=True):
    """An agent's visible state, stored at the ticks where it changed."""

    __tablename__ = "frame"
    tick: int = Field(primary_key=True)
    agent: str = Field(primary_key=True, index=True)
    x: int
    y: int
    action: str
    emoji: str
    place: str | None = None
    object: str | None = None
    chat: str | None = None


class ObjectRow(SQLModel, table=True):
    """An object's state at the tick it changed; NULL means back to its default."""

    __tablename__ = "object_state"
    tick: int = Field(primary_key=True)
    key: str = Field(primary_key=True)
    state: str | None = None


class MemoryRow(SQLModel, table=True):
    """A memory record as written; records never change after."""

    __tablename__ = "memory"
    agent: str = Field(primary_key=True)
    generation: int = Field(default=0, primary_key=True)  # memory resets of the agent so far
    id: int = Field(primary_key=True)
    tick: int = Field(index=True)
    kind: str = Field(index=True)
    text: str
    created: int
    importance: int
    depth: int
    evidence_json: str
    subjects_json: str


class ConversationRow(SQLModel, table=True):
    """A finished conversation with its transcript."""

    __tablename__ = "conversation"
    id: str = Field(primary_key=True)
    tick: int = Field(index=True)
    place: str
    ticks: int
    participants_json: str
    lines_json: str
    ended_by: str


class EventRow(SQLModel, table=True):
    """A decision event: plan, steps, reaction, reflection, conversation."""

    __tablename__ = "event"
    id: int | None = Field(default=None, primary_key=True)
    tick: int = Field(index=True)
    kind: str = Field(index=True)
    agent: str = Field(index=True)
    data_json: str


class RetrievalRow(SQLModel, table=True):
    """Memories retrieved for one decision, with their score components."""

    __tablename__ = "retrieval"
    id: int | None = Field(default=None, primary_key=True)
    tick: int = Field(index=True)
    agent: str = Field(index=True)
    purpose: str
    query: str
    memories_json: str


class LMCallRow(SQLModel, table=True):
    """One LM attempt (or fallback): enough to inspect it and to replay the run exactly."""

    __tablename__ = "lm_call"
    id: int | None = Field(default=None, primary_key=True)
    tick: int = Field(index=True)
    agent: str | None = None
    purpose: str
    decision: str
    attempt: int
    request_key: str = Field(index=True)
    request_json: str
    response: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    outcome: str
    cached: bool
    error: str
    # The transport faults met on the way (retried tries), so that a resume counts them again.
    faults_json: str = Field(default="[]", sa_column_kwargs={"server_default": "[]"})


class CheckpointRow(SQLModel, table=True):
    """Full engine state at a tick, for interviews, forks and resume."""

    __tablename__ = "checkpoint"
    tick: int = Field(primary_key=True)
    state_json: str


class SchemaVersionRow(SQLModel, table=True):
    """Applied migrations, in order."""

    __tablename__ = "schema_version"
    version: int = Field(primary_key=True)
    name: str
