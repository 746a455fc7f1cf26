"""Run stores: recording a run, and reading it the way the viewer does, in SQLite and PostgreSQL.

Records the same seeded run of the town (25 agents, fake LM, hash embedder) into a SQLite file
and, with --postgres, into a run on that server; then times, on each: recording (ticks/s),
opening the viewer's source and reading the whole timeline (cold: a new reader each time), and
one-tick polls on an open source (what `sim view --follow` does). Figures are in
docs/performance.md ("Run stores").

    python bench/store_read.py
    python bench/store_read.py --postgres postgresql://USER@127.0.0.1:5432/DB --ticks 720
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sim.simulation import Simulation
from sim.store.location import RunDb, label
from viewer.source import RunSource

ROOT = Path(__file__).resolve().parents[1]


def timed(work: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(best, median) seconds of `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def open_whole(db: RunDb) -> None:
    source = RunSource(db)
    source.timeline()
    source.close()


def one_tick_poll(source: RunSource) -> None:
    source.loaded_tick -= 1  # as if the newest tick had just been written
    source.poll()


def measure(db: RunDb, ticks: int, repeats: int) -> None:
    start = time.perf_counter()
    sim = Simulation.build(ROOT / "worlds" / "town", lm="fake", db=db, overwrite=True)
    sim.run(ticks=ticks)
    sim.close()
    recorded = time.perf_counter() - start
    best, median = timed(lambda: open_whole(db), repeats)
    source = RunSource(db)
    source.timeline()
    poll_best, poll_median = timed(lambda: one_tick_poll(source), repeats * 10)
    source.close()
    print(
        f"{label(db)}: recorded {ticks} ticks in {recorded:.1f} s "
        f"({ticks / recorded:.0f} ticks/s); "
        f"viewer open + whole timeline best {best * 1e3:.1f} ms, median {median * 1e3:.1f} ms; "
        f"one-tick poll best {poll_best * 1e3:.2f} ms, median {poll_median * 1e3:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=720)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--postgres", help="a server URL (no ?run=); the run `bench-store` is used")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(Path(folder) / "bench.db", args.ticks, args.repeats)
    if args.postgres:
        separator = "&" if "?" in args.postgres else "?"
        measure(f"{args.postgres}{separator}run=bench-store", args.ticks, args.repeats)


if __name__ == "__main__":
    main()
