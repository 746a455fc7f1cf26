"""The interventions an experimenter can make, each a small pydantic model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, Field

from sim.clock import DAY
from sim.errors import SimInputError
from sim.interventions.base import Intervention, Notice, area_of, check_agents, game_time, tell
from sim.types import JSON

if TYPE_CHECKING:
    from sim.engine import Engine


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
        current = engine.agents[self.agent].persona
        unknown = sorted(set(self.changes) - set(type(current).model_fields))
        if unknown:
            raise SimInputError(
                "intervention",
                f"changes.{unknown[0]}",
                "not a persona field",
                "see docs/personas.md",
            )
        try:
            persona = type(current).model_validate({**current.model_dump(), **self.changes})
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
