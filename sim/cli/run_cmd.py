"""`sim run`: simulate a world for some game hours and record everything to a run database."""

from __future__ import annotations

import json
import math
import re
import signal
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sim.assembly import lm_spec_of, load_town
from sim.cli.terminal import clean
from sim.cognition.context import CognitionConfig
from sim.errors import SimInputError
from sim.executor import make_executor
from sim.llm.budget import Budget, BudgetExceeded
from sim.llm.protocol import LanguageModel, LMUnavailable
from sim.llm.wrappers import make_lm
from sim.memory.retrieval import RetrievalConfig
from sim.progress import run_with_progress
from sim.simulation import Simulation
from sim.store.guard import damaged
from sim.store.location import RunDb, label
from sim.store.reader import RunReader
from sim.types import JSON


def default_db(world_name: str, seed: int) -> Path:
    """`runs/<world>-seed<seed>[-N].db`, the first name not taken yet."""
    slug = re.sub(r"[^a-z0-9]+", "-", world_name.lower()).strip("-") or "run"
    path = Path("runs") / f"{slug}-seed{seed}.db"
    n = 2
    while path.exists():
        path = Path("runs") / f"{slug}-seed{seed}-{n}.db"
        n += 1
    return path


def run(
    world_path: Path,
    *,
    personas: Path | None,
    lm: str,
    base_url: str | None,
    api_key: str | None,
    embedder: str,
    seed: int | None,
    hours: float,
    ticks: int | None,
    db: RunDb | None,
    replay: RunDb | None,
    overwrite: bool,
    checkpoint_every: int,
    retrieval: RetrievalConfig,
    console: Console,
    limits: LMLimits | None = None,
) -> JSON:
    """Build, run and record through the public `Simulation` API; returns the summary."""
    limits = limits or LMLimits()
    if ticks is None and not (math.isfinite(hours) and 0 < hours <= 24 * 365):
        raise SimInputError("--hours", "hours", f"{hours} is out of range", "use 0 < hours <= 8760")
    if ticks is not None and ticks < 1:
        raise SimInputError("--ticks", "ticks", f"{ticks} is not positive", "use 1 or more")
    world, people = load_town(world_path, personas)
    config = CognitionConfig(retrieval=retrieval, reflection_budget=world.reflection_budget)
    if replay is not None:  # answer as recorded, with the recorded run's settings
        reader = RunReader(replay)
        try:
            with damaged(replay):
                recorded = reader.run
                config = CognitionConfig.from_json(json.loads(recorded.config_json))
        finally:
            reader.close()
        seed = recorded.seed if seed is None else seed
        embedder = recorded.embedder
    seed = 0 if seed is None else seed
    budget = limits.budget(lm)
    db = db or default_db(world.name, seed)
    with damaged(replay) if replay is not None else nullcontext():  # its recorded answers
        sim = Simulation.build(
            world,
            people,
            lm=lm if replay is not None else limits.live(lm, seed, base_url, api_key),
            embedder=embedder,
            seed=seed,
            config=config,
            db=db,
            overwrite=overwrite,
            base_url=base_url,
            api_key=api_key,
            replay=replay,
            checkpoint_every=checkpoint_every,
            concurrency=limits.concurrency,
            executor=limits.executor,
            ray_address=limits.ray_address,
        )
    total = max(1, sim.ticks_for(ticks=ticks) if ticks is not None else sim.ticks_for(hours))
    assert sim.recorder is not None  # built with a database
    sim.recorder.set_target(total)
    sim.budget = budget
    console.print(
        f"[bold]{escape(clean(world.name))}[/]: {len(people)} agents, {total} ticks of "
        f"{world.tick_seconds}s, LM {escape(clean(sim.lm_name))}, seed {seed} -> "
        f"{escape(label(db))}"
    )
    return _run_to_end(sim, total, console)


def resume_run(
    db: RunDb,
    *,
    lm: str | None,
    base_url: str | None,
    api_key: str | None,
    checkpoint_every: int,
    console: Console,
    limits: LMLimits | None = None,
) -> JSON:
    """Continue a stopped run to the tick it was asked to reach."""
    limits = limits or LMLimits()
    recorded, seed = _recorded_lm(db)
    spec = lm or lm_spec_of(recorded)
    budget = limits.budget(spec)
    console.print(f"resuming {label(db)}...", style="dim")
    sim = Simulation.resume(
        db, lm=limits.live(spec, seed, base_url, api_key), checkpoint_every=checkpoint_every
    )
    sim.budget = budget
    # The re-run ticks went serially.
    sim.engine.executor = make_executor(limits.concurrency, limits.executor, limits.ray_address)
    left = max(0, sim.target_ticks - sim.tick)
    where = (
        f"at tick {sim.tick} ({sim.time_label}), digest {sim.digest[:16]}"
        if sim.engine.prepared
        else "it stopped while preparing and saved nothing, so it starts again"
    )
    console.print(
        f"{where}: {left} ticks to go with LM {sim.lm_name}",
        markup=False,
        highlight=False,
    )
    return _run_to_end(sim, left, console)


