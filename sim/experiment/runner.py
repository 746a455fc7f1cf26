"""Run an experiment: conditions x replicates, each arm recorded, outcomes measured per agent.

One replicate is one unit of work (`run_replicate`), so replicates can run in parallel processes;
each loads the script again by path. Seeds derive from the run's seed and are recorded, and with
`replay` every arm answers its LM calls from the database of the same arm in an earlier run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import SimInputError
from sim.experiment.design import Experiment, load_experiment
from sim.llm.wrappers import ReplayLM
from sim.rng import derive_seed
from sim.simulation import Simulation
from sim.store.location import RunDb, is_url, pg_run, unmasked, with_run
from sim.store.location import label as db_text
from sim.store.reader import RunReader

FAILING_SHARE = 0.5  # an arm whose LM falls back on more asks than this has failed
OUTAGE_CHECK_TICKS = 30  # how often a running arm looks at its fallback share


@dataclass(frozen=True)
class RunOptions:
    """How to run an experiment (the CLI's flags)."""

    out: Path
    replicates: int = 2
    hours: float | None = None  # overrides the script's hours
    lm: str = "embedded"
    embedder: str | None = None
    seed: int = 0
    jobs: int = 1
    replay: Path | None = None
    base_url: str | None = None
    api_key: str | None = None
    price: tuple[float, float] | None = None  # USD per million prompt, completion tokens
    db: str | None = None  # a PostgreSQL run URL: arms are recorded as runs NAME-LABEL beside it


Watch = Callable[[str, Simulation], None]  # (arm label, its simulation) after every tick


@dataclass
class Arm:
    """One recorded arm of one replicate."""

    label: str
    condition: str
    replicate: int
    seed: int
    digest: str = ""
    db: str = ""
    tokens: dict[str, int] = field(default_factory=dict)


@dataclass
class Replicate:
    """What one replicate produced: outcome rows, timeline rows, its arms, or why it failed."""

    replicate: int
    seed: int
    results: list[dict[str, Any]] = field(default_factory=list)
    timelines: list[dict[str, Any]] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    failure: str = ""


class ArmView:
    """A simulation as one arm's outcomes see it: `frames()` from the arm's first tick.

    In a paired design the fork shares its base's past, and in a within-agent design one world
    holds several arms; outcomes measure only what happened during the arm itself.
    """

    def __init__(self, sim: Simulation, since: int) -> None:
        self._sim = sim
        self._since = since

    def frames(self) -> dict[str, Any]:
        """The arm's frames."""
        return self._sim.frames(since=self._since)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim, name)


def arm_label(condition: str, replicate: int) -> str:
    """The name of an arm's run database and of its row in the report."""
    return f"{condition}-r{replicate}"


def run_replicate(
    script: str, replicate: int, options: RunOptions, watch: Watch | None = None
) -> Replicate:
    """Run every condition of one replicate; an LM outage marks it failed, bad input raises.

    `watch` is called after every tick of every arm (serial runs show progress with it).
    """
    experiment = load_experiment(script)
    seed = derive_seed(options.seed, "replicate", replicate)
    result = Replicate(replicate, seed)
    (options.out / "runs").mkdir(parents=True, exist_ok=True)
    run = {"paired": _paired, "independent": _independent, "within": _within}[experiment.design]
    try:
        run(experiment, result, options, watch)
    except SimInputError:
        raise
    except Exception as exc:  # an arm that breaks (outage, crash) fails its replicate only
        result.failure = f"replicate {replicate}: {type(exc).__name__}: {exc}"
        result.results, result.timelines = [], []
    return result


def _build(
    experiment: Experiment, options: RunOptions, seed: int, label: str, db: RunDb | None = None
) -> Simulation:
    """A fresh simulation of the experiment's world for one arm (or a paired base)."""
    return Simulation.build(
        experiment.path(experiment.world),
        experiment.path(experiment.personas) if experiment.personas else None,
        lm=_replay(options, label) or options.lm,
        embedder=options.embedder,
        seed=seed,
        base_url=options.base_url,
        api_key=options.api_key,
        db=db,
        overwrite=True,
    )


