"""Cost benchmark: LM calls, tokens, embeddings and engine time per agent per game hour.

Reported in the units of the Generative Agents reference measurement (docs/benchmarks.md), so
the two can be compared. The fake LM isolates engine time; `--lm embedded` measures the real
default end to end.

    python bench/cost.py --hours 3                # fake LM: engine cost and call counts
    python bench/cost.py --hours 3 --lm embedded  # the embedded SmolLM2 model
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.assembly import load_town
from sim.embed.factory import make_embedder
from sim.embed.protocol import Embedder
from sim.engine import Engine
from sim.llm.wrappers import CachingLM, TimedLM, make_lm

ROOT = Path(__file__).resolve().parents[1]


class Counted:
    """Wraps an embedder to count the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts = 0
        self.calls = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts)


def main() -> None:
    """Run the world and print per-agent-hour figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", default=str(ROOT / "worlds" / "willow"))
    parser.add_argument("--lm", default="fake")
    parser.add_argument("--embedder", default="hash")
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    world, people = load_town(Path(args.world), None)
    model = TimedLM(CachingLM(make_lm(args.lm, seed=args.seed)))
    vectors = Counted(make_embedder(args.embedder))
    started = time.perf_counter()
    engine = Engine(world, people, model, vectors, seed=args.seed)
    setup = time.perf_counter() - started
    before = engine.lm.stats.to_json()
    setup_texts, setup_lm_seconds = vectors.texts, model.seconds
    ticks = round(args.hours * 3600 / world.tick_seconds)
    started = time.perf_counter()
    for _ in range(ticks):
        engine.step()
    wall = time.perf_counter() - started
    after = engine.lm.stats.to_json()
    spent = {k: after[k] - before[k] for k in after}
    agent_hours = len(engine.agents) * args.hours
    lm_seconds = model.seconds - setup_lm_seconds
    engine_seconds = wall - lm_seconds
    game_minutes = args.hours * 60
    print(
        f"world {world.name}: {len(engine.agents)} agents, {args.hours} game hours, "
        f"{ticks} ticks of {world.tick_seconds}s, LM {model.name}, embedder {vectors.name}"
    )
    print(f"setup (rating seed memories, once per run): {setup:.1f}s, {before['calls']} LM calls")
    print("per agent per game hour, after setup:")
    print(f"  LM calls           {spent['calls'] / agent_hours:8.1f}   (reference: 80.5)")
    print(f"  prompt tokens      {spent['prompt_tokens'] / agent_hours:8.0f}   (reference: 22,600)")
    print(
        f"  completion tokens  {spent['completion_tokens'] / agent_hours:8.0f}   (reference: 900)"
    )
    texts = vectors.texts - setup_texts
    print(f"  texts embedded     {texts / agent_hours:8.1f}   (reference: 23.6 calls)")
    cached, fallbacks = spent["cached"] / agent_hours, spent["fallbacks"] / agent_hours
    print(f"  cached / fallbacks {cached:8.1f} / {fallbacks:.1f}")
    print(
        f"engine time without the LM: {engine_seconds / game_minutes * 1000:.1f} ms per game "
        f"minute ({engine_seconds / ticks * 1000:.2f} ms per tick; reference: 900 ms per game "
        "minute for 25 agents)"
    )
    print(f"time in the LM: {lm_seconds:.1f}s; wall: {wall:.1f}s ({ticks / wall:.1f} ticks/s)")
    print(f"digest: {engine.digest[:16]}")


if __name__ == "__main__":
    main()
