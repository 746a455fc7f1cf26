"""Cost benchmark: LM calls, tokens, embeddings and engine time per agent per game hour.

Reported in the units of the Generative Agents reference measurement (docs/benchmarks.md), so
the two can be compared. The fake LM isolates engine time; `--lm embedded` measures the real
default end to end.

    python bench/cost.py --hours 3                # fake LM: engine cost and call counts
    python bench/cost.py --hours 3 --lm embedded  # the embedded SmolLM2 model
    python bench/cost.py --db RUN.db              # a recorded run (`sim run`): by purpose,
                                                  # and what the agents did per agent-hour
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections import Counter
from pathlib import Path

from sim.assembly import load_town
from sim.embed.factory import make_embedder
from sim.embed.metered import MeteredEmbedder
from sim.engine import Engine
from sim.llm.wrappers import CachingLM, TimedLM, make_lm

ROOT = Path(__file__).resolve().parents[1]


def recorded(db: str, first_tick: int, last_tick: int | None) -> None:
    """Print a recorded run's LM cost by purpose and its behaviour, per agent-hour, over ticks
    `first_tick` (1 leaves out the first tick's start-up) to `last_tick` (default: the last),
    so two runs stopped at different ticks compare over the same stretch."""
    last = 10**9 if last_tick is None else last_tick
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    (people, tick_seconds, start) = con.execute(
        "SELECT personas_json, tick_seconds, start_time FROM run"
    ).fetchone()
    ticks = con.execute(
        "SELECT count(*) FROM tick WHERE tick BETWEEN ? AND ?", (first_tick, last)
    ).fetchone()[0]
    agent_hours = len(json.loads(people)) * ticks * tick_seconds / 3600
    first = label_of(start + first_tick * tick_seconds)
    print(f"{db}: ticks {first_tick}-{first_tick + ticks - 1} from {first}, "
          f"{agent_hours:.1f} agent-hours")  # fmt: skip
    rows = con.execute(
        "SELECT purpose, count(*), sum(prompt_tokens), sum(completion_tokens),"
        " sum(latency_ms) FROM lm_call WHERE tick BETWEEN ? AND ? AND NOT cached"
        " GROUP BY purpose ORDER BY count(*) DESC",
        (first_tick, last),
    ).fetchall()
    print(f"  {'purpose':24} {'calls':>7} {'prompt tok':>11} {'compl. tok':>11} {'LM s':>7}"
          "   (per agent-hour; LM seconds in all)")  # fmt: skip
    total = [0.0, 0.0, 0.0, 0.0]
    for purpose, calls, prompt, completion, ms in rows:
        per = [calls, prompt, completion]
        total = [t + v for t, v in zip(total, [*per, ms / 1000], strict=True)]
        print(f"  {purpose:24} " + " ".join(f"{v / agent_hours:>{w}.1f}"
              for v, w in zip(per, (7, 11, 11), strict=True)) + f" {ms / 1000:7.0f}")  # fmt: skip
    print(
        f"  {'all':24} {total[0] / agent_hours:7.1f} {total[1] / agent_hours:11.0f} "
        f"{total[2] / agent_hours:11.0f} {total[3]:7.0f}   (reference: 80.5, 22,600, 900)"
    )
    kinds = Counter(
        dict(
            con.execute(
                "SELECT kind, count(*) FROM event WHERE tick BETWEEN ? AND ? GROUP BY kind",
                (first_tick, last),
            ).fetchall()
        )
    )
    replans = sum(
        bool(json.loads(d).get("situation"))
        for (d,) in con.execute(
            "SELECT data_json FROM event WHERE kind = 'decompose' AND tick BETWEEN ? AND ?",
            (first_tick, last),
        )
    )
    # Sessions are "reflect" events; runs recorded before those existed show one by its
    # question call.
    reflections = kinds["reflect"] or con.execute(
        "SELECT count(DISTINCT agent || '@' || tick) FROM lm_call"
        " WHERE purpose = 'reflect_questions' AND tick BETWEEN ? AND ?",
        (first_tick, last),
    ).fetchone()[0]
    behaviour = {
        "conversations": kinds["conversation"],
        "reflections (sessions)": reflections,
        "insights": kinds["reflection"],
        "re-plans (steps re-made after news)": replans,
        "reactions": kinds["react"],
        "decompositions": kinds["decompose"],
    }
    for what, n in behaviour.items():
        print(f"  {what:38} {n:5d}  {n / agent_hours:6.3f} per agent-hour")


def label_of(seconds: int) -> str:
    """Game time as HH:MM."""
    return f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}"


def main() -> None:
    """Run the world and print per-agent-hour figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", default=str(ROOT / "worlds" / "willow"))
    parser.add_argument("--lm", default="fake")
    parser.add_argument("--embedder", default="hash")
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", help="report on this recorded run instead of running one")
    parser.add_argument("--first-tick", type=int, default=1, help="with --db: count from here")
    parser.add_argument("--last-tick", type=int, help="with --db: count up to here")
    args = parser.parse_args()
    if args.db:
        recorded(args.db, args.first_tick, args.last_tick)
        return

    world, people = load_town(Path(args.world), None)
    model = TimedLM(CachingLM(make_lm(args.lm, seed=args.seed)))
    vectors = MeteredEmbedder(make_embedder(args.embedder))
    started = time.perf_counter()
    engine = Engine(world, people, model, vectors, seed=args.seed)
    setup = time.perf_counter() - started
    before = engine.lm.stats.to_json()
    setup_texts, setup_lm_seconds = vectors.texts, model.seconds
    ticks = round(args.hours * 3600 / world.tick_seconds)
    started = time.perf_counter()
    for i in range(ticks):
        engine.step()
        if i == 0:
            first_tick = time.perf_counter() - started
    wall = time.perf_counter() - started
    after = engine.lm.stats.to_json()
    spent = {k: v - before[k] for k, v in after.items() if isinstance(v, int | float)}  # totals
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
    print(f"time to the first tick: {setup + first_tick:.1f}s (model load, seeds and tick 0)")
    print(f"digest: {engine.digest[:16]}")


if __name__ == "__main__":
    main()
