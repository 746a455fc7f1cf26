"""Persona files: who each agent is, where they live and whom they know, checked against a world.

A persona set is a directory of YAML files, one persona per file (read in filename order), or a
single YAML file holding a list. Mistakes become one-line SimInputErrors naming file and field;
`check_personas` collects all of them (for `sim validate`), `load_personas` raises the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.errors import SimInputError
from sim.types import JSON
from sim.world.files import check_model, parse_hhmm, raise_first, read_yaml, shown
from sim.world.map import Places, World
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


class BigFive(BaseModel):
    """Big Five personality scores, 0 (low) to 1 (high), so experiments can group agents by them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    openness: float = Field(ge=0, le=1, description="openness to experience, 0..1")
    conscientiousness: float = Field(ge=0, le=1, description="conscientiousness, 0..1")
    extraversion: float = Field(ge=0, le=1, description="extraversion, 0..1")
    agreeableness: float = Field(ge=0, le=1, description="agreeableness, 0..1")
    neuroticism: float = Field(ge=0, le=1, description="neuroticism, 0..1")


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
    big_five: BigFive | None = Field(
        None,
        description="a mapping of openness, conscientiousness, extraversion, agreeableness "
        "and neuroticism to scores 0..1",
    )
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="a mapping of attribute name to text value, e.g. political_leaning: moderate",
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
    """One persona file (or list item) with where it came from, so checks name file and field.

    `name` is read from the raw data so a persona whose other fields are wrong still counts as
    existing: relationships to it are not reported as well.
    """

    persona: Persona | None
    name: str | None
    source: str
    prefix: str

    def error(self, field: str, problem: str, fix: str) -> SimInputError:
        return SimInputError(self.source, f"{self.prefix}{field}", problem, fix)


def load_personas(path: str | Path, world: World) -> list[Persona]:
    """Load and cross-check a persona set against `world`; raise the first mistake as one line."""
    people, problems = check_personas(path, world.places)
    raise_first(problems)
    return people


def check_personas(
    path: str | Path, places: Places | None
) -> tuple[list[Persona], list[SimInputError]]:
    """The valid personas of a set and every problem found; without `places` none are checked."""
    path = Path(path)
    problems: list[SimInputError] = []
    entries = _read(path, problems)
    names = [e.name for e in entries if e.name is not None]
    first_seen: dict[str, str] = {}
    for entry in entries:
        name = entry.name
        if name in first_seen:
            problems.append(
                entry.error(
                    "name",
                    f"duplicate persona name {name!r} (first in {first_seen[name]})",
                    "give each persona a different name",
                )
            )
        elif name is not None:
            first_seen[name] = f"{entry.source} {entry.prefix}".strip(" .")
        if entry.persona is not None:
            if places is not None:
                _check_places(entry, entry.persona, places, problems)
            _check_relationships(entry, entry.persona, names, shown(path), problems)
    return [e.persona for e in entries if e.persona is not None], problems


def _read(path: Path, problems: list[SimInputError]) -> list[_Entry]:
    """Every persona entry of the set; unreadable files and invalid fields go to `problems`."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
        if not files:
            problems.append(
                SimInputError(
                    shown(path),
                    "",
                    "no persona files (*.yaml) here",
                    "add one YAML file per persona",
                )
            )
        entries = []
        for file in files:
            try:
                data = read_yaml(file)
            except SimInputError as exc:
                problems.append(exc)
                continue
            entries.append(_entry(data, shown(file), "", problems))
        return entries
    try:
        data = read_yaml(path)
    except SimInputError as exc:
        problems.append(exc)
        return []
    if not isinstance(data, list) or not data:
        problems.append(
            SimInputError(
                shown(path),
                "",
                "a single persona file must hold a non-empty YAML list of personas",
                "start each persona with '- name: ...', or use a directory of one file per persona",
            )
        )
        return []
    return [_entry(item, shown(path), f"[{i}].", problems) for i, item in enumerate(data)]


def _entry(data: object, source: str, prefix: str, problems: list[SimInputError]) -> _Entry:
    persona, found = check_model(Persona, data, source, prefix)
    problems.extend(found)
    raw = data.get("name") if isinstance(data, dict) else None
    return _Entry(persona, raw if isinstance(raw, str) else None, source, prefix)


def _check_places(entry: _Entry, p: Persona, places: Places, problems: list[SimInputError]) -> None:
    arenas = list(places.arenas)
    where = shown(places.source)
    for field, value, options in (
        ("home", p.home, arenas),
        ("workplace", p.workplace, [*places.areas, *arenas]),
        ("start_place", p.start_place, arenas),
        *((f"routine[{i}].place", item.place, arenas) for i, item in enumerate(p.routine)),
    ):
        if value is not None and value not in options:
            problems.append(
                entry.error(
                    field, f"{value!r} is not a place in {where}", f"use one of: {_some(options)}"
                )
            )


def _check_relationships(
    entry: _Entry, p: Persona, names: list[str], set_name: str, problems: list[SimInputError]
) -> None:
    others = [n for n in names if n != p.name]
    listed: set[str] = set()
    for i, rel in enumerate(p.relationships):
        field = f"relationships[{i}].name"
        if rel.name == p.name:
            problems.append(
                entry.error(field, "a persona cannot have a relationship with themself", "")
            )
        elif rel.name not in others:
            problems.append(
                entry.error(
                    field,
                    f"no persona named {rel.name!r} in {set_name}",
                    f"use one of: {_some(others) or '(no other personas)'}",
                )
            )
        elif rel.name in listed:
            problems.append(
                entry.error(field, f"{rel.name!r} is listed twice", "merge the two entries")
            )
        listed.add(rel.name)


def _some(options: list[str], limit: int = 12) -> str:
    """A readable list of valid choices, cut short so the error stays one line."""
    shown_ = ", ".join(options[:limit])
    return shown_ + (f", ... ({len(options) - limit} more)" if len(options) > limit else "")