def _replay(options: RunOptions, label: str) -> ReplayLM | None:
    """The recorded answers of arm `label` when replaying, else None."""
    if options.replay is None:
        return None
    reader = RunReader(_recorded(options, options.replay, label))
    try:
        return ReplayLM(reader.recorded_answers(), name=reader.run.lm)
    finally:
        reader.close()


def _recorded(options: RunOptions, replayed: Path, label: str) -> RunDb:
    """Where the replayed experiment stored arm `label`: its runs/LABEL.db, or the PostgreSQL
    run its manifest names, reached with `--db`'s server and credentials when given (the
    manifest shows no password)."""
    path = replayed / "runs" / f"{label}.db"
    if path.is_file():
        return path
    where = _manifest_runs(replayed).get(label, "")
    if not is_url(where):
        raise SimInputError(
            str(replayed), "runs", f"no recorded arm {path.name}",
            "replay a directory written by `sim experiment` for the same script and replicates",
        )  # fmt: skip
    if options.db is None:
        return unmasked(where)
    source = with_run(options.db, pg_run(where).name)
    if pg_run(source).name == pg_run(str(_db(options, label))).name:
        raise SimInputError(
            "--db", "run", f"the replay would record over the arm it replays ({label})",
            "give the replay another ?run=NAME",
        )  # fmt: skip
    return source


