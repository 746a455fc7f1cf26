"""`sim run`: simulate a world for some game hours and record everything to a run database."""

from __future__ import annotations

import json
import math
import re
import signal
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sim.assembly import load_town
from sim.cognition.context import CognitionConfig
from sim.errors import SimInputError
from sim.memory.retrieval import RetrievalConfig
from sim.progress import run_with_progress
from sim.simulation import Simulation
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
    db: Path | None,
    replay: Path | None,
    overwrite: bool,
    checkpoint_every: int,
    retrieval: RetrievalConfig,
    console: Console,
) -> JSON:
    """Build, run and record through the public `Simulation` API; returns the summary."""
    if ticks is None and not (math.isfinite(hours) and 0 < hours <= 24 * 365):
        raise SimInputError("--hours", "hours", f"{hours} is out of range", "use 0 < hours <= 8760")
    if ticks is not None and ticks < 1:
        raise SimInputError("--ticks", "ticks", f"{ticks} is not positive", "use 1 or more")
    world, people = load_town(world_path, personas)
    config = CognitionConfig(retrieval=retrieval, reflection_budget=world.reflection_budget)
    if replay is not None:  # answer as recorded, with the recorded run's settings
        reader = RunReader(replay)
        recorded = reader.run
        reader.close()
        seed = recorded.seed if seed is None else seed
        embedder = recorded.embedder
        config = CognitionConfig.from_json(json.loads(recorded.config_json))
    seed = 0 if seed is None else seed
    db = db or default_db(world.name, seed)
    sim = Simulation.build(
        world,
        people,
        lm=lm,
        embedder=embedder,
        seed=seed,
        config=config,
        db=db,
        overwrite=overwrite,
        base_url=base_url,
        api_key=api_key,
        replay=replay,
        checkpoint_every=checkpoint_every,
    )
    total = max(1, sim.ticks_for(ticks=ticks) if ticks is not None else sim.ticks_for(hours))
    assert sim.recorder is not None  # built with a database
    sim.recorder.set_target(total)
    console.print(
        f"[bold]{escape(world.name)}[/]: {len(people)} agents, {total} ticks of "
        f"{world.tick_seconds}s, LM {sim.lm_name}, seed {seed} -> {db}"
    )
    console.print("the first tick rates the agents' seed memories...", style="dim")
    return _run_to_end(sim, total, console)


def resume_run(
    db: Path,
    *,
    lm: str | None,
    base_url: str | None,
    api_key: str | None,
    checkpoint_every: int,
    console: Console,
) -> JSON:
    """Continue a stopped run to the tick it was asked to reach."""
    console.print(f"resuming {db}: re-running the ticks after its last checkpoint...", style="dim")
    sim = Simulation.resume(
        db, lm=lm, base_url=base_url, api_key=api_key, checkpoint_every=checkpoint_every
    )
    left = max(0, sim.target_ticks - sim.tick)
    console.print(
        f"at tick {sim.tick} ({sim.time_label}), digest {sim.digest[:16]}: "
        f"{left} ticks to go with LM {sim.lm_name}",
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
    """Run with progress and close with a true status; a stop keeps what was recorded."""
    status = "failed"
    with _StopBetweenTicks() as stop:
        try:
            run_with_progress(sim, total, console, should_stop=lambda: stop.asked)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            console.print(
                "[yellow]stopped: everything up to this tick is saved; --resume goes on[/]"
            )
        finally:
            summary = sim.close(status)
    _print_summary(summary, console)
    return summary


def _print_summary(summary: JSON, console: Console) -> None:
    """Agents, memory counts, LM totals and the digest."""
    table = Table(title=f"Run {summary['status']} at {summary['game_time']}")
    for column in ("agent", "observation", "plan", "dialogue", "reflection", "now"):
        table.add_column(column)
    for name, a in summary["agents"].items():
        table.add_row(
            Text(name),
            *(str(a[k]) for k in ("observation", "plan", "dialogue", "reflection")),
            Text(a["status"]),
        )
    console.print(table)
    lm = summary["lm"]
    console.print(
        f"LM: {lm['calls']} calls ({lm['cached']} cached, {lm['invalid']} invalid, "
        f"{lm.get('rejected', 0)} rejected for quality, {lm['fallbacks']} fallbacks), "
        f"{lm['prompt_tokens']} prompt + {lm['completion_tokens']} completion tokens"
    )
    console.print(f"ticks: {summary['ticks']}  db: {summary['db']}")
    console.print(f"digest: {summary['digest']}")
    console.print(f"next: sim inspect {summary['db']}", style="dim")
