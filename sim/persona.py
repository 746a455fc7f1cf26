"""Persona files: who each agent is, where they live and whom they know, checked against a world.

A persona set is a directory of YAML files, one persona per file (read in filename order), or a
single YAML file holding a list. Mistakes become one-line SimInputErrors naming file and field;
`check_personas` collects all of them (for `sim validate`), `load_personas` raises the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sim.errors import SimInputError
from sim.limits import MAX_MEMORIES, MAX_MEMORY_CHARS
from sim.types import JSON
from sim.world.files import (
    arena_problem,
    check_model,
    parse_hhmm,
    raise_first,
    read_yaml,
    shown,
    suggest,
)
from sim.world.map import Places, World
from sim.world.spec import Name, PlaceRef, TimeOfDay, clean_name

RelationKind = Literal[
    "family", "partner", "friend", "coworker", "neighbour", "rival", "acquaintance"
]
_SUFFIXES = (".yaml", ".yml")


class Relationship(BaseModel):
    """How a persona sees another persona in the same set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="the full name of another persona in the same set")
    kind: RelationKind = Field(
        description="one of: family, partner, friend, coworker, neighbour, rival, acquaintance"
    )
    description: str = Field("", description="a sentence on how they feel about them")

    def as_memory(self) -> str:
        """The seed memory that states it, so "Who is Maya Torres?" has one to answer from."""
        return f"{self.name} is my {self.kind}: {self.description}"


class RoutineItem(BaseModel):
    """One stretch of a usual day: from when, doing what, where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: TimeOfDay = Field(description="start time as 'HH:MM', any minute, e.g. '07:45'")
    activity: str = Field(max_length=60, description="what they do, a short phrase")
    place: PlaceRef = Field(description="the 'Area:Arena' where they do it")


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
    home: PlaceRef = Field(description="the 'Area:Arena' where they sleep")
    workplace: PlaceRef | None = Field(None, description="an area name or 'Area:Arena' path")
    start_place: PlaceRef | None = Field(
        None, description="the 'Area:Arena' where they begin; defaults to home"
    )
    wake: TimeOfDay = Field("07:00", description="usual wake time as 'HH:MM'")
    sleep: TimeOfDay = Field("23:00", description="usual bedtime as 'HH:MM'")
    routine: list[RoutineItem] = Field(
        default_factory=list,
        description="a list of {at, activity, place}: the usual day, which plans start from",
    )
    memories: list[Annotated[str, Field(max_length=MAX_MEMORY_CHARS)]] = Field(
        default_factory=list,
        max_length=MAX_MEMORIES,
        description=f"a list of at most {MAX_MEMORIES} seed memories, one sentence each",
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

    The cross-checks read the raw data item by item rather than the validated Persona, so a
    persona with a schema error still has its places and relationships checked, and still
    counts as existing: relationships to it are not reported as well.
    """

    persona: Persona | None
    name: str | None  # as compared: NFKC, zero-width characters removed
    source: str
    prefix: str
    places: list[tuple[str, str, bool]]  # (field, value, whether an area will do)
    routine: list[tuple[int, RoutineItem]]  # (index, item) of the items valid on their own
    relationships: list[tuple[int, Relationship]]

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
        if places is not None:
            _check_places(entry, places, problems)
        _check_routine(entry, problems)
        _check_relationships(entry, names, shown(path), problems)
    problems.sort(key=lambda p: p.source)  # stable: each file's problems together, in order
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
    raw: dict[Any, Any] = data if isinstance(data, dict) else {}
    name = raw.get("name")
    places = [
        (key, clean_name(raw[key]), key == "workplace")
        for key in ("home", "workplace", "start_place")
        if isinstance(raw.get(key), str)
    ]
    return _Entry(
        persona,
        clean_name(name) if isinstance(name, str) else None,
        source,
        prefix,
        places,
        _items(_ROUTINE, raw.get("routine")),
        _items(_RELATIONSHIPS, raw.get("relationships")),
    )


_ROUTINE = TypeAdapter(RoutineItem)
_RELATIONSHIPS = TypeAdapter(Relationship)


def _items(adapter: TypeAdapter[Any], value: Any) -> list[tuple[int, Any]]:
    """(index, item) for each item of a raw list that is valid alone (the rest are reported)."""
    out = []
    for i, item in enumerate(value if isinstance(value, list) else []):
        try:
            out.append((i, adapter.validate_python(item)))
        except ValidationError:
            continue
    return out


def _check_places(entry: _Entry, places: Places, problems: list[SimInputError]) -> None:
    where = shown(places.source)
    routine = [(f"routine[{i}].place", item.place, False) for i, item in entry.routine]
    for field, value, area_ok in [*entry.places, *routine]:
        if value in places.arenas or (area_ok and value in places.areas):
            continue
        if area_ok:
            problem = f"{value!r} is not an area or 'Area:Arena' in {where}"
            fix = suggest(value, [*places.areas, *places.arenas])
        else:
            problem, fix = arena_problem(value, places.arenas, where)
        problems.append(entry.error(field, problem, fix))


def _check_routine(entry: _Entry, problems: list[SimInputError]) -> None:
    """Two routine items may not start at the same minute: one of them would never happen."""
    first: dict[str, int] = {}
    for i, item in entry.routine:
        if item.at in first:
            problems.append(
                entry.error(
                    f"routine[{i}].at",
                    f"{item.at} is also the start of routine[{first[item.at]}]; "
                    "only one of them could happen",
                    "give each item its own start time (any minute, e.g. '12:15')",
                )
            )
        first.setdefault(item.at, i)


def _check_relationships(
    entry: _Entry, names: list[str], set_name: str, problems: list[SimInputError]
) -> None:
    others = [n for n in names if n != entry.name]
    listed: set[str] = set()
    for i, rel in entry.relationships:
        field = f"relationships[{i}].name"
        if rel.name == entry.name:
            problems.append(
                entry.error(field, "a persona cannot have a relationship with themself", "")
            )
        elif rel.name not in others:
            problems.append(
                entry.error(
                    field,
                    f"no persona named {rel.name!r} in {set_name}",
                    suggest(rel.name, others),
                )
            )
        elif rel.name in listed:
            problems.append(
                entry.error(field, f"{rel.name!r} is listed twice", "merge the two entries")
            )
        listed.add(rel.name)
