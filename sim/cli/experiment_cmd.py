"""`sim experiment`: run an experiment script's conditions and replicates, then write a report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.experiment.execute import run_experiment
from sim.experiment.runner import Replicate, RunOptions


def experiment(script: Path, options: RunOptions, console: Console) -> dict[str, Path]:
    """Run with a progress bar over replicates (tokens so far), then say where the report is."""
    tokens = 0
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} replicates"),
        TextColumn("{task.fields[tokens]} tokens"),
        TimeElapsedColumn(),
    )
    what = "replaying" if options.replay else "running"
    console.print(f"{what} {script} -> {options.out}", markup=False, highlight=False)
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(script.stem, total=options.replicates, tokens=0)

        def done(rep: Replicate) -> None:
            nonlocal tokens
            tokens += sum(a.tokens["prompt"] + a.tokens["completion"] for a in rep.arms)
            note = f" FAILED ({rep.failure})" if rep.failure else ""
            bar.update(task, advance=1, tokens=tokens, description=f"r{rep.replicate} done{note}")

        written = run_experiment(script, options, done)
    console.print(f"report: {written['report']}", markup=False, highlight=False)
    for name, path in sorted(written.items()):
        if name != "report":
            console.print(f"  {name}: {path}", markup=False, highlight=False, style="dim")
    return written
