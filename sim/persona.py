"""Persona files: who each agent is, where they live and whom they know, checked against a world.

A persona set is a directory of YAML files, one persona per file (read in filename order), or a
single YAML file holding a list. Mistakes become one-line SimInputErrors naming file and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.errors import SimInputError
from sim.types import JSON
from sim.world.files import parse_hhmm, read_yaml, shown, validate
from sim.world.map import World
from sim.world.spec import Name, TimeOfDay

RelationKind = Literal[
    "family", "partner", "friend", "coworker", "neighbour", "rival", "acquaintance"
]
_SUFFIXES = (".yaml", ".yml")


class Relationship(BaseModel):
    """How a persona sees another persona in the same set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="the full name of another persona in the same set")
    kind: RelationKind = Field(
        description="one of: family, partner, friend, coworker, neighbour, rival, acquaintance"
    )
    description: str = Field("", description="a sentence on how they feel about them")


class RoutineItem(BaseModel):
    """One stretch of a usual day: from when, doing what, where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: TimeOfDay = Field(description="start time as 'HH:MM'")
    activity: str = Field(max_length=60, description="what they do, a short phrase")
    place: str = Field(description="the 'Area:Arena' where they do it")


class Persona(BaseModel):
    """One agent's identity and seed memories; frozen because the run must not rewrite it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="a full name, unique in the set, e.g. 'Maya Torres'")
    age: int = Field(ge=0, le=120, description="age in whole years, 0..120")
    occupation: str = Field(description="what they do, e.g. 'cafe owner'")
    household: str = Field("", description="who they live with, in a short phrase")
    traits: list[str] = Field(min_length=1, description="a list of short trait words")
    values: list[str] = Field(default_factory=list, description="a list of things they care about")
    background: str = Field(description="a paragraph about their life so far")
    daily_routine: str = Field(description="their usual day in a few sentences")
    current_status: str = Field(description="what is on their mind today")
    home: str = Field(description="the 'Area:Arena' where they sleep")
    workplace: str | None = Field(None, description="an area name or 'Area:Arena' path")
    start_place: str | None = Field(
        None, description="the 'Area:Arena' where they begin; defaults to home"
    )
    wake: TimeOfDay = Field("07:00", description="usual wake time as 'HH:MM'")
    sleep: TimeOfDay = Field("23:00", description="usual bedtime as 'HH:MM'")
    routine: list[RoutineItem] = Field(
        default_factory=list,
        description="a list of {at, activity, place}: the usual day, which plans start from",
    )
    memories: list[str] = Field(
        default_factory=list, description="a list of seed memories, one sentence each"
    )
    relationships: list[Relationship] = Field(
        default_factory=list, description="a list of {name, kind, description}"
    )

    @property
    def start_arena(self) -> str:
        """Where the agent is at tick 0."""
        return self.start_place or self.home

    @property
    def wake_seconds(self) -> int:
        """Wake time in seconds of day."""
        return parse_hhmm(self.wake)

    @property
    def sleep_seconds(self) -> int:
        """Bedtime in seconds of day (may be smaller than wake_seconds: after midnight)."""
        return parse_hhmm(self.sleep)

    def to_json(self) -> JSON:
        """Plain JSON, stored with every run."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class _Entry:
    """One persona with where it came from, so later checks can name the right file and field."""

    persona: Persona
    source: str
    prefix: str

    def error(self, field: str, problem: str, fix: str) -> SimInputError:
        return SimInputError(self.source, f"{self.prefix}{field}", problem, fix)


def load_personas(path: str | Path, world: World) -> list[Persona]:
    """Load and cross-check a persona set against `world`; raise SimInputError on any mistake."""
    path = Path(path)
    entries = _read(path)
    names = [e.persona.name for e in entries]
    first_seen: dict[str, str] = {}
    for entry in entries:
        name = entry.persona.name
        if name in first_seen:
            raise entry.error(
                "name",
                f"duplicate persona name {name!r} (first in {first_seen[name]})",
                "give each persona a different name",
            )
        first_seen[name] = f"{entry.source} {entry.prefix}".strip(" .")
        _check_places(entry, world)
        _check_relationships(entry, names, shown(path))
    return [e.persona for e in entries]


def _read(path: Path) -> list[_Entry]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
        if not files:
            raise SimInputError(
                shown(path), "", "no persona files (*.yaml) here", "add one YAML file per persona"
            )
        return [_Entry(validate(Persona, read_yaml(f), shown(f)), shown(f), "") for f in files]
    data = read_yaml(path)
    source = shown(path)
    if not isinstance(data, list) or not data:
        raise SimInputError(
            source,
            "",
            "a single persona file must hold a non-empty YAML list of personas",
            "start each persona with '- name: ...', or use a directory of one file per persona",
        )
    return [
        _Entry(validate(Persona, item, source, f"[{i}]."), source, f"[{i}].")
        for i, item in enumerate(data)
    ]


def _check_places(entry: _Entry, world: World) -> None:
    p = entry.persona
    arenas = list(world.arenas)
    for field, value, options in (
        ("home", p.home, arenas),
        ("workplace", p.workplace, [*world.areas, *arenas]),
        ("start_place", p.start_place, arenas),
    ):
        if value is not None and value not in options:
            raise entry.error(
                field,
                f"{value!r} is not a place in {shown(world.source)}",
                f"use one of: {_some(options)}",
            )
    for i, item in enumerate(p.routine):
        if item.place not in arenas:
            raise entry.error(
                f"routine[{i}].place",
                f"{item.place!r} is not a place in {shown(world.source)}",
                f"use one of: {_some(arenas)}",
            )


def _check_relationships(entry: _Entry, names: list[str], set_name: str) -> None:
    p = entry.persona
    others = [n for n in names if n != p.name]
    listed: set[str] = set()
    for i, rel in enumerate(p.relationships):
        field = f"relationships[{i}].name"
        if rel.name == p.name:
            raise entry.error(field, "a persona cannot have a relationship with themself", "")
        if rel.name not in others:
            raise entry.error(
                field,
                f"no persona named {rel.name!r} in {set_name}",
                f"use one of: {_some(others) or '(no other personas)'}",
            )
        if rel.name in listed:
            raise entry.error(field, f"{rel.name!r} is listed twice", "merge the two entries")
        listed.add(rel.name)


def _some(options: list[str], limit: int = 12) -> str:
    """A readable list of valid choices, cut short so the error stays one line."""
    shown_ = ", ".join(options[:limit])
    return shown_ + (f", ... ({len(options) - limit} more)" if len(options) > limit else "")
