"""A progress bar for long runs: game time, ticks/s, LM calls and tokens (display only)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from sim.simulation import Simulation

LOG_EVERY = 180  # ticks between progress lines when output is not a terminal


def prepare_with_progress(
    sim: Simulation, console: Console, should_stop: Callable[[], bool] | None = None
) -> None:
    """Rate the seed memories with a bar of counts and an ETA; a stop asked meanwhile stops
    after the agent being rated (KeyboardInterrupt), leaving nothing half-prepared."""
    if sim.engine.prepared:
        return
    columns = (
        TextColumn("preparing agents: rating seed memories"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("prepare", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            if should_stop is not None and should_stop():
                raise KeyboardInterrupt

        sim.prepare(tell)
    if not console.is_terminal:
        console.print(f"prepared {len(sim.agents)} agents' seed memories")


def run_with_progress(
    sim: Simulation,
    total: int,
    console: Console | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Step `total` ticks with a live bar (or a line now and then when output is piped).

    `should_stop` is asked between ticks; when it says yes the run stops there with
    KeyboardInterrupt, so a stop never leaves half a tick behind.
    """
    console = console or Console()
    prepare_with_progress(sim, console, should_stop)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} ticks"),
        TextColumn("{task.fields[rate]:.1f} ticks/s"),
        TextColumn("LM {task.fields[calls]} calls, {task.fields[tokens]} tokens"),
        TimeElapsedColumn(),
    )
    started = time.perf_counter()  # progress display only; the simulation never sees it
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(sim.time_label, total=total, rate=0.0, calls=0, tokens=0)
        for i in range(total):
            if should_stop is not None and should_stop():
                raise KeyboardInterrupt
            sim.step()
            stats = sim.lm_stats
            rate = (i + 1) / max(1e-9, time.perf_counter() - started)
            tokens = stats["prompt_tokens"] + stats["completion_tokens"]
            bar.update(
                task,
                advance=1,
                description=sim.time_label,
                rate=rate,
                calls=stats["calls"],
                tokens=tokens,
            )
            if not console.is_terminal and (sim.tick % LOG_EVERY == 0 or i + 1 == total):
                # Piped output gets no live bar, so say how far the run is now and then.
                console.print(
                    f"{sim.time_label}: {i + 1}/{total} ticks, {rate:.1f} "
                    f"ticks/s, LM {stats['calls']} calls, {tokens} tokens"
                )
