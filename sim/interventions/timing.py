"""When interventions happen: now, at a scheduled game time, and notices at places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.clock import label
from sim.interventions.base import Intervention, game_time
from sim.interventions.kinds import parse
from sim.types import JSON, GameSeconds

if TYPE_CHECKING:
    from sim.engine import Engine


@dataclass(frozen=True)
class Scheduled:
    """An intervention waiting for its game time."""

    time: GameSeconds
    intervention: Intervention

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {"time": self.time, "intervention": self.intervention.model_dump()}

    @classmethod
    def from_json(cls, data: JSON) -> Scheduled:
        """Inverse of `to_json`."""
        return cls(int(data["time"]), parse(data["intervention"]))


def apply_now(engine: Engine, intervention: Intervention) -> None:
    """Apply an intervention at the engine's current time and record it as an event."""
    intervention.check(engine)
    intervention.apply(engine)
    engine.cog.emit(
        "intervention",
        "",
        intervention=intervention.kind,  # type: ignore[attr-defined]
        description=intervention.describe(),
        time=label(engine.now),
    )


def schedule(engine: Engine, intervention: Intervention) -> None:
    """Apply now, or keep for its `at` time (checked now, so errors come before the run)."""
    intervention.check(engine)
    at = None if intervention.at is None else game_time(intervention.at, "at", engine.now)
    if at is None or at <= engine.now:
        apply_now(engine, intervention)
        return
    engine.scheduled.append(Scheduled(at, intervention))
    engine.scheduled.sort(key=lambda s: s.time)


def apply_due(engine: Engine) -> None:
    """At the start of a tick: apply scheduled interventions that are due, then notices."""
    now = engine.now
    while engine.scheduled and engine.scheduled[0].time <= now:
        apply_now(engine, engine.scheduled.pop(0).intervention)
    engine.notices = [n for n in engine.notices if n.until >= now]
    for notice in engine.notices:
        notice.deliver(engine)
