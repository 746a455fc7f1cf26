"""Snapshots, restores, forks and memory resets: O(agents), memory rows shared."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

from sim import interventions as iv
from sim.engine import Engine
from sim.errors import SimInputError
from sim.executor import Executor
from sim.llm.protocol import LanguageModel
from sim.llm.wrappers import CachingLM
from sim.runlog import RunLog
from sim.simulation.base import SimulationBase, Snapshot
from sim.store.location import RunDb, as_db, label
from sim.store.recorder import RunRecorder, dumps
from sim.store.tables import RunRow


class Branching(SimulationBase):
    """Moments to return to, branches that share the past, and minds put back."""

    # Snapshots, forks and resets --------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """This moment, to `restore` or `reset` to later: O(agents), memory rows shared."""
        self.prepare()
        self.engine.flush()
        return Snapshot(
            self.engine.snapshot(),
            len(self.log.records),
            {k: len(v) for k, v in self.log.rows.items()},
        )

    def restore(self, snapshot: Snapshot) -> Self:
        """Return the whole simulation to `snapshot` (the log forgets what came after)."""
        if self.recorder is not None and snapshot.tick < self.engine.tick:
            raise SimInputError(
                label(self.db),
                "snapshot",
                f"ticks after {snapshot.tick} are already recorded in this database",
                "fork(at=snapshot, db=...) to branch from the earlier moment instead",
            )
        self.engine.restore(snapshot.engine)
        self.log.records = self.log.records[: snapshot.log_records]
        self.log.rows = {k: v[: snapshot.log_rows[k]] for k, v in self.log.rows.items()}
        return self

    def fork(
        self,
        *,
        at: Snapshot | None = None,
        db: str | Path | None = None,
        seed: int | None = None,
        lm: LanguageModel | None = None,
        overwrite: bool = False,
        executor: Executor | None = None,
    ) -> Self:
        """An independent copy that shares this one's past; nothing done to it leaks back.

        `at` branches from an earlier snapshot instead of now. `seed` gives the branch its own
        seed derivation (default: the parent's); `lm` answers its calls from another backend
        (for example a replay). With `db`, the branch records to a new database that holds the
        parent's past and names the parent and the fork tick. The branch runs its decisions on
        `executor`, by default the parent's own (threads or Ray workers are shared, not copied).
        """
        snap = at or self.snapshot()
        cache = CachingLM(lm) if lm is not None else CachingLM(self._lm.inner)
        cache.copy_cache_from(self._lm)
        engine = Engine(
            self.engine.world,
            list(self.engine.personas.values()),
            cache,
            self.engine.embedder,
            seed=self.engine.seed,
            config=self.engine.config,
            executor=executor or self.engine.executor,
        )
        engine.restore(snap.engine)
        if seed is not None:
            engine.seed = engine.cog.seed = seed
        log = self.log.copy()
        log.records = log.records[: snap.log_records]
        log.rows = {k: v[: snap.log_rows[k]] for k, v in log.rows.items()}
        recorder = None
        if db is not None:
            recorder = self._branch_db(as_db(db), log, snap, engine.seed, overwrite)
        return type(self)(
            engine,
            lm=cache,
            log=log,
            recorder=recorder,
            db=as_db(db) if db is not None else None,
            seed_state=self._seed_state,
            checkpoint_every=self.checkpoint_every,
            source=self.source,
        )

    def _branch_db(
        self, db: RunDb, log: RunLog, snap: Snapshot, seed: int, overwrite: bool
    ) -> RunRecorder:
        """A database for a fork: the parent's past (the file it was opened from, up to then,
        and its log since), then the branch's own ticks."""
        if self.source is None:
            recorder = RunRecorder(db, self._run_row(seed), overwrite=overwrite)
        else:
            path, opened = self.source
            recorder = RunRecorder.branch(path, db, upto=opened, overwrite=overwrite)
        for record in log.records:
            recorder.write_tick(record)
        parent = self.db or (self.source[0] if self.source else None)
        recorder.mark_fork(label(parent) if parent else "(in memory)", snap.tick, seed)
        recorder.checkpoint(snap.tick, snap.to_json())
        return recorder

    def _run_row(self, seed: int) -> RunRow:
        """The run row describing this simulation's world, people and settings."""
        e = self.engine
        return RunRow(
            world_name=e.world.name,
            world_json=dumps(e.world.spec_json()),
            layers_json=dumps(e.world.layers_json()),
            personas_json=dumps([p.to_json() for p in e.personas.values()]),
            config_json=dumps(e.config.to_json()),
            seed=seed,
            lm=self._lm.name,
            embedder=e.embedder.name,
            tick_seconds=e.world.tick_seconds,
            start_time=e.world.start,
        )

    def reset(
        self,
        agents: str | Sequence[str] | None = None,
        *,
        to: str | Snapshot = "seed",
        world: bool = False,
    ) -> Self:
        """Return agents' minds (memory, plans, cooldowns, pending observations) to their seed
        state or to a snapshot; the rest of the world goes on.

        With `world=True`, what interventions changed (rules, closures, hours, notices, the
        schedule of interventions, persona changes) returns to that moment too, so a
        within-agent design can take the same agents through a second condition cleanly.
        """
        names = self._names(agents)
        self.prepare()
        self.engine.flush()
        if isinstance(to, Snapshot):
            state, tag = to.engine, f"snapshot at tick {to.tick}"
        elif to == "seed":
            assert self._seed_state is not None  # set by prepare
            state, tag = self._seed_state, "seed"
        else:
            raise SimInputError("reset", "to", f"unknown target {to!r}", 'use "seed" or a Snapshot')
        self.engine.reset_agents(names, state, tag)
        if world:
            self.engine.reset_world(state, tag)
        self.engine.flush()
        return self

    def _names(self, agents: str | Sequence[str] | None) -> list[str]:
        """Agent names from one name, a list or None (everyone), each checked."""
        names = (
            list(self.engine.agents)
            if agents is None
            else ([agents] if isinstance(agents, str) else list(agents))
        )
        iv.check_agents(self.engine, names)
        return names