class _StopBetweenTicks:
    """Ctrl-C and SIGTERM ask the run to stop; it stops between two ticks, never inside one.

    A second Ctrl-C stops at once; the tick it cuts is then not saved (the run keeps the last
    whole one), so `--resume` still goes on from a consistent state.
    """

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, _frame: object) -> None:
        if self.asked and signum == signal.SIGINT:
            raise KeyboardInterrupt  # asked twice: stop now; the cut tick is not saved
        self.asked = True
        print("stopping after this tick (Ctrl-C again: stop now)...", file=sys.stderr)

    def __enter__(self) -> _StopBetweenTicks:
        self._old = [signal.signal(s, self) for s in (signal.SIGINT, signal.SIGTERM)]
        return self

    def __exit__(self, *_: object) -> None:
        for s, old in zip((signal.SIGINT, signal.SIGTERM), self._old, strict=True):
            signal.signal(s, old)


def _run_to_end(sim: Simulation, total: int, console: Console) -> JSON:
    """Run with progress and close with a true status; a stop keeps what was recorded.

    A spent budget pauses the run and a model that is down fails it, each with one line on
    stderr that says why and how to go on; neither ever finishes on canned answers.
    """
    status, stopped = "failed", ""
    if sim.lm_name.startswith("openai:"):  # a remote server can stall; the in-process model
        sim.engine.lm.on_wait = _say_waiting  # only computes, and its bar shows it does
    with _StopBetweenTicks() as stop:
        try:
            run_with_progress(sim, total, console, should_stop=lambda: stop.asked)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            console.print(
                "[yellow]stopped: everything up to this tick is saved; --resume goes on[/]"
                if sim.engine.prepared
                else "[yellow]stopped while preparing, before anything was saved; --resume "
                "starts it again[/]"
            )
        except BudgetExceeded as exc:
            status = "paused"
            stopped = (
                f"paused at {sim.time_label}: {exc}; everything is saved; go on with a higher "
                f"cap: sim run --resume {label(sim.db or 'RUN.db')} {exc.flag} MORE"
            )
        except LMUnavailable as exc:
            again = (
                f"everything up to the last whole tick is saved; fix the server, --base-url or "
                f"key, then: sim run --resume {label(sim.db or 'RUN.db')}"
                if sim.engine.prepared
                else "it stopped while preparing, before anything was saved; fix the server, "
                "--base-url or key, then run the same command again with --overwrite"
            )
            stopped = f"error: the LM is unavailable: {exc}; {again}"
        finally:
            summary = sim.close(status)
    _print_summary(summary, console)
    if stopped:
        print(clean(stopped), file=sys.stderr)
    return summary


def _say_waiting(seconds: int) -> None:
    """Tell the person at the terminal that the model is slow, not that the run hangs."""
    print(f"waiting for the LM ({seconds} s)…", file=sys.stderr, flush=True)


def _recorded_lm(db: RunDb) -> tuple[str, int]:
    """The model a run was recorded with, and its seed."""
    reader = RunReader(db)
    try:
        with damaged(db):
            return reader.run.lm, reader.run.seed
    finally:
        reader.close()


@dataclass(frozen=True)
class LMLimits:
    """How long to wait for the model, how much a run may spend, how many calls may be in
    flight and where they run (`--lm-timeout`, `--max-tokens`, `--max-cost`, `--price`,
    `--concurrency`, `--executor`, `--ray-address`)."""

    timeout: float = 60
    max_tokens: int | None = None
    max_cost: float | None = None
    price: tuple[float, float] | None = None
    concurrency: int = 1
    executor: str = "local"
    ray_address: str | None = None

    def budget(self, lm: str) -> Budget | None:
        """The caps for `lm` (None without caps); a bad cap is refused before any work."""
        if self.max_tokens is None and self.max_cost is None:
            return None
        return Budget.for_lm(lm, self.max_tokens, self.max_cost, self.price)

    def live(
        self, spec: str, seed: int, base_url: str | None, api_key: str | None
    ) -> LanguageModel | str:
        """A remote model built with the timeout; other specs stay names for `Simulation`."""
        if not spec.startswith("openai:"):
            return spec
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise SimInputError(
                "--lm-timeout", "timeout", f"{self.timeout} is not a positive number",
                "give seconds, e.g. --lm-timeout 60",
            )  # fmt: skip
        return make_lm(spec, seed=seed, base_url=base_url, api_key=api_key, timeout=self.timeout)


def _print_summary(summary: JSON, console: Console) -> None:
    """Agents, memory counts, LM totals and the digest."""
    table = Table(title=f"Run {summary['status']} at {summary['game_time']}")
    for column in ("agent", "observation", "plan", "dialogue", "reflection", "now"):
        table.add_column(column)
    for name, a in summary["agents"].items():
        table.add_row(
            Text(clean(name)),
            *(str(a[k]) for k in ("observation", "plan", "dialogue", "reflection")),
            Text(clean(a["status"])),
        )
    console.print(table)
    lm = summary["lm"]
    console.print(
        f"LM: {lm['calls']} calls ({lm['cached']} cached, {lm['invalid']} invalid, "
        f"{lm.get('rejected', 0)} rejected for quality, {lm['fallbacks']} fallbacks), "
        f"{lm['prompt_tokens']} prompt + {lm['completion_tokens']} completion tokens"
    )
    faults = lm.get("faults") or {}
    if faults:
        counted = ", ".join(f"{n} {kind}" for kind, n in sorted(faults.items()))
        console.print(f"LM faults: {counted}", markup=False, soft_wrap=True)
    console.print(f"ticks: {summary['ticks']}  db: {summary['db']}")
    console.print(f"digest: {summary['digest']}")
    console.print(f"next: sim inspect {summary['db']}", style="dim")
