"""Interventions: what an experimenter does to a running world, now or at a scheduled time.

Each one is a small pydantic model (so it can be written in Python or read from a file), checks
its names against the world before anything runs, applies itself to an engine between ticks,
and is recorded as an `intervention` event that the viewer's timeline and the report show.
"""

from sim.interventions.base import Intervention, Notice, area_of, check_agents, game_time, tell
from sim.interventions.kinds import (
    AddRule,
    AnyIntervention,
    Broadcast,
    ClosePlace,
    SetHours,
    SetPersona,
    Whisper,
    make,
    parse,
)
from sim.interventions.timing import Scheduled, apply_due, apply_now, schedule

__all__ = [
    "AddRule", "AnyIntervention", "Broadcast", "ClosePlace", "Intervention", "Notice",
    "Scheduled", "SetHours", "SetPersona", "Whisper", "apply_due", "apply_now", "area_of",
    "check_agents", "game_time", "make", "parse", "schedule", "tell",
]  # fmt: skip