def _manifest_runs(replayed: Path) -> dict[str, str]:
    """Arm label -> where it was recorded, from the replayed directory's manifest."""
    try:
        manifest = json.loads((replayed / "manifest.json").read_text())
        return {a["label"]: a["db"] for r in manifest["replicates"] for a in r["arms"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _check(experiment: Experiment, sim: Simulation) -> None:
    """Check every condition's interventions against the world before anything runs."""
    for name, condition in experiment.conditions.items():
        for i, intervention in enumerate(condition.interventions):
            try:
                intervention.check(sim.engine)
            except SimInputError as exc:
                raise SimInputError(
                    experiment.script, f"conditions.{name}[{i}].{exc.field}", exc.problem, exc.fix
                ) from None


def _hours(experiment: Experiment, options: RunOptions) -> float:
    return experiment.hours if options.hours is None else options.hours


def _arm(
    sim: Simulation,
    experiment: Experiment,
    condition: str,
    result: Replicate,
    options: RunOptions,
    watch: Watch | None,
    db_label: str,
) -> None:
    """Apply a condition, run it, measure every outcome, and add the arm's record."""
    hours = _hours(experiment, options)
    label = arm_label(condition, result.replicate)
    start, before, first_tick = sim.now, dict(sim.lm_stats), sim.tick
    experiment.conditions[condition].apply(sim)

    def each_tick(s: Simulation) -> None:
        if s.tick % OUTAGE_CHECK_TICKS == 0:
            _check_lm(
                s, label
            )  # an outage stops the arm early instead of running on canned answers
        if watch is not None:
            watch(label, s)

    sim.run(hours=hours, progress=each_tick)
    _check_lm(sim, label)
    arm = ArmView(sim, first_tick)
    for outcome in experiment.outcomes:
        values = outcome.measure(arm)  # type: ignore[arg-type]
        for unit, value in sorted(values.items()):
            result.results.append(
                {"replicate": result.replicate, "condition": condition, "unit": str(unit),
                 "outcome": outcome.name, "value": float(value)}
            )  # fmt: skip
        if outcome.timeline is not None:
            times = [start + k * 3600 for k in range(math.floor(hours) + 1)]
            if times[-1] < sim.now:
                times.append(sim.now)
            for t, value in zip(times, outcome.timeline(arm, times), strict=True):  # type: ignore[arg-type]
                result.timelines.append(
                    {"replicate": result.replicate, "condition": condition,
                     "outcome": outcome.name, "hours": (t - start) / 3600, "value": value}
                )  # fmt: skip
    after = sim.lm_stats  # what this arm cost, not what its parent spent before the fork
    tokens = {
        "calls": after["calls"] - before["calls"],
        "prompt": after["prompt_tokens"] - before["prompt_tokens"],
        "completion": after["completion_tokens"] - before["completion_tokens"],
    }
    db = db_text(sim.db) if sim.db is not None and is_url(sim.db) else f"runs/{db_label}.db"
    result.arms.append(
        Arm(label, condition, result.replicate, sim.engine.seed, sim.digest, db, tokens)
    )


def _check_lm(sim: Simulation, label: str) -> None:
    """An arm made mostly of fallback answers is an outage, not a result."""
    stats = sim.lm_stats
    asked = stats["ok"] + stats["fallbacks"]
    if stats["fallbacks"] >= 5 and stats["fallbacks"] > FAILING_SHARE * asked:
        raise RuntimeError(
            f"{label}: the LM failed on {stats['fallbacks']} of {asked} calls (fallback answers)"
        )


def _db(options: RunOptions, label: str) -> RunDb:
    """Where an arm is recorded: OUT/runs/LABEL.db, or the run NAME-LABEL beside the --db run."""
    if options.db is not None:
        return with_run(options.db, f"{pg_run(options.db).name}-{label}")
    return options.out / "runs" / f"{label}.db"


def _paired(
    experiment: Experiment, result: Replicate, options: RunOptions, watch: Watch | None
) -> None:
    """One base per replicate, forked once per condition: the same agents, the same past."""
    control = arm_label(experiment.control, result.replicate)
    base = _build(experiment, options, result.seed, control)
    _check(experiment, base)
    base.run(hours=experiment.warmup_hours)
    for name in _ordered(experiment):
        label = arm_label(name, result.replicate)
        lm = None if name == experiment.control else _replay(options, label)
        arm = base.fork(db=_db(options, label), lm=lm, overwrite=True)
        _arm(arm, experiment, name, result, options, watch, label)
        arm.close()


def _independent(
    experiment: Experiment, result: Replicate, options: RunOptions, watch: Watch | None
) -> None:
    """Each condition is a world of its own with its own seed."""
    for name in _ordered(experiment):
        label = arm_label(name, result.replicate)
        seed = derive_seed(result.seed, "condition", name)
        sim = _build(experiment, options, seed, label, _db(options, label))
        _check(experiment, sim)
        sim.run(hours=experiment.warmup_hours)
        _arm(sim, experiment, name, result, options, watch, label)
        sim.close()


def _within(
    experiment: Experiment, result: Replicate, options: RunOptions, watch: Watch | None
) -> None:
    """Every agent goes through every condition, its memory reset in between; the order of
    conditions alternates across replicates so that order effects cancel."""
    label = f"within-r{result.replicate}"
    sim = _build(experiment, options, result.seed, label, _db(options, label))
    _check(experiment, sim)
    sim.run(hours=experiment.warmup_hours)
    start = sim.snapshot()
    order = _ordered(experiment)
    if result.replicate % 2 == 0:
        order.reverse()
    for i, name in enumerate(order):
        if i:
            sim.reset(to=start, world=True)
        _arm(sim, experiment, name, result, options, watch, label)
    sim.close()


def _ordered(experiment: Experiment) -> list[str]:
    """The control first, then the other conditions in the script's order."""
    return [experiment.control] + [c for c in experiment.conditions if c != experiment.control]


def run_all(
    script: str,
    options: RunOptions,
    on_done: Callable[[Replicate], None] | None = None,
    watch: Watch | None = None,
) -> list[Replicate]:
    """Run every replicate, in parallel processes when `jobs` > 1; results in replicate order.

    `watch` sees every tick of a serial run; parallel runs report per finished replicate only.
    """
    numbers = range(1, options.replicates + 1)
    done: list[Replicate] = []
    if options.jobs <= 1:
        for r in numbers:
            done.append(run_replicate(script, r, options, watch))
            if on_done:
                on_done(done[-1])
        return done
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=options.jobs) as pool:
        futures = [pool.submit(run_replicate, script, r, options) for r in numbers]
        for future in as_completed(futures):
            done.append(future.result())
            if on_done:
                on_done(done[-1])
    return sorted(done, key=lambda rep: rep.replicate)
