"""`sim run`: simulate a world for some game hours and record everything to a run database."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.cli.build import build_lm, load_town
from sim.cognition.context import CognitionConfig
from sim.embed.factory import make_embedder
from sim.engine import Engine
from sim.memory.retrieval import RetrievalConfig
from sim.store.reader import RunReader
from sim.store.recorder import SQLiteRecorder, dumps
from sim.store.tables import RunRow
from sim.types import JSON

LOG_EVERY = 180  # ticks between progress lines when output is not a terminal


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
    """Build, run and record; returns the summary (also printed)."""
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
    model = build_lm(lm, seed, base_url, api_key, replay)
    vectors = make_embedder(embedder)
    db = db or default_db(world.name, seed)
    run_row = RunRow(
        world_name=world.name,
        world_json=dumps(world.spec_json()),
        layers_json=dumps(world.layers_json()),
        personas_json=dumps([p.to_json() for p in people]),
        config_json=dumps(config.to_json()),
        seed=seed,
        lm=model.name,
        embedder=vectors.name,
        tick_seconds=world.tick_seconds,
        start_time=world.start,
    )
    recorder = SQLiteRecorder(db, run_row, overwrite=overwrite)
    total = ticks if ticks is not None else max(1, round(hours * 3600 / world.tick_seconds))
    console.print(
        f"[bold]{world.name}[/]: {len(people)} agents, {total} ticks of "
        f"{world.tick_seconds}s, LM {model.name}, seed {seed} -> {db}"
    )
    console.print("preparing agents: rating their seed memories...", style="dim")
    engine = Engine(world, people, model, vectors, seed=seed, config=config, recorder=recorder)
    status = "failed"
    try:
        _loop(engine, total, checkpoint_every, console)
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        console.print("[yellow]interrupted: saving what was recorded[/]")
    finally:
        recorder.checkpoint(engine.tick, engine.get_state())
        summary = {"db": str(db), "status": status, **engine.summary()}
        recorder.finish(status, engine.digest, summary)
        recorder.close()
    _print_summary(summary, console)
    return summary


def _loop(engine: Engine, total: int, checkpoint_every: int, console: Console) -> None:
    """Step with a progress bar showing game time, ticks/s, LM calls and tokens."""
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
        task = bar.add_task(engine.time_label(), total=total, rate=0.0, calls=0, tokens=0)
        for i in range(total):
            engine.step()
            if checkpoint_every and engine.tick % checkpoint_every == 0 and engine.recorder:
                engine.recorder.checkpoint(engine.tick, engine.get_state())
            stats = engine.lm.stats
            rate = (i + 1) / max(1e-9, time.perf_counter() - started)
            tokens = stats.prompt_tokens + stats.completion_tokens
            bar.update(
                task,
                advance=1,
                description=engine.time_label(),
                rate=rate,
                calls=stats.calls,
                tokens=tokens,
            )
            if not console.is_terminal and (engine.tick % LOG_EVERY == 0 or i + 1 == total):
                # Piped output gets no live bar, so say how far the run is now and then.
                console.print(
                    f"{engine.time_label()}: {i + 1}/{total} ticks, {rate:.1f} "
                    f"ticks/s, LM {stats.calls} calls, {tokens} tokens"
                )


def _print_summary(summary: JSON, console: Console) -> None:
    """Agents, memory counts, LM totals and the digest."""
    table = Table(title=f"Run {summary['status']} at {summary['game_time']}")
    for column in ("agent", "observation", "plan", "dialogue", "reflection", "now"):
        table.add_column(column)
    for name, a in summary["agents"].items():
        table.add_row(
            name,
            *(str(a[k]) for k in ("observation", "plan", "dialogue", "reflection")),
            a["status"],
        )
    console.print(table)
    lm = summary["lm"]
    console.print(
        f"LM: {lm['calls']} calls ({lm['cached']} cached, {lm['fallbacks']} fallbacks), "
        f"{lm['prompt_tokens']} prompt + {lm['completion_tokens']} completion tokens"
    )
    console.print(f"ticks: {summary['ticks']}  db: {summary['db']}")
    console.print(f"digest: {summary['digest']}")
    console.print(f"next: sim inspect {summary['db']}", style="dim")
