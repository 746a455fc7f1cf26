"""The world.yaml schema: pydantic models that reject unknown fields, so typos never pass silently.

Shape and type checks live here; checks that need the grid (tiles, reachability, object
placement) live in `sim.world.layout`, which reports them with the same field paths.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sim.limits import MAX_NAME_CHARS
from sim.world.files import parse_hhmm

AreaKind = Literal[
    "home",
    "cafe",
    "shop",
    "park",
    "library",
    "school",
    "bar",
    "office",
    "townhall",
    "street",
    "other",
]
TILE_KINDS = ("wall", "floor", "void")
_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200d\u2060\ufeff]")
_UNPRINTABLE = ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")  # controls, bidi marks, unassigned


def clean_name(text: str) -> str:
    """NFKC form without zero-width characters: names that look alike are the same name.

    Without it a zero-width space, or a full-width letter, would make a second "Maya Torres".
    """
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))


def _check_name(text: str) -> str:
    """Names become parts of "Area:Arena:object" keys, so they cannot hold ':' or be blank."""
    text = clean_name(text)
    odd = next((c for c in text if unicodedata.category(c) in _UNPRINTABLE), None)
    if odd is not None:
        raise ValueError(f"{text!r} holds the invisible or control character U+{ord(odd):04X}")
    if not text.strip():
        raise ValueError("name is blank")
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f"name is {len(text)} characters long; the most is {MAX_NAME_CHARS}")
    if ":" in text:
        raise ValueError(f"{text!r} contains ':', which separates Area:Arena:object")
    if text != text.strip():
        raise ValueError(f"{text!r} has leading or trailing spaces")
    return text


def _time_of_day(value: object) -> str:
    """A time as canonical "HH:MM" text ("9:00" becomes "09:00"), or a ValueError saying how."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"expected a time like '07:30', got {value!r}; write it in quotes, e.g. \"22:00\""
        )
    seconds = parse_hhmm(value)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _check_open(text: str) -> str:
    parse_open(text)
    return text


def parse_open(text: str) -> tuple[int, int]:
    """Opening hours "HH:MM-HH:MM" as (open, close) seconds of day; close may be past midnight."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"expected opening hours like '07:00-18:00', got {text!r}")
    opens, closes = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if opens == closes:
        raise ValueError(f"opening and closing time are equal in {text!r}; omit `open` for 24h")
    return opens, closes


Name = Annotated[str, AfterValidator(_check_name)]
PlaceRef = Annotated[str, AfterValidator(clean_name)]  # compared with names as they are
TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]
OpenHours = Annotated[str, AfterValidator(_check_open)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectSpec(_Strict):
    """A thing agents can use; it sits on a tile of its arena or on a wall right next to one."""

    name: Name = Field(description="the object's name, unique in its arena, e.g. 'coffee machine'")
    at: tuple[int, int] = Field(description="its tile as [x, y], counted from 0 at the top left")
    description: str = Field("", description="a short phrase describing it")
    state: str = Field("idle", description="its state text at the start, e.g. 'idle'")
    uses: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list,
        max_length=8,
        description="what people do with it, as short phrases, e.g. ['make coffee', "
        "'clean the machine']; a plan step is one of these (default: 'use the <name>')",
    )


class ArenaSpec(_Strict):
    """A room or zone inside an area; its tiles are the grid cells whose legend names it."""

    name: Name = Field(description="the arena's name, unique in its area, e.g. 'Kitchen'")
    description: str = Field("", description="a short phrase describing it")
    objects: list[ObjectSpec] = Field(
        default_factory=list, description="a list of {name, at, description, state}"
    )


class AreaSpec(_Strict):
    """A place on the map (a home, a cafe, a park) made of one or more arenas."""

    name: Name = Field(description="the area's name, unique in the world, e.g. 'Hobbs Cafe'")
    kind: AreaKind = Field(
        "other",
        description="one of: home, cafe, shop, park, library, school, bar, office, "
        "townhall, street, other",
    )
    description: str = Field("", description="a short phrase describing it")
    open: OpenHours | None = Field(
        None, description="opening hours like '07:00-18:00', or leave it out for always open"
    )
    arenas: list[ArenaSpec] = Field(
        min_length=1, description="a non-empty list of {name, description, objects}"
    )


class WorldSpec(_Strict):
    """The whole world.yaml file."""

    name: str = Field(description="the world's name, e.g. 'Willow Lane'")
    description: str = Field("", description="a paragraph describing the place")
    tick_seconds: int = Field(
        10, ge=1, le=3600, description="game seconds per tick (one step of one tile), 1..3600"
    )
    start: TimeOfDay = Field("07:00", description="start time on day 1 as 'HH:MM'")
    vision_radius: int = Field(6, ge=1, le=100, description="tiles an agent can see, 1..100")
    attention: int = Field(5, ge=1, le=100, description="nearest things an agent notices, 1..100")
    reflection_budget: int = Field(
        150, ge=1, description="importance total that triggers a reflection, a positive number"
    )
    personas: str | None = Field(
        None, description="the default persona set, relative to world.yaml"
    )
    legend: dict[str, PlaceRef] = Field(
        description="a mapping of one character to wall, floor, void or 'Area:Arena'"
    )
    grid: str = Field(description="a multi-line string (use `grid: |`) of equal-length rows")
    areas: list[AreaSpec] = Field(min_length=1, description="a non-empty list of areas")
