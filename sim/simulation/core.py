"""`Simulation`: building or opening a world, and running it."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.assembly import build_lm, lm_spec_of, load_town, world_from_run
from sim.clock import parse_time_of_day
from sim.cognition.context import CognitionConfig
from sim.embed.factory import make_embedder
from sim.embed.protocol import Embedder
from sim.engine import Engine
from sim.errors import SimInputError
from sim.executor import Executor, make_executor
from sim.llm.budget import Budget
from sim.llm.protocol import LanguageModel
from sim.llm.wrappers import CachingLM, ReplayLM, ResumeLM, make_lm
from sim.persona import Persona, load_personas
from sim.record import TickRecord
from sim.runlog import RunLog, TeeRecorder
from sim.simulation.acting import Acting
from sim.simulation.branching import Branching
from sim.store.guard import damaged
from sim.store.location import RunDb, as_db, label
from sim.store.lock import take_lock
from sim.store.reader import RunReader
from sim.store.recorder import RunRecorder, dumps
from sim.store.tables import RunRow
from sim.world.map import World, load_world


class Simulation(Acting, Branching):
    """A running world with its agents, LM, recorder and log. Build with `Simulation.build`."""

    budget: Budget | None = None  # caps on what the run may spend, checked between ticks

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
        concurrency: int = 1,
        executor: str | Executor = "local",
        ray_address: str | None = None,
    ) -> Simulation:
        """Build a world and its agents; no LM call happens here.

        `world` and `personas` are paths or loaded objects (the world's own persona set by
        default). `lm` is "embedded", "fake", "openai:MODEL" or any `LanguageModel`; `embedder`
        is "minilm", "hash" or an `Embedder` (default: hash with the fake LM, else minilm).
        `replay` answers every LM call from a recorded run instead. `db` records the run.
        `concurrency` is how many agents may decide (and conversations run) at once, so up
        to that many LM calls are in flight; the result is the same for every value.
        `executor="ray"` runs them in Ray worker processes instead (`concurrency` of them, or
        one per CPU of the cluster at `ray_address`); any `Executor` may be given too.
        """
        the_world, people = _town(world, personas)
        if isinstance(executor, str):  # a bad value fails before any work
            executor = make_executor(concurrency, executor, ray_address)
        config = config or CognitionConfig(reflection_budget=the_world.reflection_budget)
        spec = lm if isinstance(lm, str) else None
        backend = (
            build_lm(spec, seed, base_url, api_key, as_db(replay) if replay else None)
            if spec is not None
            else CachingLM(lm)  # type: ignore[arg-type]
        )
        assert isinstance(backend, CachingLM)
        config = config.for_model(backend.name)
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
            recorder = RunRecorder(db, row, overwrite=overwrite)
        engine = Engine(
            the_world, list(people), backend, vectors, seed=seed, config=config, executor=executor
        )
        return cls(
            engine,
            lm=backend,
            log=RunLog(),
            recorder=recorder,
            db=as_db(db) if db is not None else None,
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
        executor: Executor | None = None,
    ) -> Simulation:
        """Open a recorded run at its last checkpoint (or the one at tick `at`).

        It comes back with the run's world, personas, settings, seed and embedder, and the LM it
        was recorded with unless `lm` says otherwise. With `record=True` (only from the run's last
        tick) new ticks are appended to the same database; otherwise nothing is written there.
        Its decisions run on `executor` (`make_executor(...)`; default: in turn), which a run
        does not record, since it does not change the result.
        """
        reader = RunReader(run_db)
        try:
            with damaged(run_db):
                run = reader.run
                found = reader.checkpoint_at(at)
                seed_found = reader.checkpoint_at(0)
                personas = [Persona.model_validate(p) for p in reader.personas()]
        finally:
            reader.close()
        if found is None:
            raise SimInputError(
                label(run_db),
                "checkpoint",
                "no saved state" + (f" at tick {at}" if at is not None else ""),
                "open the run at a tick it checkpointed, or let it reach its first checkpoint",
            )
        tick, state = found
        world = world_from_run(json.loads(run.world_json), label(run_db))
        backend = (
            build_lm(lm or lm_spec_of(run.lm), run.seed, base_url, api_key, None)
            if lm is None or isinstance(lm, str)
            else CachingLM(lm)
        )
        assert isinstance(backend, CachingLM)
        config = CognitionConfig.from_json(json.loads(run.config_json))
        engine = Engine(
            world, personas, backend, make_embedder(run.embedder), seed=run.seed, config=config,
            executor=executor,
        )  # fmt: skip
        seed_state = None
        with damaged(run_db):  # a checkpoint that lost a key is a damaged file
            if seed_found is not None:
                engine.set_state(seed_found[1])
                seed_state = engine.snapshot()
            engine.set_state(state)
        recorder = None
        if record:
            if tick != run.ticks:
                raise SimInputError(
                    label(run_db),
                    "at",
                    f"tick {tick} is not the run's last ({run.ticks}): later ticks are recorded",
                    "open without record=True, then fork(db=...) to branch from that tick",
                )
            recorder = RunRecorder.resume(run_db)
        return cls(
            engine,
            lm=backend,
            log=RunLog.from_db(run_db, tick),
            recorder=recorder,
            db=as_db(run_db) if record else None,
            seed_state=seed_state,
            source=(as_db(run_db), tick),
        )

    @classmethod
    def resume(
        cls,
        run_db: str | Path,
        *,
        lm: str | LanguageModel | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        checkpoint_every: int = 360,
    ) -> Simulation:
        """Continue a run that stopped (a crash, a kill, Ctrl-C) from its last stored tick.

        It restores the last checkpoint, re-runs the ticks stored after it with the LM answers
        recorded for them (no model is asked), checks that they end on the stored digest, and
        then records on into the same database with the live model (the run's own by default).
        `target_ticks` says how far the run was meant to go.
        """
        RunReader(run_db).close()  # a run file, or one line saying what it is instead
        lock = take_lock(as_db(run_db))  # before reading what a live writer may still append
        try:
            sim = cls._restarted(as_db(run_db), lm, base_url, api_key)
            sim = sim or cls._replayed(as_db(run_db), lm, base_url, api_key)
            sim.recorder, sim.db = RunRecorder.resume(run_db, lock), as_db(run_db)
        except BaseException:
            lock.release()
            raise
        sim.recorder.set_target(sim.target_ticks)
        sim.checkpoint_every = sim.engine.checkpoint_every = checkpoint_every
        sim.engine.recorder = TeeRecorder(sim.recorder, sim.log)
        return sim

    @classmethod
    def _restarted(
        cls,
        run_db: RunDb,
        lm: str | LanguageModel | None,
        base_url: str | None,
        api_key: str | None,
    ) -> Simulation | None:
        """A run stopped while preparing, built again from what its run row says (world,
        personas, settings, seed, embedder), since it stored nothing else; None for a run that
        got further. Preparation and the seed checkpoint are one transaction, so nothing
        recorded is lost or written twice."""
        reader = RunReader(run_db)
        try:
            with damaged(run_db):
                run = reader.run
                if reader.checkpointed() or run.ticks > 0:
                    return None
                stored = reader.lm_stats()
                if stored["calls"] + stored["fallback"]:  # written by a sim before 2026-12
                    return None  # its preparation calls were saved apart: `_replayed` says so
                personas = [Persona.model_validate(p) for p in reader.personas()]
                world = world_from_run(json.loads(run.world_json), label(run_db))
                config = CognitionConfig.from_json(json.loads(run.config_json))
        finally:
            reader.close()
        backend = CachingLM(_live_lm(run, lm, base_url, api_key))
        engine = Engine(
            world, personas, backend, make_embedder(run.embedder), seed=run.seed, config=config
        )
        sim = cls(engine, lm=backend, log=RunLog(), recorder=None, db=None)
        sim.target_ticks = run.target_ticks
        return sim

    @classmethod
    def _replayed(
        cls,
        run_db: RunDb,
        lm: str | LanguageModel | None,
        base_url: str | None,
        api_key: str | None,
    ) -> Simulation:
        """The run at its last stored tick: its last checkpoint, then the ticks after it again
        from their recorded answers, checked against the stored digest; nothing is written."""
        reader = RunReader(run_db)
        try:
            with damaged(run_db):
                run, found = reader.run, reader.checkpoint()
                if found is None:
                    raise SimInputError(
                        label(run_db), "checkpoint", "the run stopped before its first checkpoint",
                        "start it again: nothing after tick 0 was saved",
                    )  # fmt: skip
                recorded = ReplayLM(reader.recorded_answers(since_tick=found[0]), name=run.lm)
                stored = reader.tick_digest(run.ticks - 1) if run.ticks > found[0] else None
        finally:
            reader.close()
        sim = cls.open(run_db, lm=ResumeLM(recorded, _live_lm(run, lm, base_url, api_key)))
        sim.run(ticks=run.ticks - sim.tick)  # the stored ticks again, from recorded answers
        if stored is not None and sim.digest != stored:
            raise SimInputError(
                label(run_db), "digest",
                f"re-running ticks {found[0]}..{run.ticks - 1} did not reproduce the stored run",
                "resume with the same code version and settings the run was recorded with",
            )  # fmt: skip
        sim.target_ticks = run.target_ticks
        return sim

    def step(self) -> TickRecord:
        """Advance one tick and return what happened in it.

        Once the run has spent its `budget`, BudgetExceeded is raised before the tick begins, so
        the run stops whole and can go on later with a higher cap.
        """
        if self.budget is not None and (over := self.budget.exceeded(self.lm_stats)):
            raise over
        self._mid_tick = True
        self.prepare()
        self.status = "running"
        record = self.engine.step()
        self._mid_tick = False
        return record

    def run(
        self,
        hours: float | None = None,
        *,
        ticks: int | None = None,
        until: str | int | None = None,
        progress: bool | Callable[[Simulation], None] = False,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        price: tuple[float, float] | None = None,
    ) -> Simulation:
        """Run for game `hours`, a number of `ticks`, or `until` a game time ("day 2 08:00").

        `progress=True` shows a bar (game time, ticks/s, LM calls, tokens); a function is called
        after every tick instead, for callers that draw their own. `max_tokens` and `max_cost`
        (USD, at `price` per million prompt and completion tokens, or the model's list price)
        cap what the whole run may have spent: past a cap, BudgetExceeded stops it between ticks.
        """
        total = self.ticks_for(hours, ticks, until)
        capped = max_tokens is not None or max_cost is not None
        before = self.budget
        if capped:
            self.budget = Budget.for_lm(self.lm_name, max_tokens, max_cost, price)
        try:
            if progress is True:
                from sim.progress import run_with_progress

                run_with_progress(self, total)
            else:
                for _ in range(total):
                    self.step()
                    if callable(progress):
                        progress(self)
        finally:
            self.budget = before
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


def _live_lm(
    run: RunRow, lm: str | LanguageModel | None, base_url: str | None, api_key: str | None
) -> LanguageModel:
    """The model a resumed run goes on with: `lm`, or the one it was recorded with."""
    if lm is None or isinstance(lm, str):
        spec = lm or lm_spec_of(run.lm)
        return make_lm(spec, seed=run.seed, base_url=base_url, api_key=api_key)
    return lm
