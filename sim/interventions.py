"""Interventions: what an experimenter does to a running world, now or at a scheduled time.

Each one is a small pydantic model (so it can be written in Python or read from a file), checks
its names against the world before anything runs, applies itself to an engine between ticks,
and is recorded as an `intervention` event that the viewer's timeline and the report show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from sim.clock import DAY, label, parse_time_of_day
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


class Intervention(BaseModel):
    """Base of every intervention: the optional time it is scheduled for."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    at: str | None = Field(None, description='game time to apply it, "HH:MM" or "day N HH:MM"')

    def describe(self) -> str:
        """One human-readable line for the report and the event log."""
        raise NotImplementedError

    def check(self, engine: Engine) -> None:
        """Raise a one-line `SimInputError` if it names an unknown agent or place."""

    def apply(self, engine: Engine) -> None:
        """Change the engine's state between ticks."""
        raise NotImplementedError


class Whisper(Intervention):
    """Tell chosen agents a fact; it becomes a memory with a given or LM-rated importance."""

    kind: Literal["whisper"] = "whisper"
    agents: list[str] = Field(min_length=1)
    text: str = Field(min_length=1)
    importance: int | None = Field(None, ge=1, le=10)

    def describe(self) -> str:
        """Who is told what."""
        return f"whisper to {', '.join(self.agents)}: {self.text!r}"

    def check(self, engine: Engine) -> None:
        """Every named agent exists."""
        check_agents(engine, self.agents)

    def apply(self, engine: Engine) -> None:
        """Each agent remembers the fact."""
        tell(engine, sorted(self.agents), self.text, self.importance)


class Broadcast(Intervention):
    """An announcement to everyone, or to everyone present at a place until a given time."""

    kind: Literal["broadcast"] = "broadcast"
    text: str = Field(min_length=1)
    place: str | None = Field(None, description="only agents at this area or arena hear it")
    until: str | None = Field(None, description="keep telling arrivals at `place` until then")
    importance: int | None = Field(None, ge=1, le=10)

    def describe(self) -> str:
        """What is announced, where and for how long."""
        where = f" at {self.place}" if self.place else " to everyone"
        until = f" until {self.until}" if self.until else ""
        return f"broadcast{where}{until}: {self.text!r}"

    def check(self, engine: Engine) -> None:
        """The place exists, and a window needs a place."""
        if self.place is not None:
            area_of(engine, self.place)
        if self.until is not None:
            if self.place is None:
                raise SimInputError(
                    "intervention", "until", "a window needs a place", "add place=..."
                )
            game_time(self.until, "until")

    def apply(self, engine: Engine) -> None:
        """Tell those who hear it now; leave a notice for later arrivals if there is a window."""
        if self.place is None:
            tell(engine, list(engine.agents), self.text, self.importance)
            return
        until = game_time(self.until, "until", engine.now) if self.until is not None else 0
        notice = Notice(self.text, self.place, self.importance, until)
        notice.deliver(engine)
        if self.until is not None:
            engine.notices.append(notice)


class ClosePlace(Intervention):
    """Close a place until further notice; agents hear of it as a standing rule."""

    kind: Literal["close_place"] = "close_place"
    place: str
    reason: str = ""

    def describe(self) -> str:
        """Which place closes, and why."""
        return f"close {self.place}" + (f" ({self.reason})" if self.reason else "")

    def check(self, engine: Engine) -> None:
        """The place exists."""
        area_of(engine, self.place)

    def apply(self, engine: Engine) -> None:
        """Mark the area closed and add the closure to the rules."""
        area = area_of(engine, self.place)
        engine.policy.closed.add(area)
        text = self.reason.strip().rstrip(".")
        reason = f" {text[:1].upper()}{text[1:]}." if text else ""
        engine.policy.rules.append(f"{area} is closed.{reason}")
        engine.apply_rules()


