"""`sim experiment`: run an experiment script's conditions and replicates, then write a report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.experiment.design import load_experiment
from sim.experiment.execute import cost, run_experiment
from sim.experiment.runner import Replicate, RunOptions
from sim.simulation import Simulation

REFRESH_TICKS = 30  # ticks between progress updates within an arm


def experiment(script: Path, options: RunOptions, console: Console) -> dict[str, Path]:
    """Run with a progress bar over arms (game time, tokens, cost), then say where it wrote."""
    arms = options.replicates * len(load_experiment(script).conditions)
    spent: dict[str, dict[str, int]] = {}  # arm label -> tokens so far
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} arms"),
        TextColumn("{task.fields[tokens]:,} tokens"),
        TextColumn("{task.fields[cost]}"),
        TimeElapsedColumn(),
    )
    what = "replaying" if options.replay else "running"
    console.print(f"{what} {script} -> {options.out}", markup=False, highlight=False)
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(script.stem, total=arms, tokens=0, cost="")

        def show(description: str) -> None:
            tokens = sum(t["prompt"] + t["completion"] for t in spent.values())
            usd = cost(options, list(spent.values()))
            price = "" if usd is None else f"${usd:,.4f}"
            bar.update(task, description=description, tokens=tokens, cost=price)

        baseline: dict[str, dict[str, int]] = {}  # a fork's stats start with its parent's

        def watch(label: str, sim: Simulation) -> None:
            stats = sim.lm_stats
            start = baseline.setdefault(label, dict(stats))
            spent[label] = {
                "prompt": stats["prompt_tokens"] - start["prompt_tokens"],
                "completion": stats["completion_tokens"] - start["completion_tokens"],
            }
            if sim.tick % REFRESH_TICKS == 0:
                bar.update(task, completed=len(spent) - 1)
                show(f"{label} {sim.time_label}")

        def done(rep: Replicate) -> None:
            for arm in rep.arms:
                spent[arm.label] = arm.tokens
            bar.update(task, completed=len(spent))
            show(f"r{rep.replicate} done" + (f" FAILED ({rep.failure})" if rep.failure else ""))

        written = run_experiment(script, options, done, watch if options.jobs <= 1 else None)
        bar.update(task, completed=arms)
    console.print(f"report: {written['report']}", markup=False, highlight=False)
    for name, path in sorted(written.items()):
        if name != "report":
            console.print(f"  {name}: {path}", markup=False, highlight=False, style="dim")
    return written
