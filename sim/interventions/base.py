"""What every intervention shares: times, place and agent checks, telling agents, notices."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from sim.clock import DAY, parse_time_of_day
from sim.cognition.importance import rate
from sim.errors import SimInputError
from sim.memory.stream import NewMemory
from sim.types import JSON, GameSeconds

if TYPE_CHECKING:
    from sim.engine import Engine


def game_time(text: str | int, field: str = "at", now: GameSeconds | None = None) -> GameSeconds:
    """A game time from "day N HH:MM", "HH:MM" or game seconds.

    A bare "HH:MM" means its next occurrence at or after `now` (day 1 when `now` is not given),
    so "until 19:00" said on day 3 means day 3, not a day long gone.
    """
    if isinstance(text, int):
        return text
    try:
        t = parse_time_of_day(text)
    except ValueError as exc:
        raise SimInputError(
            "intervention", field, str(exc), 'write a time as "HH:MM" or "day 2 09:30"'
        ) from None
    if now is None or text.strip().lower().startswith("day"):
        return t
    t += (now // DAY) * DAY
    return t if t >= now else t + DAY


def area_of(engine: Engine, place: str, field: str = "place") -> str:
    """The area a place names (an area name or an "Area:Arena" path), or a one-line error."""
    world = engine.world
    if place in world.areas:
        return place
    if place in world.arenas:
        return place.split(":", 1)[0]
    raise SimInputError(
        "intervention",
        field,
        f"no place named {place!r} in {world.name}",
        f"use an area name such as {', '.join(sorted(world.areas)[:4])}",
    )


def check_agents(engine: Engine, names: list[str]) -> None:
    """Fail with one line if any name is not an agent of this world."""
    unknown = [n for n in names if n not in engine.agents]
    if unknown:
        raise SimInputError(
            "intervention",
            "agents",
            f"no agent named {unknown[0]!r}",
            f"use one of: {', '.join(engine.agents)}",
        )


def tell(engine: Engine, names: list[str], text: str, importance: int | None) -> None:
    """Write `text` into each agent's memory, rating its importance unless one is given."""
    now = engine.now
    engine.cog.tick, engine.cog.now = engine.tick, now
    for name in names:
        agent = engine.agents[name]
        value = importance or rate(agent, [text], engine.cog, "intervention")[0]
        agent.remember([NewMemory("observation", text, value)], now)


class Intervention(BaseModel, ABC):
    """Base of every intervention: the optional time it is scheduled for."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    at: str | None = Field(None, description='game time to apply it, "HH:MM" or "day N HH:MM"')

    @abstractmethod
    def describe(self) -> str:
        """One human-readable line for the report and the event log."""

    def check(self, engine: Engine) -> None:
        """Raise a one-line `SimInputError` if it names an unknown agent or place."""

    @abstractmethod
    def apply(self, engine: Engine) -> None:
        """Change the engine's state between ticks."""


@dataclass
class Notice:
    """A broadcast at a place that keeps reaching agents who arrive before `until`."""

    text: str
    place: str
    importance: int | None
    until: GameSeconds
    delivered: tuple[str, ...] = ()

    def deliver(self, engine: Engine) -> None:
        """Tell every agent now at the place who has not heard it yet."""
        area = area_of(engine, self.place)
        exact = self.place if ":" in self.place else None
        here = []
        for name, frame in engine.state.frames.items():
            place = frame.place or ""
            at = place == exact if exact else place.split(":", 1)[0] == area
            if at and name not in self.delivered:
                here.append(name)
        if here:
            tell(engine, here, self.text, self.importance)
            self.delivered = tuple(sorted({*self.delivered, *here}))

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {
            "text": self.text,
            "place": self.place,
            "importance": self.importance,
            "until": self.until,
            "delivered": list(self.delivered),
        }

    @classmethod
    def from_json(cls, data: JSON) -> Notice:
        """Inverse of `to_json`."""
        return cls(
            data["text"],
            data["place"],
            data["importance"],
            int(data["until"]),
            tuple(data["delivered"]),
        )