class SetHours(Intervention):
    """Change a place's opening hours."""

    kind: Literal["set_hours"] = "set_hours"
    place: str
    opens: str = Field(description='"HH:MM"')
    closes: str = Field(description='"HH:MM"')

    def describe(self) -> str:
        """The new hours."""
        return f"{self.place} opens {self.opens}-{self.closes}"

    def check(self, engine: Engine) -> None:
        """The place and both times are valid."""
        area_of(engine, self.place)
        game_time(self.opens, "opens")
        game_time(self.closes, "closes")

    def apply(self, engine: Engine) -> None:
        """Override the hours and tell everyone through the rules."""
        area = area_of(engine, self.place)
        engine.policy.closed.discard(area)
        hours = (game_time(self.opens) % DAY, game_time(self.closes) % DAY)
        engine.policy.hours[area] = hours
        engine.policy.rules.append(f"{area} now opens at {self.opens} and closes at {self.closes}.")
        engine.apply_rules()


class AddRule(Intervention):
    """A standing rule that every prompt shows, e.g. "Masks are required in shops."."""

    kind: Literal["rule"] = "rule"
    text: str = Field(min_length=1, max_length=300)

    def describe(self) -> str:
        """The rule."""
        return f"rule: {self.text!r}"

    def apply(self, engine: Engine) -> None:
        """Add it to the rules every agent's prompts show."""
        engine.policy.rules.append(self.text)
        engine.apply_rules()


class SetPersona(Intervention):
    """Change persona attributes of one agent (occupation, status, traits...)."""

    kind: Literal["persona"] = "persona"
    agent: str
    changes: dict[str, Any] = Field(min_length=1)

    def describe(self) -> str:
        """Whose attributes change, and to what."""
        fields = ", ".join(f"{k}={v!r}" for k, v in sorted(self.changes.items()))
        return f"persona of {self.agent}: {fields}"

    def check(self, engine: Engine) -> None:
        """The agent exists and the changed persona is still valid."""
        check_agents(engine, [self.agent])
        self._changed(engine)

    def _changed(self, engine: Engine) -> JSON:
        """The persona's fields after the change, validated."""
        merged = {**engine.agents[self.agent].persona.model_dump(), **self.changes}
        if set(merged) - set(engine.agents[self.agent].persona.model_dump()):
            unknown = sorted(set(merged) - set(engine.agents[self.agent].persona.model_dump()))
            raise SimInputError(
                "intervention",
                f"changes.{unknown[0]}",
                "not a persona field",
                "see docs/personas.md",
            )
        try:
            persona = type(engine.agents[self.agent].persona).model_validate(merged)
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise SimInputError(
                "intervention", f"changes.{where}", err["msg"], "see docs/personas.md"
            ) from None
        return {k: getattr(persona, k) for k in self.changes}

    def apply(self, engine: Engine) -> None:
        """Swap the agent's persona; the change is kept in the engine's state."""
        changed = self._changed(engine)
        engine.persona_changes[self.agent] = {
            **engine.persona_changes.get(self.agent, {}),
            **{k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in changed.items()},
        }
        base = engine.personas[self.agent]
        engine.agents[self.agent].set_persona(
            base.model_copy(update=engine.persona_changes[self.agent])
        )


AnyIntervention = Annotated[
    Whisper | Broadcast | ClosePlace | SetHours | AddRule | SetPersona,
    Field(discriminator="kind"),
]
_ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(AnyIntervention)


def parse(data: JSON, source: str = "intervention") -> Intervention:
    """An intervention from its JSON form (files, checkpoints), or a one-line error."""
    try:
        return _ADAPTER.validate_python(data)  # type: ignore[no-any-return]
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "kind"
        raise SimInputError(
            source, where, err["msg"], "see docs/api.md for the interventions"
        ) from None


def make(kind: type[Intervention], **fields: Any) -> Intervention:
    """Build an intervention from keyword arguments; bad values are a one-line error."""
    try:
        return kind(**fields)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or kind.__name__
        raise SimInputError(kind.__name__, where, err["msg"], "see docs/api.md") from None


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
