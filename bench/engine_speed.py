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
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import FakeLM
from sim.llm.protocol import LanguageModel, LMRequest, LMResponse
from sim.llm.wrappers import TimedLM
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

    @property
    def name(self) -> str:
        """Recorded with each call."""
        return "zero-latency"

    def complete(self, request: LMRequest) -> LMResponse:
        """The cached answer for this schema (FakeLM's answer to the first such request)."""
        key = json.dumps(request.schema, sort_keys=True)
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


def build(world: World, agents: int, memories: int, lm: LanguageModel, seed: int) -> Engine:
    """A prepared engine whose agents each hold `memories` memories before their seed ones."""
    spec, path = load_spec(SPEC)
    people = generate(spec, str(path), world, agents, seed)
    engine = Engine(world, people, lm, HashEmbedder(), seed=seed)
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


def measure(engine: Engine, lm: TimedLM, ticks: int, profile: int) -> tuple[float, float, str]:
    """(agent-steps per second, share of the time spent in the LM, profile) over `ticks` ticks;
    with `profile`, the profile says where the time went and lists the top `profile` functions
    by own time (the rate then includes the profiler's overhead)."""
    profiler = cProfile.Profile()
    lm.seconds = 0.0
    started = time.perf_counter()
    if profile:
        profiler.enable()
    for _ in range(ticks):
        engine.step()
    profiler.disable()
    wall = time.perf_counter() - started
    out = io.StringIO()
    if profile:
        stats = pstats.Stats(profiler, stream=out)
        out.write(breakdown(stats, profile) + "\n")
        stats.sort_stats("tottime").print_stats(profile)
    return len(engine.agents) * ticks / wall, lm.seconds / wall, out.getvalue()


def main() -> None:
    """Print agent-steps per second for each population size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[25, 250, 1000])
    parser.add_argument("--memories", type=int, default=5000, help="memories per agent")
    parser.add_argument("--warmup", type=int, default=2, help="ticks before timing")
    parser.add_argument("--ticks", type=int, default=60, help="timed ticks (10 game minutes)")
    parser.add_argument("--lm", choices=["zero", "fake"], default="zero")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        world = tiled_town(Path(folder))
    print(f"world: {world.name}, {world.width}x{world.height} tiles, {len(world.arenas)} arenas")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset (one per core)")
    print(f"LM: {args.lm}; timed from tick {args.warmup}; OPENBLAS_NUM_THREADS={blas}")
    print("| agents | memories each | timed ticks | agent-steps/s | time in the LM | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in args.agents:
        inner = ZeroLatencyLM(args.seed) if args.lm == "zero" else FakeLM(args.seed)
        lm = TimedLM(inner)
        engine = build(world, n, args.memories, lm, args.seed)
        for _ in range(args.warmup):
            engine.step()
        rate, share, profiled = measure(engine, lm, args.ticks, args.profile)
        target = "≥ 2,000" if n >= 1000 else "-"
        print(
            f"| {n:,} | {args.memories:,} | {args.ticks} | {rate:,.0f} | {share:.1%} | {target} |"
        )
        print(profiled, end="", flush=True)


if __name__ == "__main__":
    main()
