"""Fork benchmark: what a fork or snapshot costs for a big memory stream and for a whole town.

Forks share frozen memory segments instead of copying them, so forking should cost the same
whatever an agent remembers; appends should stay amortised O(1). The figures and their targets
are in docs/benchmarks.md ("Forks and snapshots").

    python bench/fork.py                               # 100k memories, 25-agent town after 12 h
    python bench/fork.py --memories 20000 --hours 1    # a quicker look
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.embed.hashing import HashEmbedder
from sim.memory.stream import MemoryStream, NewMemory
from sim.simulation import Simulation

ROOT = Path(__file__).resolve().parents[1]
BATCH = 1000


@dataclass(frozen=True)
class Figure:
    """One measured figure and the target it is held to (None: reported only)."""

    what: str
    value: float
    unit: str
    target: float | None = None

    def row(self) -> str:
        """A table row: figure, value, target and PASS/FAIL."""
        target = f"< {self.target:g} {self.unit}" if self.target is not None else "-"
        verdict = "-" if self.target is None else ("PASS" if self.value < self.target else "FAIL")
        return f"| {self.what} | {self.value:,.3f} {self.unit} | {target} | {verdict} |"


def texts(start: int, n: int) -> list[NewMemory]:
    """`n` distinct, sentence-like observations."""
    return [
        NewMemory("observation", f"Saw neighbour {i % 97} walk a dog past house {i}", 1 + i % 10)
        for i in range(start, start + n)
    ]


def timed(action: Callable[[], Any]) -> float:
    """Milliseconds `action` takes."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def traced(action: Callable[[], Any]) -> tuple[float, float, float]:
    """Under tracemalloc: (ms, KB kept once it returns, KB peak while it ran) of `action`.

    Timing under tracemalloc is fair only for actions that allocate few objects.
    """
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    result = action()
    ms = (time.perf_counter() - started) * 1000
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return ms, (current - before) / 1024, (peak - before) / 1024


def stream_figures(memories: int, reps: int) -> list[Figure]:
    """Fork one agent's stream of `memories` records, and time its appends."""
    stream = MemoryStream(HashEmbedder())
    started = time.perf_counter()
    for start in range(0, memories, BATCH):
        stream.add(texts(start, min(BATCH, memories - start)), start)
    batched_us = (time.perf_counter() - started) / memories * 1e6

    def fork() -> MemoryStream:
        copy = MemoryStream(stream.embedder)
        copy.restore(stream.handle())
        return copy

    first_ms, first_kb, _ = traced(fork)  # seals every row appended so far
    times, kept = [], []
    for rep in range(reps):  # ten new memories before each fork, so every fork seals a tail
        stream.add(texts(memories + 10 * rep, 10), memories + rep)
        ms, kb, _ = traced(fork)
        times.append(ms)
        kept.append(kb)
    copy = fork()
    assert copy.get_state() == stream.get_state()
    access_rows = len(stream._access) / len(stream)

    singles = max(1000, memories // 2)
    base = len(stream)
    started = time.perf_counter()
    for i in range(singles):  # crosses a doubling of the tail's arrays
        stream.add(texts(base + i, 1), base + i)
    single_us = (time.perf_counter() - started) / singles * 1e6
    small = MemoryStream(stream.embedder)
    started = time.perf_counter()
    for i in range(singles):
        small.add(texts(i, 1), i)
    small_us = (time.perf_counter() - started) / singles * 1e6

    n = f"{memories // 1000}k" if memories >= 1000 else str(memories)
    return [
        Figure(f"first fork of a stream of {n} (seals all {n} rows)", first_ms, "ms", 10),
        Figure(f"memory the first fork keeps ({n} rows)", first_kb, "KB", 1024),
        Figure(
            f"fork of the {n} stream after 10 appends (median of {reps})", median(times), "ms", 10
        ),
        Figure(f"memory such a fork keeps (median of {reps})", median(kept), "KB", 1024),
        Figure(
            f"access-array rows allocated per memory after {reps} fork-then-append cycles",
            access_rows,
            "rows",
            2,
        ),
        Figure(
            f"append in batches of {BATCH}, per memory (hash embedding included)", batched_us, "µs"
        ),
        Figure(f"single append onto the {n} stream, amortised over {singles:,}", single_us, "µs"),
        Figure("single append onto an empty stream, amortised (for comparison)", small_us, "µs"),
        Figure(
            "ratio of the two (amortised O(1) appends: close to 1)", single_us / small_us, "×", 2
        ),
    ]


def town_figures(world: Path, hours: float, reps: int) -> list[Figure]:
    """Fork a town after `hours` of game time on the fake LM."""
    sim = Simulation.build(world, lm="fake", seed=0)
    started = time.perf_counter()
    sim.run(hours=hours)
    run_s = time.perf_counter() - started
    agents = len(sim.agents)
    memories = sum(len(a.memory) for a in sim.agents.values())
    records = len(sim.log.records)
    print(
        f"ran {sim.engine.world.name}: {agents} agents, {hours:g} game hours, "
        f"{memories:,} memories, {records:,} tick records in {run_s:.1f}s"
    )
    times, kept, peaks = [], [], []
    for _ in range(reps):  # a tick before each fork, so every fork seals fresh memories
        sim.step()
        times.append(timed(sim.fork))
        sim.step()
        _, kb, peak_kb = traced(sim.fork)
        kept.append(kb)
        peaks.append(peak_kb)
    label = f"{agents}-agent town after {hours:g} h"
    return [
        Figure(f"fork the {label} (median of {reps})", median(times), "ms", 50),
        Figure(f"memory a town fork keeps (median, {memories:,} memories)", median(kept), "KB"),
        Figure("memory at a town fork's peak (median)", median(peaks), "KB"),
    ]


def median(values: list[float]) -> float:
    """The median of a list of figures."""
    return float(statistics.median(values))


def main() -> None:
    """Measure, print the table, and exit 0 (FAIL rows are figures, not errors)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--world", type=Path, default=ROOT / "worlds" / "town")
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument(
        "--reps", type=int, default=8, help="stream forks to time (each after 10 appends)"
    )
    parser.add_argument("--town-reps", type=int, default=5, help="town forks to time")
    args = parser.parse_args()

    figures = stream_figures(args.memories, args.reps)
    figures += town_figures(args.world, args.hours, args.town_reps)
    print("| figure | measured | target | verdict |")
    print("| --- | --- | --- | --- |")
    for figure in figures:
        print(figure.row())


if __name__ == "__main__":
    main()
