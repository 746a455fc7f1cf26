"""What every part of a `Simulation` shares: the engine, its LM, recorder and log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import pandas as pd

from sim.agent import Agent
from sim.clock import label
from sim.engine import Engine
from sim.engine_state import EngineSnapshot
from sim.llm.structured import LMCallRecord
from sim.llm.wrappers import CachingLM
from sim.runlog import FRAME_COLUMNS, RunLog, TeeRecorder
from sim.store.location import RunDb
from sim.store.location import label as db_label
from sim.store.recorder import RunRecorder
from sim.types import JSON


@dataclass(frozen=True)
class Snapshot:
    """A moment of a simulation to return to: engine state (memories shared) and log length."""

    engine: EngineSnapshot
    log_records: int
    log_rows: dict[str, int]

    @property
    def tick(self) -> int:
        """The tick the simulation would run next from this snapshot."""
        return int(self.engine.state["tick"])

    def to_json(self) -> JSON:
        """The full JSON-shaped engine state (the same as `Engine.get_state()`)."""
        return self.engine.to_json()


class SimulationBase:
    """A running world with its agents, LM, recorder and log; the parts below add the verbs."""

    def __init__(
        self,
        engine: Engine,
        *,
        lm: CachingLM,
        log: RunLog,
        recorder: RunRecorder | None,
        db: RunDb | None,
        seed_state: EngineSnapshot | None = None,
        checkpoint_every: int = 360,
        source: tuple[RunDb, int] | None = None,
    ) -> None:
        self.engine = engine
        self.source = source  # (run file, tick) it was opened from: the past before its log
        self.target_ticks = 0  # how far a resumed run was meant to go (0: not known)
        self._mid_tick = False  # a step began and has not finished (an error cut it short)
        self._lm = lm
        self.log = log
        self.recorder = recorder
        self.db = db
        self._seed_state = seed_state
        self.checkpoint_every = checkpoint_every
        self.status = "ready"
        engine.recorder = TeeRecorder(*([recorder] if recorder else []), log)
        engine.checkpoint_every = checkpoint_every if recorder else 0
        engine.lm.sink = self._with_heartbeat(engine.lm.sink)

    def _with_heartbeat(
        self, sink: Callable[[LMCallRecord], None] | None
    ) -> Callable[[LMCallRecord], None]:
        """Every LM call is a sign of life: preparing a town writes no tick for minutes, and the
        recorder keeps the run's heartbeat fresh meanwhile (it decides how often to write)."""

        def beat(call: LMCallRecord) -> None:
            if sink is not None:
                sink(call)
            if self.recorder is not None:
                self.recorder.beat()

        return beat

    # Running ----------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """Game time of the next tick, in seconds since day 1 00:00."""
        return self.engine.now

    @property
    def time_label(self) -> str:
        """Game time of the next tick as "day N HH:MM"."""
        return label(self.engine.now)

    @property
    def tick(self) -> int:
        """The number of the next tick."""
        return self.engine.tick

    @property
    def agents(self) -> dict[str, Agent]:
        """The agents by name (their memory, schedule and persona can be read)."""
        return dict(self.engine.agents)

    @property
    def digest(self) -> str:
        """Running digest of everything recorded: same seed and LM answers, same digest."""
        return self.engine.digest

    @property
    def lm_name(self) -> str:
        """The model answering this simulation's calls."""
        return self._lm.name

    @property
    def lm_stats(self) -> JSON:
        """LM totals so far: calls, ok, invalid, fallbacks, cached, tokens."""
        return self.engine.lm.stats.to_json()

    def prepare(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Rate the agents' seed memories now (the first step does it otherwise), telling
        `progress(done, total)` after each agent; the state right after is the one `reset`
        returns to. An interruption leaves nothing half-prepared behind."""
        if self.engine.prepared:
            return
        self._mid_tick = True  # a stop in here must not checkpoint a half-rated town
        self.engine.prepare(progress)
        snapshots: list[EngineSnapshot] = []

        def seed_checkpoint() -> JSON:
            snapshots.append(self.engine.snapshot())
            return snapshots[0].to_json()

        # Recorded before the seed checkpoint, not inside tick 0, so that a resume from that
        # checkpoint re-runs tick 0 to the same digest; both in one transaction, so a run killed
        # while preparing has stored nothing and `--resume` starts it afresh.
        first = self.recorder is not None and self.engine.tick == 0
        self.engine.flush(seed_checkpoint if first else None)
        self._mid_tick = False
        self._seed_state = snapshots[0] if snapshots else self.engine.snapshot()

    # Results ----------------------------------------------------------------------------
    def frames(self, since: int | None = None) -> dict[str, pd.DataFrame]:
        """The run as pandas DataFrames: agents, positions, memories, events, conversations,
        lm_calls and surveys (columns in `sim.runlog.FRAME_COLUMNS`).

        With `since` (a tick), only what happened from then on: each agent's position at that
        tick and its moves after, and as memories what each agent remembers now (its current
        stream, so that a reset agent does not count what it forgot).
        """
        self.engine.flush()
        agents = [
            {"agent": n, "place": f.place, "action": f.action, "x": f.tile[0], "y": f.tile[1],
             "memories": len(self.engine.agents[n].memory)}
            for n, f in sorted(self.engine.state.frames.items())
        ]  # fmt: skip
        frames = {"agents": pd.DataFrame(agents)}
        frames.update({name: self.log.frame(name) for name in self.log.rows})
        if since is None:
            return frames
        for name, frame in frames.items():
            if name not in ("agents", "positions", "memories"):
                frames[name] = frame[frame["tick"] >= since].reset_index(drop=True)
        moves = frames["positions"]
        before = moves[moves["tick"] < since].groupby("agent").tail(1)
        frames["positions"] = pd.concat([before, moves[moves["tick"] >= since]], ignore_index=True)
        frames["memories"] = self._current_memories()
        return frames

    def _current_memories(self) -> pd.DataFrame:
        """Every agent's current memory stream as rows of the `memories` frame."""
        clock = self.engine.clock
        rows = [
            {**r.to_json(), "agent": name, "generation": self.engine.generations[name],
             "tick": max(0, (r.created - clock.start) // clock.tick_seconds)}
            for name, agent in self.engine.agents.items()
            for r in agent.memory.records
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS["memories"]))

    def summary(self) -> JSON:
        """Counts for an end-of-run summary: agents' memories, LM totals and the digest."""
        return {"db": db_label(self.db) if self.db else None, "status": self.status,
                **self.engine.summary()}  # fmt: skip

    def close(self, status: str = "finished") -> JSON:
        """Record the end state (and a final checkpoint) and release the database.

        If a tick was cut short (an error or a forced stop inside it), its half-applied state is
        not saved: the database keeps the last whole tick, from which `resume` goes on.
        """
        self.status = status
        recorder = self.recorder
        whole = not self._mid_tick and (recorder is None or recorder.failed is None)
        try:
            if whole:
                self.engine.flush()
            summary = self.summary()
            if recorder is not None and whole:
                recorder.checkpoint(self.engine.tick, self.engine.get_state())
                recorder.finish(status, self.engine.digest, summary)
            elif recorder is not None:
                recorder.finish(status, None, summary)
        finally:
            if recorder is not None:
                recorder.close()  # the lock goes, whatever the disk said
                self.recorder = None
                self.engine.recorder = self.log
        return summary

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if self.recorder is not None:
            failed = "interrupted" if kind is KeyboardInterrupt else "failed"
            self.close("finished" if kind is None else failed)
