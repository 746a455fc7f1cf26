"""Engine overhead: agent-steps per second with an LM that costs nothing, at 25 to 1,000 agents.

What is left when the model answers instantly is the engine's own cost: perception, retrieval,
prompt building, answer validation, moves and the run record. Each agent starts with 5k
memories (synthetic observations of townsfolk, hash-embedded, one stream shared by all agents
the way forks share rows), on Millbrook tiled 2x2 (280x160 tiles, streets joined at the seams),
with a population drawn from personas/specs/us_adults.yaml, from 10:00. Every size is timed
over the same 10 game minutes (after two ticks of morning plans), so the work per agent is
comparable. Figures are in docs/performance.md ("Engine overhead").

    python bench/engine_speed.py                       # 25, 250 and 1,000 agents
    python bench/engine_speed.py --agents 1000 --profile 25
    python bench/engine_speed.py --agents 250 --lm fake   # the schema-sampling FakeLM instead
    python bench/engine_speed.py --agents 25 --memories 0 --ticks 6 --lm embedded --embedder minilm

With `--lm embedded` (and the MiniLM embedder) it measures the share of wall time the engine
spends outside the model's and the embedder's calls.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.embed.factory import make_embedder
from sim.embed.hashing import HashEmbedder
from sim.embed.metered import MeteredEmbedder
from sim.embed.protocol import Embedder
from sim.engine import Engine
from sim.llm.fake import FakeLM
from sim.llm.protocol import LanguageModel, LMRequest, LMResponse
from sim.llm.wrappers import TimedLM, make_lm
from sim.memory.stream import MemoryStream, NewMemory
from sim.persona import Persona
from sim.population import generate, load_spec
from sim.world.map import World, load_world
from sim.world.spec import TILE_KINDS

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "worlds" / "town" / "world.yaml"
SPEC = ROOT / "personas" / "specs" / "us_adults.yaml"
START = "10:00"
FRESH_CHARS = 0x100  # first code point for the legend characters of the copies


class ZeroLatencyLM:
    """FakeLM's answer for each distinct schema, computed once and then returned at no cost.

    FakeLM samples a fresh answer per request (seeded by the request hash), which is itself a
    few hundred microseconds of Python; this keeps the answers valid while removing that cost.
    """

    def __init__(self, seed: int = 0) -> None:
        self._fake = FakeLM(seed)
        self._answers: dict[str, LMResponse] = {}
        # Schema dicts are shared by every call of a class (`schema_of`): each is dumped once,
        # by identity (the entry holds the dict, so its id is not reused).
        self._dumps: dict[int, tuple[dict[str, Any], str]] = {}

    @property
    def name(self) -> str:
        """Recorded with each call."""
        return "zero-latency"

    def complete(self, request: LMRequest) -> LMResponse:
        """The cached answer for this schema (FakeLM's answer to the first such request)."""
        held = self._dumps.get(id(request.schema))
        if held is None or held[0] is not request.schema:
            held = (request.schema, json.dumps(request.schema, sort_keys=True))
            self._dumps[id(request.schema)] = held
        key = held[1]
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._fake.complete(request)
        return answer


def tiled_town(folder: Path, copies: int = 2) -> World:
    """Millbrook repeated copies x copies times, each copy's places renamed, streets joined."""
    town = yaml.safe_load(TOWN.read_text())
    rows = town["grid"].strip("\n").split("\n")
    height, width = len(rows), len(rows[0])
    legend: dict[str, str] = {}
    areas: list[dict[str, Any]] = []
    grid = [[""] * (width * copies) for _ in range(height * copies)]
    fresh = FRESH_CHARS
    for cy in range(copies):
        for cx in range(copies):
            suffix = f" {cy * copies + cx + 1}"
            chars = {}
            for char, place in town["legend"].items():
                if place in TILE_KINDS:
                    legend[char], chars[char] = place, char
                else:
                    area, arena = place.split(":", 1)
                    chars[char] = chr(fresh)
                    legend[chr(fresh)] = f"{area}{suffix}:{arena}"
                    fresh += 1
            for y, row in enumerate(rows):
                for x, char in enumerate(row):
                    grid[cy * height + y][cx * width + x] = chars[char]
            for area in town["areas"]:
                copy = {**area, "name": area["name"] + suffix, "arenas": []}
                for arena in area["arenas"]:
                    objects = [
                        {**o, "at": [o["at"][0] + cx * width, o["at"][1] + cy * height]}
                        for o in arena.get("objects", [])
                    ]
                    copy["arenas"].append({**arena, "objects": objects})
                areas.append(copy)
    for seam in range(1, copies):  # open the border walls where streets meet them
        for y in range(height * copies):
            if grid[y][seam * width - 2] == "." and grid[y][seam * width + 1] == ".":
                grid[y][seam * width - 1] = grid[y][seam * width] = "."
        for x in range(width * copies):
            if grid[seam * height - 2][x] == "." and grid[seam * height + 1][x] == ".":
                grid[seam * height - 1][x] = grid[seam * height][x] = "."
    spec = {**town, "name": f"Millbrook x{copies * copies}", "legend": legend, "areas": areas}
    spec["start"] = START  # mid-morning: everyone is up, so every agent perceives and decides
    spec["grid"] = "\n".join("".join(row) for row in grid)
    spec.pop("personas", None)
    (folder / "world.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    return load_world(folder)


def shared_memories(people: list[Persona], count: int, seed: int) -> MemoryStream:
    """`count` observations of townsfolk at places, each about the person it names."""
    rng = np.random.default_rng(seed)
    stream = MemoryStream(HashEmbedder())
    verbs = ("walking to", "chatting at", "reading at", "working at", "waiting outside")
    places = ("the cafe", "the market", "Town Hall", "the library", "the tavern", "the green")
    items = []
    for i in range(count):
        who = people[int(rng.integers(len(people)))].name
        text = f"{who} was {verbs[i % len(verbs)]} {places[int(rng.integers(len(places)))]}"
        created = -int(rng.integers(1, 7 * 24 * 3600))  # during the week before the run
        items.append(NewMemory("observation", text, int(rng.integers(1, 10)), (), (who,), created))
    stream.add(items, 0)
    return stream


def build(
    world: World, agents: int, memories: int, lm: LanguageModel, embedder: Embedder, seed: int
) -> Engine:
    """A prepared engine whose agents each hold `memories` memories before their seed ones."""
    spec, path = load_spec(SPEC)
    people = generate(spec, str(path), world, agents, seed)
    engine = Engine(world, people, lm, embedder, seed=seed)
    if memories:
        handle = shared_memories(people, memories, seed).handle()
        for agent in engine.agents.values():
            agent.memory.restore(handle)
    engine.prepare()
    return engine


def owner(filename: str) -> str:
    """Who a profiled function belongs to: a file of ours, or a third-party package."""
    path = Path(filename)
    if ROOT in path.parents and "site-packages" not in path.parts:
        return str(path.relative_to(ROOT))
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1]
    return "python stdlib and builtins"


def breakdown(stats: pstats.Stats, rows: int) -> str:
    """Own time summed by file (ours) or package (theirs), largest first, as a table."""
    spent: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = owner(filename)
        spent[key] = spent.get(key, 0.0) + own
    total = sum(spent.values())
    lines = ["| where (own time) | share |", "| --- | --- |"]
    for key, own in sorted(spent.items(), key=lambda kv: -kv[1])[:rows]:
        lines.append(f"| {key} | {own / total:.1%} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Rates:
    """What one size measured."""

    wall: float  # agent-steps per second of wall time
    cpu: float  # agent-steps per second of this process's CPU time
    calls: float  # LM calls per agent-step: the cognition each step does
    in_lm: float  # share of the wall time inside the LM
    in_embedder: float  # share of the wall time inside the embedder


def measure(
    engine: Engine, lm: TimedLM, embedder: MeteredEmbedder, ticks: int, profile: int
) -> tuple[Rates, str]:
    """The rates over `ticks` ticks, and the profile; on a machine shared with other work the
    CPU rate is the steadier figure. With `profile`, the profile says where
    the time went and lists the top `profile` functions by own time (the rates then include the
    profiler's overhead)."""
    profiler = cProfile.Profile()
    lm.seconds = embedder.seconds = 0.0
    before = engine.lm.stats.calls
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        profiler.enable()
    for _ in range(ticks):
        engine.step()
    profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = io.StringIO()
    if profile:
        stats = pstats.Stats(profiler, stream=out)
        out.write(breakdown(stats, profile) + "\n")
        stats.sort_stats("tottime").print_stats(profile)
    steps = len(engine.agents) * ticks
    calls = (engine.lm.stats.calls - before) / steps
    return (
        Rates(steps / wall, steps / cpu, calls, lm.seconds / wall, embedder.seconds / wall),
        out.getvalue(),
    )


def model(kind: str, seed: int) -> LanguageModel:
    """The LM of `--lm`: zero-latency answers, FakeLM, or the embedded model."""
    if kind == "zero":
        return ZeroLatencyLM(seed)
    return FakeLM(seed) if kind == "fake" else make_lm("embedded", seed=seed)


def main() -> None:
    """Print agent-steps per second for each population size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[25, 250, 1000])
    parser.add_argument("--memories", type=int, default=5000, help="memories per agent")
    parser.add_argument("--warmup", type=int, default=2, help="ticks before timing")
    parser.add_argument("--ticks", type=int, default=60, help="timed ticks (10 game minutes)")
    parser.add_argument("--lm", choices=["zero", "fake", "embedded"], default="zero")
    parser.add_argument("--embedder", choices=["hash", "minilm"], default="hash")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        world = tiled_town(Path(folder))
    print(f"world: {world.name}, {world.width}x{world.height} tiles, {len(world.arenas)} arenas")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset (one per core)")
    print(f"LM: {args.lm}; embedder: {args.embedder}; timed from tick {args.warmup}; "
          f"OPENBLAS_NUM_THREADS={blas}")  # fmt: skip
    print(
        "| agents | memories each | timed ticks | agent-steps/s | agent-steps/CPU-s "
        "| LM calls per agent-step | time in the LM | time in the embedder | time outside both "
        "| target |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in args.agents:
        lm = TimedLM(model(args.lm, args.seed))
        embedder = MeteredEmbedder(make_embedder(args.embedder))  # as `sim run` builds it
        engine = build(world, n, args.memories, lm, embedder, args.seed)
        for _ in range(args.warmup):
            engine.step()
        rates, profiled = measure(engine, lm, embedder, args.ticks, args.profile)
        target = "≥ 2,000" if n >= 1000 and args.lm == "zero" else "-"
        outside = 1 - rates.in_lm - rates.in_embedder
        print(
            f"| {n:,} | {args.memories:,} | {args.ticks} | {rates.wall:,.0f} | {rates.cpu:,.0f} "
            f"| {rates.calls:.2f} | {rates.in_lm:.1%} | {rates.in_embedder:.1%} | {outside:.1%} "
            f"| {target} |"
        )
        print(profiled, end="", flush=True)


if __name__ == "__main__":
    main()
