"""sim: a generative-agents social simulation engine.

The public API (`from sim import Simulation, Likert, ...`) is imported lazily, so that the `sim`
command starts without loading pandas or the LM stack until a command needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "Simulation": "sim.simulation",
    "Snapshot": "sim.simulation",
    "Likert": "sim.survey.instruments",
    "Categorical": "sim.survey.instruments",
    "Numeric": "sim.survey.instruments",
    "FreeText": "sim.survey.instruments",
    "Knows": "sim.survey.instruments",
    "Survey": "sim.survey.instruments",
    "load_survey": "sim.survey.files",
    "Whisper": "sim.interventions",
    "Broadcast": "sim.interventions",
    "ClosePlace": "sim.interventions",
    "SetHours": "sim.interventions",
    "AddRule": "sim.interventions",
    "SetPersona": "sim.interventions",
    "Experiment": "sim.experiment.design",
    "Condition": "sim.experiment.design",
    "Outcome": "sim.experiment.design",
    "SimInputError": "sim.errors",
}
__all__ = sorted(_PUBLIC)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
