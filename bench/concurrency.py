"""Concurrency: one tick of 100 agents against a remote model that takes 200 ms per call.

The model is the loopback OpenAI-compatible fake server (`sim.testing.fake_openai`) with a
fixed latency, run in its own process so that its Python does not share our interpreter lock.
The population is drawn from personas/specs/us_adults.yaml onto Millbrook (worlds/town).

Each setting is timed on the same tick (the first, at 10:00 when everyone is up, after the
seed memories were rated: everyone plans the day and its first hour, rates what it sees and
may start a conversation) and compared with the critical path: for each step of the tick that
runs at once (the decisions, then the conversations), the longest chain of calls one agent
(or one conversation) makes, times the latency. Every setting must end on the same digest.
"Our CPU" is this process's CPU time per call (engine, client, threads); in one interpreter
it bounds how many calls a second can be kept in flight. Figures: docs/performance.md.

    python bench/concurrency.py                                  # serial, 16, 32, 100
    python bench/concurrency.py --agents 40 --settings 1,8 --latency 0.05
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from sim.clock import HOUR
from sim.cognition.context import Cognition
from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.executor import Executor, make_executor
from sim.llm.wrappers import make_lm
from sim.population import generate, load_spec
from sim.testing.fake_openai import FakeOpenAIServer, Faults
from sim.world.map import load_world

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "worlds" / "town"
SPEC = ROOT / "personas" / "specs" / "us_adults.yaml"
START = 10 * HOUR  # mid-morning: everyone is awake and decides

A = TypeVar("A")
R = TypeVar("R")


def serve(latency: float, pipe: Connection) -> None:
    """Run the fake server until the parent closes the pipe (in a child process)."""
    with FakeOpenAIServer(Faults(latency_s=latency)) as server:
        pipe.send(server.url)
        pipe.recv()  # blocks until the parent is done
        pipe.send(server.peak)


class ChainMeter:
    """An executor wrapper that notes the longest chain of LM calls among each batch's items.

    Every item of a batch (one agent's decision, one conversation, one agent's seed memories)
    records its calls in its own cognition branch, so the chain of an item is its call count.
    """

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.workers = inner.workers
        self.chains: list[int] = []  # per batch: the longest chain of calls
        self.seconds: list[float] = []  # per batch: wall time

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """Run the batch on the inner executor and note its longest chain."""
        started = time.perf_counter()
        results = self.inner.map(fn, items)
        self.seconds.append(time.perf_counter() - started)
        self.chains.append(max((_calls(r) for r in results), default=0))
        return results

    def close(self) -> None:
        """Close the inner executor."""
        self.inner.close()


def _calls(result: Any) -> int:
    """LM calls recorded in the cognition branch an item returned (alone or in a tuple)."""
    parts = result if isinstance(result, tuple) else (result,)
    cog = next(p for p in parts if isinstance(p, Cognition))
    return sum(c.outcome != "fallback" for c in cog.calls or ())


def build(url: str, agents: int, seed: int, concurrency: int) -> tuple[Engine, ChainMeter]:
    """An engine of `agents` generated townsfolk whose LM is the server at `url`, prepared."""
    world = load_world(TOWN)
    world.start = START
    spec, path = load_spec(SPEC)
    people = generate(spec, str(path), world, agents, seed)
    lm = make_lm("openai:bench", seed=seed, base_url=url, api_key="not-needed")
    engine = Engine(world, people, lm, HashEmbedder(), seed=seed)
    engine.executor = make_executor(max(concurrency, 32))  # rating seed memories: not timed
    engine.prepare()
    engine.flush()
    engine.executor.close()
    meter = ChainMeter(make_executor(concurrency))
    engine.executor = meter
    return engine, meter


def main() -> None:
    """Time the tick at each setting and print the table for docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per call")
    parser.add_argument("--settings", default="1,16,32,100", help="concurrency values")
    parser.add_argument("--ticks", type=int, default=1)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=serve, args=(args.latency, theirs), daemon=True)
    server.start()
    url = ours.recv()
    print(f"{args.agents} agents, {args.ticks} tick(s) from 10:00, {args.latency * 1000:g} ms "
          f"per call, server {url} in process {server.pid}")  # fmt: skip
    print(
        "| concurrency | LM calls | wall s (decide+talk) | critical path s (chains) |"
        " wall / critical path | our CPU ms per call | speed-up vs serial | digest |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    serial_s = None
    for setting in (int(s) for s in args.settings.split(",")):
        engine, meter = build(url, args.agents, args.seed, setting)
        before = engine.lm.stats.calls
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.ticks):
            engine.step()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        meter.close()
        calls = engine.lm.stats.calls - before
        critical = sum(meter.chains) * args.latency  # each batch waits for its longest chain
        serial_s = serial_s or (wall if setting == 1 else None)
        speedup = f"{serial_s / wall:.1f}x" if serial_s else "-"
        ratio = f"{wall / critical:.2f}" if critical else "-"
        chains = "+".join(map(str, meter.chains))
        batches = "+".join(f"{b:.1f}" for b in meter.seconds)
        print(f"| {setting} | {calls} | {wall:.2f} ({batches}) | {critical:.2f} ({chains} calls) |"
              f" {ratio} |"
              f" {cpu / calls * 1000:.1f} | {speedup} | {engine.digest[:12]} |",
              flush=True)  # fmt: skip
    ours.send("done")
    print(f"most requests in flight at the server: {ours.recv()}")
    server.join(timeout=10)


if __name__ == "__main__":
    main()
