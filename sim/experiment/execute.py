"""From a script to a report: run the replicates, analyse the outcomes, write everything down.

`run_experiment` is what `sim experiment` calls; a notebook can call it too. A replay takes its
settings from the replayed directory's manifest, so it reproduces the same numbers with no LM.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import SimInputError
from sim.experiment.design import DESIGNS, Experiment, load_experiment
from sim.experiment.report import ReportSpec, write_report
from sim.experiment.runner import Replicate, RunOptions, Watch, run_all
from sim.experiment.stats import Effect, analyse
from sim.llm.budget import price_for, usd

PACKAGES = ("sim", "numpy", "pandas", "scipy", "matplotlib", "pydantic", "networkx", "xllamacpp")
RESULT_COLUMNS = ["replicate", "condition", "unit", "outcome", "value"]
TIMELINE_COLUMNS = ["replicate", "condition", "outcome", "hours", "value"]


def replay_options(options: RunOptions, script: str) -> RunOptions:
    """The settings of the run being replayed, read from its manifest (or a one-line error)."""
    assert options.replay is not None
    manifest_path = options.replay / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        recorded = manifest["options"]
    except (OSError, ValueError, KeyError, TypeError):
        raise SimInputError(
            str(manifest_path), "manifest", "not a `sim experiment` output directory",
            "pass the --out directory of an earlier `sim experiment` run",
        ) from None  # fmt: skip
    name = load_experiment(script).name
    if manifest.get("experiment", {}).get("name") != name:
        raise SimInputError(
            str(manifest_path), "experiment.name",
            f"recorded for {manifest.get('experiment', {}).get('name')!r}, not {name!r}",
            "replay with the script that wrote this directory",
        )  # fmt: skip
    return dataclasses.replace(
        options,
        replicates=int(recorded["replicates"]),
        hours=recorded["hours"],
        seed=int(recorded["seed"]),
        embedder=recorded["embedder"],
        lm=recorded["lm"],
        price=tuple(recorded["price"]) if recorded.get("price") else None,
    )


def run_experiment(
    script: str | Path,
    options: RunOptions,
    on_done: Callable[[Replicate], None] | None = None,
    watch: Watch | None = None,
) -> dict[str, Path]:
    """Run (or replay) an experiment script and write its report; returns the files written.

    `on_done` hears of each finished replicate and `watch` of every tick of a serial run.
    """
    script = str(script)
    if options.replay is not None:
        options = replay_options(options, script)
    experiment = load_experiment(script)
    hours = experiment.hours if options.hours is None else options.hours
    embedder = options.embedder or ("hash" if options.lm == "fake" else "minilm")
    options = dataclasses.replace(options, hours=hours, embedder=embedder)
    replicates = run_all(script, options, on_done, watch)
    kept = [r for r in replicates if not r.failure]
    results = pd.DataFrame([row for r in kept for row in r.results], columns=RESULT_COLUMNS)
    timelines = pd.DataFrame([row for r in kept for row in r.timelines], columns=TIMELINE_COLUMNS)
    paired = experiment.design != "independent"
    effects = (
        analyse(results, control=experiment.control, paired=paired, seed=options.seed)
        if not results.empty
        else pd.DataFrame(columns=[f.name for f in dataclasses.fields(Effect)])
    )
    arms = [a for r in replicates for a in r.arms]
    spec = ReportSpec(
        title=experiment.title or experiment.name,
        question=experiment.question,
        design=f"{experiment.design}: {DESIGNS[experiment.design]}",
        conditions={n: c.description for n, c in experiment.conditions.items()},
        interventions={n: c.lines() for n, c in experiment.conditions.items()},
        control=experiment.control,
        paired=paired,
        replicates=options.replicates,
        hours=hours,
        world=experiment.world,
        seeds={f"r{r.replicate}": r.seed for r in replicates},
        lm=options.lm,
        judge=_judges(experiment),
        tokens={a.label: a.tokens for a in arms},
        cost_usd=cost(options, [a.tokens for a in arms]),
        digests={a.label: a.digest[:16] for a in arms},
        runs={a.label: a.db for a in arms},
        failures=[r.failure for r in replicates if r.failure],
    )
    manifest = _manifest(experiment, options, replicates)
    return write_report(options.out, spec, results, timelines, effects, manifest)


def cost(options: RunOptions, tokens: list[dict[str, int]]) -> float | None:
    """What the tokens cost at `--price` (USD per million) or the model's list price; 0 on a
    local model; None when the price is not known."""
    price = options.price or price_for(options.lm)
    if price is None:
        return None
    prompt = sum(t.get("prompt", 0) for t in tokens)
    return usd(prompt, sum(t.get("completion", 0) for t in tokens), price)


def _judges(experiment: Experiment) -> str:
    """What decided each outcome's values."""
    return ", ".join(f"{o.name}: {o.judge}" for o in experiment.outcomes)


def _manifest(
    experiment: Experiment, options: RunOptions, replicates: list[Replicate]
) -> dict[str, Any]:
    """Versions, commit, configuration, seeds and every arm's digest: enough to rerun it."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "experiment": {
            "name": experiment.name,
            "design": experiment.design,
            "world": experiment.world,
            "control": experiment.control,
            "conditions": {n: c.lines() for n, c in experiment.conditions.items()},
            "outcomes": [o.name for o in experiment.outcomes],
            "warmup_hours": experiment.warmup_hours,
        },
        "options": {
            "replicates": options.replicates,
            "hours": options.hours,
            "seed": options.seed,
            "lm": options.lm,
            "embedder": options.embedder,
            "price": list(options.price) if options.price else None,
        },
        "packages": versions,
        "git_commit": _commit(),
        "replicates": [
            {
                "replicate": r.replicate,
                "seed": r.seed,
                "failure": r.failure,
                "arms": [dataclasses.asdict(a) for a in r.arms],
            }
            for r in replicates
        ],
    }


def _commit() -> str | None:
    """The source tree's git commit, if it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None
