"""An experiment as a script states it: the question, the world, conditions and outcomes.

A script in `experiments/` builds one `Experiment` and names it `experiment`; `sim experiment
SCRIPT` loads it with `load_experiment` and hands it to the runner.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from sim.errors import SimInputError
from sim.interventions import Intervention

if TYPE_CHECKING:
    from sim.simulation import Simulation

Design = Literal["paired", "independent", "within"]
DESIGNS: dict[str, str] = {
    "paired": "each replicate runs one base world, then forks it once per condition (the same "
    "agents with the same past); effects are paired by (replicate, agent)",
    "independent": "each condition of each replicate is a world built on its own with its own "
    "seed; effects compare independent groups",
    "within": "each replicate takes every agent through every condition in turn, resetting its "
    "memory between them (the order alternates across replicates); effects are paired by agent",
}


@dataclass(frozen=True)
class Condition:
    """One arm: what is done to the world (interventions, or any function of the simulation)."""

    description: str
    interventions: Sequence[Intervention] = ()
    setup: Callable[[Simulation], None] | None = None

    def apply(self, sim: Simulation) -> None:
        """Apply the interventions (checked first, so a bad name fails before anything runs)."""
        for intervention in self.interventions:
            sim.intervene(intervention)
        if self.setup is not None:
            self.setup(sim)

    def lines(self) -> list[str]:
        """Human-readable intervention lines for the report."""
        lines = [i.describe() + (f" at {i.at}" if i.at else "") for i in self.interventions]
        if self.setup is not None:
            lines.append(f"setup: {self.setup.__doc__ or self.setup.__name__}".strip())
        return lines or ["nothing (control)"]


@dataclass(frozen=True)
class Outcome:
    """A measured outcome: one number per agent, and optionally its course over time.

    `measure(sim)` returns a Series indexed by agent name; `timeline(sim, times)` returns one
    value per game time (e.g. the share of agents who know a fact).
    """

    name: str
    measure: Callable[[Simulation], pd.Series]
    description: str = ""
    timeline: Callable[[Simulation, list[int]], list[float]] | None = None
    judge: str = "behaviour"  # what decides the value: "behaviour", "text match" or "LM"


@dataclass(frozen=True)
class Experiment:
    """Everything a script says about an experiment."""

    name: str
    question: str
    world: str
    conditions: dict[str, Condition]
    outcomes: Sequence[Outcome]
    control: str = "control"
    design: Design = "paired"
    hours: float = 12.0
    warmup_hours: float = 0.0
    personas: str | None = None
    title: str = ""
    base_dir: Path = field(default_factory=Path)  # the script's folder (paths resolve there)
    script: str = "experiment"  # the script's path, for error messages

    def __post_init__(self) -> None:
        where = f"experiment {self.name!r}"
        if self.design not in DESIGNS:
            raise SimInputError(where, "design", f"unknown design {self.design!r}",
                                f"use one of: {', '.join(DESIGNS)}")  # fmt: skip
        if self.control not in self.conditions or len(self.conditions) < 2:
            raise SimInputError(
                where, "conditions", f"needs the control {self.control!r} and at least one more",
                "add conditions={'control': Condition(...), 'treatment': Condition(...)}",
            )  # fmt: skip
        if not self.outcomes:
            raise SimInputError(where, "outcomes", "no outcome to measure", "add outcomes=[...]")
        hours, warmup = self.hours, self.warmup_hours  # NaN fails every comparison
        for name, ok in (("hours", 0 < hours <= 720), ("warmup_hours", 0 <= warmup <= 720)):
            if not ok:
                raise SimInputError(where, name, "out of range", "use game hours up to 720")
        names = [o.name for o in self.outcomes]
        if len(set(names)) != len(names):
            raise SimInputError(where, "outcomes", "two outcomes share a name", "rename one")

    def path(self, relative: str) -> Path:
        """A path the script gave, relative to the repository root or to the script."""
        path = Path(relative)
        if path.is_absolute() or path.exists():
            return path
        return self.base_dir / path


def load_experiment(script: str | Path) -> Experiment:
    """Run an experiment script and return its `experiment`, or a one-line error."""
    path = Path(script)
    if not path.is_file():
        raise SimInputError(str(path), "", "no such experiment script", "pass a .py file")
    try:
        namespace = runpy.run_path(str(path), run_name="sim_experiment")
    except SimInputError:
        raise
    except SyntaxError as exc:
        raise SimInputError(
            str(path), f"line {exc.lineno}", f"syntax error: {exc.msg}", "fix the script"
        ) from None
    except Exception as exc:  # a script is user code: any error is bad input, said in one line
        raise SimInputError(
            str(path), "", f"the script failed: {type(exc).__name__}: {exc}", "fix the script"
        ) from None
    experiment = namespace.get("experiment")
    if not isinstance(experiment, Experiment):
        raise SimInputError(
            str(path), "experiment", "the script defines no `experiment = Experiment(...)`",
            "assign the Experiment to a module-level name `experiment`",
        )  # fmt: skip
    if experiment.base_dir == Path():
        object.__setattr__(experiment, "base_dir", path.resolve().parent)
    object.__setattr__(experiment, "script", str(path))
    return experiment
