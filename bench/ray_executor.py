"""Ray against local: the same run in turn, on threads, and on 1 and 2 Ray worker processes.

Workload: Millbrook (worlds/town, 25 agents) on the fake LM with the hash embedder, where every
LM call first does `--cost-ms` of pure-Python work (a counted loop, calibrated once; the
answers are the fake LM's, so every setting must end on the same digest). That stands in for
per-decision work that is CPU in Python: a model client's parsing and sampling, or a large
population's cognition. It is where processes can beat threads, which share one interpreter
lock; a remote model's waiting is the thread pool's case (bench/concurrency.py).

The timed run starts with the seed-memory ratings (25 agents at once) and goes on for the
given ticks; the workers are started before it, on a warm-up run of Willow Lane. The load
average is printed: on a machine shared with other work, processes have fewer free cores.
Figures: docs/performance.md, "Ray against local".

    python bench/ray_executor.py                       # 30 ticks, 5 ms per call
    python bench/ray_executor.py --ticks 60 --cost-ms 10
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import ray

from sim.executor import Executor, SerialExecutor, ThreadExecutor
from sim.executor_ray import RayExecutor
from sim.llm.fake import FakeLM
from sim.llm.protocol import LMRequest, LMResponse
from sim.simulation import Simulation

WORLDS = Path(__file__).resolve().parents[1] / "worlds"
TOWN, WILLOW = WORLDS / "town", WORLDS / "willow"


def spin(n: int) -> int:
    """Pure-Python work that holds the interpreter lock for `n` steps."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def calibrate(cost_ms: float) -> int:
    """Loop steps that take about `cost_ms` on a free core: the best of several timings, as
    other work on the machine only slows a timing down (the run itself never reads a clock)."""
    n = 50_000
    best = float("inf")
    for _ in range(20):
        started = time.perf_counter()
        spin(n)
        best = min(best, time.perf_counter() - started)
    return max(1, int(n * cost_ms / 1000 / best))


class BusyLM:
    """The fake LM after a fixed amount of Python work per call."""

    def __init__(self, seed: int, steps: int) -> None:
        self.inner = FakeLM(seed)
        self.steps = steps

    @property
    def name(self) -> str:
        """The fake LM's name, so cognition behaves as on the fake LM."""
        return self.inner.name

    def complete(self, request: LMRequest) -> LMResponse:
        """Work, then the fake LM's answer."""
        spin(self.steps)
        return self.inner.complete(request)


def timed(make: Callable[[], Executor], ticks: int, steps: int) -> tuple[float, str, int]:
    """Seconds for the town's first `ticks` ticks (its seed memories rated first), the digest,
    and the LM calls made; the workers start before, on a warm-up run of Willow Lane."""
    executor, lm = make(), BusyLM(0, steps)
    try:
        Simulation.build(WILLOW, lm=lm, embedder="hash", executor=executor).step()
        sim = Simulation.build(TOWN, lm=lm, embedder="hash", seed=0, executor=executor)
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(ticks):
            sim.step()
        print(f"  (this process's CPU: {time.process_time() - cpu:.2f} s)", end=" ")
        return time.perf_counter() - started, sim.digest, sim.engine.lm.stats.calls
    finally:
        executor.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=30)
    parser.add_argument("--cost-ms", type=float, default=5.0)
    args = parser.parse_args()
    steps = calibrate(args.cost_ms)
    # Ray runs its workers at niceness 15, so on a shared machine they would yield the cores
    # that the serial and threaded runs compete for at 0; the comparison needs equal footing.
    os.environ.setdefault("RAY_worker_niceness", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    settings: dict[str, Callable[[], Executor]] = {
        "serial": SerialExecutor,
        "threads (2)": lambda: ThreadExecutor(2),
        "ray, 1 worker": lambda: RayExecutor(workers=1),
        "ray, 2 workers": lambda: RayExecutor(workers=2),
    }
    print(f"Millbrook, 25 agents, {args.ticks} ticks, {args.cost_ms:g} ms of Python per call")
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    results, digests = {}, set()
    for name, make in settings.items():
        seconds, digest, calls = timed(make, args.ticks, steps)
        results[name] = seconds
        digests.add(digest)
        print(f"{name:16} {seconds:7.2f} s  {calls} calls  digest {digest[:16]}")
    assert len(digests) == 1, "every setting must make the same run"
    speedup = results["ray, 1 worker"] / results["ray, 2 workers"]
    print(f"speed-up from 1 to 2 Ray workers: {speedup:.2f}x")
    print(f"ray, 2 workers against serial: {results['serial'] / results['ray, 2 workers']:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    ray.shutdown()


if __name__ == "__main__":
    main()
