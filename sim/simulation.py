"""The public face of the engine: build, run, snapshot, fork, reset, intervene, ask, analyse.

`Simulation` is the contract that the CLI, the experiments and the docs go through. Building one
never calls the LM (the first step rates the seed memories); forks and snapshots share memory
rows instead of copying them; everything that happens is recorded in an in-memory log (for
`frames()`) and, when a database is given, in the run database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import interventions as iv
from sim.agent import Agent
from sim.assembly import build_lm, lm_spec_of, load_town, world_from_run
from sim.clock import label, parse_time_of_day
from sim.cognition.context import CognitionConfig
from sim.embed.factory import make_embedder
from sim.embed.protocol import Embedder
from sim.engine import Engine, EngineSnapshot
from sim.errors import SimInputError
from sim.llm.protocol import LanguageModel
from sim.llm.wrappers import CachingLM
from sim.persona import Persona, load_personas
from sim.record import TickRecord
from sim.runlog import RunLog, TeeRecorder
from sim.store.reader import RunReader
from sim.store.recorder import SQLiteRecorder, dumps
from sim.store.tables import RunRow
from sim.types import JSON
from sim.world.map import World, load_world


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


class Simulation:
    """A running world with its agents, LM, recorder and log. Build with `Simulation.build`."""

    def __init__(
        self,
        engine: Engine,
        *,
        lm: CachingLM,
        log: RunLog,
        recorder: SQLiteRecorder | None,
        db: Path | None,
        seed_state: EngineSnapshot | None = None,
        checkpoint_every: int = 360,
    ) -> None:
        self.engine = engine
        self._lm = lm
        self.log = log
        self.recorder = recorder
        self.db = db
        self._seed_state = seed_state
        self.checkpoint_every = checkpoint_every
        self.status = "ready"
        engine.recorder = TeeRecorder(*([recorder] if recorder else []), log)

    # Building ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        world: str | Path | World,
        personas: str | Path | Sequence[Persona] | None = None,
        *,
        lm: str | LanguageModel = "embedded",
        embedder: str | Embedder | None = None,
        seed: int = 0,
        config: CognitionConfig | None = None,
        db: str | Path | None = None,
        overwrite: bool = False,
        base_url: str | None = None,
        api_key: str | None = None,
        replay: str | Path | None = None,
        checkpoint_every: int = 360,
    ) -> Simulation:
        """Build a world and its agents; no LM call happens here.

        `world` and `personas` are paths or loaded objects (the world's own persona set by
        default). `lm` is "embedded", "fake", "openai:MODEL" or any `LanguageModel`; `embedder`
        is "minilm", "hash" or an `Embedder` (default: hash with the fake LM, else minilm).
        `replay` answers every LM call from a recorded run instead. `db` records the run.
        """
        the_world, people = _town(world, personas)
        config = config or CognitionConfig(reflection_budget=the_world.reflection_budget)
        spec = lm if isinstance(lm, str) else None
        backend = (
            build_lm(spec, seed, base_url, api_key, Path(replay) if replay else None)
            if spec is not None
            else CachingLM(lm)  # type: ignore[arg-type]
        )
        assert isinstance(backend, CachingLM)
        if embedder is None:
            embedder = "hash" if spec == "fake" else "minilm"
        vectors = make_embedder(embedder) if isinstance(embedder, str) else embedder
        recorder = None
        if db is not None:
            row = RunRow(
                world_name=the_world.name,
                world_json=dumps(the_world.spec_json()),
                layers_json=dumps(the_world.layers_json()),
                personas_json=dumps([p.to_json() for p in people]),
                config_json=dumps(config.to_json()),
                seed=seed,
                lm=backend.name,
                embedder=vectors.name,
                tick_seconds=the_world.tick_seconds,
                start_time=the_world.start,
            )
            recorder = SQLiteRecorder(db, row, overwrite=overwrite)
        engine = Engine(the_world, list(people), backend, vectors, seed=seed, config=config)
        return cls(
            engine,
            lm=backend,
            log=RunLog(),
            recorder=recorder,
            db=Path(db) if db is not None else None,
            checkpoint_every=checkpoint_every,
        )

    @classmethod
    def open(
        cls,
        run_db: str | Path,
        at: int | None = None,
        *,
        lm: str | LanguageModel | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        record: bool = False,
    ) -> Simulation:
        """Open a recorded run at its last checkpoint (or the one at tick `at`).

        It comes back with the run's world, personas, settings, seed and embedder, and the LM it
        was recorded with unless `lm` says otherwise. With `record=True` (only from the run's last
        tick) new ticks are appended to the same database; otherwise nothing is written there.
        """
        reader = RunReader(run_db)
        try:
            run = reader.run
            found = reader.checkpoint_at(at)
            seed_found = reader.checkpoint_at(0)
            personas = [Persona.model_validate(p) for p in reader.personas()]
        finally:
            reader.close()
        if found is None:
            raise SimInputError(
                str(run_db),
                "checkpoint",
                "no saved state" + (f" at tick {at}" if at is not None else ""),
                "open the run at a tick it checkpointed, or let it reach its first checkpoint",
            )
        tick, state = found
        world = world_from_run(_loads(run.world_json), str(run_db))
        backend = (
            build_lm(lm or lm_spec_of(run.lm), run.seed, base_url, api_key, None)
            if lm is None or isinstance(lm, str)
            else CachingLM(lm)
        )
        assert isinstance(backend, CachingLM)
        config = CognitionConfig.from_json(_loads(run.config_json))
        engine = Engine(
            world, personas, backend, make_embedder(run.embedder), seed=run.seed, config=config
        )
        seed_state = None
        if seed_found is not None:
            engine.set_state(seed_found[1])
            seed_state = engine.snapshot()
        engine.set_state(state)
        recorder = None
        if record:
            if tick != run.ticks:
                raise SimInputError(
                    str(run_db),
                    "at",
                    f"tick {tick} is not the run's last ({run.ticks}): later ticks are recorded",
                    "open without record=True and fork(db=...) to branch from an earlier tick",
                )
            recorder = SQLiteRecorder.resume(run_db)
        return cls(
            engine,
            lm=backend,
            log=RunLog(),
            recorder=recorder,
            db=Path(run_db) if record else None,
            seed_state=seed_state,
        )

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

    def _prepared(self) -> None:
        """Rate seed memories once, and keep that moment as the state `reset` returns to."""
        if self.engine.prepared:
            return
        self.engine.prepare()
        self._seed_state = self.engine.snapshot()
        if self.recorder is not None and self.engine.tick == 0:
            self.recorder.checkpoint(0, self._seed_state.to_json())

    def step(self) -> TickRecord:
        """Advance one tick and return what happened in it."""
        self._prepared()
        self.status = "running"
        record = self.engine.step()
        every = self.checkpoint_every
        if self.recorder is not None and every and self.engine.tick % every == 0:
            self.recorder.checkpoint(self.engine.tick, self.engine.get_state())
        return record

    def run(
        self,
        hours: float | None = None,
        *,
        ticks: int | None = None,
        until: str | int | None = None,
        progress: bool = False,
    ) -> Simulation:
        """Run for game `hours`, a number of `ticks`, or `until` a game time ("day 2 08:00")."""
        total = self.ticks_for(hours, ticks, until)
        if progress:
            from sim.progress import run_with_progress

            run_with_progress(self, total)
        else:
            for _ in range(total):
                self.step()
        self.status = "ready"
        return self

    def ticks_for(
        self,
        hours: float | None = None,
        ticks: int | None = None,
        until: str | int | None = None,
    ) -> int:
        """How many ticks `run` would take for these arguments; exactly one must be given."""
        given = [x is not None for x in (hours, ticks, until)]
        if sum(given) != 1:
            raise SimInputError("run", "hours", "give exactly one of hours, ticks or until")
        seconds = self.engine.clock.tick_seconds
        if ticks is not None:
            if ticks < 0:
                raise SimInputError("run", "ticks", f"{ticks} is negative", "use 0 or more")
            return ticks
        if hours is not None:
            if not 0 <= hours < 24 * 365:
                raise SimInputError("run", "hours", f"{hours} is out of range", "use 0 to 8760")
            return round(hours * 3600 / seconds)
        target = until if isinstance(until, int) else _time(until, "until")
        return max(0, -(-(target - self.now) // seconds))

    # Snapshots, forks and resets --------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """This moment, to `restore` or `reset` to later: O(agents), memory rows shared."""
        self._prepared()
        self.engine.flush()
        return Snapshot(
            self.engine.snapshot(),
            len(self.log.records),
            {k: len(v) for k, v in self.log.rows.items()},
        )

    def restore(self, snapshot: Snapshot) -> Simulation:
        """Return the whole simulation to `snapshot` (the log forgets what came after)."""
        if self.recorder is not None and snapshot.tick < self.engine.tick:
            raise SimInputError(
                str(self.db),
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
    ) -> Simulation:
        """An independent copy that shares this one's past; nothing done to it leaks back.

        `at` branches from an earlier snapshot instead of now. `seed` gives the branch its own
        seed derivation (default: the parent's); `lm` answers its calls from another backend
        (for example a replay). With `db`, the branch records to a new database that holds the
        parent's past and names the parent and the fork tick.
        """
        snap = at or self.snapshot()
        cache = CachingLM(lm) if lm is not None else CachingLM(self._lm.inner)
        cache.copy_cache_from(self._lm)
        engine = Engine(
            self.engine.world,
            list(self.engine.personas.values()),
            cache,
            self.engine.agents[next(iter(self.engine.agents))].memory.embedder,
            seed=self.engine.seed,
            config=self.engine.config,
        )
        engine.restore(snap.engine)
        if seed is not None:
            engine.seed = engine.cog.seed = seed
        log = self.log.copy()
        log.records = log.records[: snap.log_records]
        log.rows = {k: v[: snap.log_rows[k]] for k, v in log.rows.items()}
        recorder = None
        if db is not None:
            recorder = self._branch_db(Path(db), log, snap, engine.seed, overwrite)
        return Simulation(
            engine,
            lm=cache,
            log=log,
            recorder=recorder,
            db=Path(db) if db is not None else None,
            seed_state=self._seed_state,
            checkpoint_every=self.checkpoint_every,
        )

    def _branch_db(
        self, db: Path, log: RunLog, snap: Snapshot, seed: int, overwrite: bool
    ) -> SQLiteRecorder:
        """A database for a fork: a copy of the parent's, or the parent's log written out."""
        if self.db is not None and snap.tick == self.engine.tick:
            recorder = SQLiteRecorder.branch(self.db, db, overwrite=overwrite)
        else:
            recorder = SQLiteRecorder(db, self._run_row(seed), overwrite=overwrite)
            for record in log.records:
                recorder.write_tick(record)
        recorder.mark_fork(str(self.db or "(in memory)"), snap.tick, seed)
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
            embedder=next(iter(e.agents.values())).memory.embedder.name,
            tick_seconds=e.world.tick_seconds,
            start_time=e.world.start,
        )

    def reset(
        self, agents: str | Sequence[str] | None = None, *, to: str | Snapshot = "seed"
    ) -> Simulation:
        """Return agents' minds (memory, plans, cooldowns, pending observations) to their seed
        state or to a snapshot; the rest of the world goes on."""
        names = self._names(agents)
        self._prepared()
        self.engine.flush()
        if isinstance(to, Snapshot):
            state, tag = to.engine, f"snapshot at tick {to.tick}"
        elif to == "seed":
            assert self._seed_state is not None  # set by _prepared
            state, tag = self._seed_state, "seed"
        else:
            raise SimInputError("reset", "to", f"unknown target {to!r}", 'use "seed" or a Snapshot')
        self.engine.reset_agents(names, state, tag)
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

    # Interventions ----------------------------------------------------------------------
    def intervene(self, intervention: iv.Intervention | JSON) -> Simulation:
        """Apply an intervention now, or schedule it for its `at` time (checked either way)."""
        parsed = (
            intervention if isinstance(intervention, iv.Intervention) else iv.parse(intervention)
        )
        parsed.check(self.engine)  # before anything changes, the seed ratings included
        self._prepared()
        iv.schedule(self.engine, parsed)
        self.engine.flush()
        return self

    def whisper(
        self, agents: str | Sequence[str], text: str, *, importance: int | None = None,
        at: str | None = None,
    ) -> Simulation:  # fmt: skip
        """Tell chosen agents a fact; it becomes a memory (importance given or LM-rated)."""
        names = [agents] if isinstance(agents, str) else list(agents)
        return self.intervene(
            iv.make(iv.Whisper, agents=names, text=text, importance=importance, at=at)
        )

    def broadcast(
        self, text: str, *, place: str | None = None, until: str | None = None,
        importance: int | None = None, at: str | None = None,
    ) -> Simulation:  # fmt: skip
        """Announce to everyone, or to everyone at `place` (and arrivals there until `until`)."""
        return self.intervene(
            iv.make(iv.Broadcast, text=text, place=place, until=until, importance=importance, at=at)
        )

    def close_place(self, place: str, *, reason: str = "", at: str | None = None) -> Simulation:
        """Close a place; agents stay away and every prompt says it is closed."""
        return self.intervene(iv.make(iv.ClosePlace, place=place, reason=reason, at=at))

    def set_hours(
        self, place: str, opens: str, closes: str, *, at: str | None = None
    ) -> Simulation:
        """Change a place's opening hours."""
        return self.intervene(iv.make(iv.SetHours, place=place, opens=opens, closes=closes, at=at))

    def add_rule(self, text: str, *, at: str | None = None) -> Simulation:
        """A standing rule that every prompt shows from now on."""
        return self.intervene(iv.make(iv.AddRule, text=text, at=at))

    def set_persona(self, agent: str, *, at: str | None = None, **changes: Any) -> Simulation:
        """Change persona attributes of one agent (e.g. current_status=...)."""
        return self.intervene(iv.make(iv.SetPersona, agent=agent, changes=changes, at=at))

    # Asking agents ----------------------------------------------------------------------
    def interview(self, agent: str, question: str, *, stateful: bool = False) -> str:
        """Ask one agent a question; it answers in character from its memories and plan.

        Stateless by default: nothing is remembered and no last-access time moves. Stateful
        interviews write the exchange into the agent's memory.
        """
        from sim.cognition.interview import ask

        self._names(agent)
        self._prepared()
        answer = ask(self.engine.agents[agent], question, self._cog(), stateful=stateful)
        self.engine.cog.emit(
            "interview", agent, question=question, answer=answer, stateful=stateful
        )
        self.engine.flush()
        return answer

    def survey(
        self,
        instrument: Any,
        *,
        agents: str | Sequence[str] | None = None,
        stateful: bool = False,
        wave: str = "",
    ) -> pd.DataFrame:
        """Ask a survey (an instrument, a list, a `Survey` or a YAML path) of agents.

        Returns one row per agent per question (the `surveys` frame's columns). Stateless by
        default; `wave` labels repeated measurements of a panel.
        """
        from sim.cognition.survey import answer
        from sim.survey.files import survey_from

        names = self._names(agents)
        survey = survey_from(instrument)
        self._prepared()
        cog = self._cog()
        rows = []
        for name in names:
            for question in survey.questions:
                reply = answer(
                    self.engine.agents[name], question, cog, stateful=stateful, wave=wave
                )
                data = reply.to_json()
                self.engine.cog.emit("survey", name, answer=data)
                rows.append(data)
        self.engine.flush()
        from sim.runlog import FRAME_COLUMNS

        columns = list(FRAME_COLUMNS["surveys"])
        return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)

    def _cog(self) -> Any:
        """The cognition services, set to the current tick and time."""
        cog = self.engine.cog
        cog.tick, cog.now = self.engine.tick, self.engine.now
        return cog

    # Results ----------------------------------------------------------------------------
    def frames(self) -> dict[str, pd.DataFrame]:
        """The run as pandas DataFrames: agents, positions, memories, events, conversations,
        lm_calls and surveys (columns in `sim.runlog.FRAME_COLUMNS`)."""
        self.engine.flush()
        agents = [
            {"agent": n, "place": f.place, "action": f.action, "x": f.tile[0], "y": f.tile[1],
             "memories": len(self.engine.agents[n].memory)}
            for n, f in sorted(self.engine.state.frames.items())
        ]  # fmt: skip
        frames = {"agents": pd.DataFrame(agents)}
        frames.update({name: self.log.frame(name) for name in self.log.rows})
        return frames

    def summary(self) -> JSON:
        """Counts for an end-of-run summary: agents' memories, LM totals and the digest."""
        return {"db": str(self.db) if self.db else None, "status": self.status,
                **self.engine.summary()}  # fmt: skip

    def close(self, status: str = "finished") -> JSON:
        """Record the end state (and a final checkpoint) and release the database."""
        self.engine.flush()
        self.status = status
        summary = self.summary()
        if self.recorder is not None:
            self.recorder.checkpoint(self.engine.tick, self.engine.get_state())
            self.recorder.finish(status, self.engine.digest, summary)
            self.recorder.close()
            self.recorder = None
            self.engine.recorder = self.log
        return summary

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if self.recorder is not None:
            failed = "interrupted" if kind is KeyboardInterrupt else "failed"
            self.close("finished" if kind is None else failed)


def _town(
    world: str | Path | World, personas: str | Path | Sequence[Persona] | None
) -> tuple[World, list[Persona]]:
    """The world and its people from paths or loaded objects."""
    named = personas is None or isinstance(personas, (str, Path))
    if not isinstance(world, World):
        if named:
            return load_town(Path(world), Path(personas) if personas else None)  # type: ignore[arg-type]
        return load_world(world), list(personas)  # type: ignore[arg-type]
    if not named:
        return world, list(personas)  # type: ignore[arg-type]
    chosen = Path(personas) if personas else world.personas_path  # type: ignore[arg-type]
    if chosen is None:
        raise SimInputError(
            str(world.source), "personas", "the world names no persona set", "pass personas="
        )
    return world, load_personas(chosen, world)


def _time(text: str, field: str) -> int:
    """A game time label as seconds, or a one-line error."""
    try:
        return parse_time_of_day(text)
    except ValueError as exc:
        raise SimInputError("run", field, str(exc), 'use "HH:MM" or "day N HH:MM"') from None


def _loads(text: str) -> Any:
    """Parse a JSON column."""
    return json.loads(text)
