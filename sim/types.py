"""Frozen records shared across the engine and JSON state aliases; imports nothing from `sim`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

JSON = dict[str, Any]
Tile = tuple[int, int]
GameSeconds = int  # seconds since day 1 00:00 of game time

MemoryKind = Literal["observation", "plan", "reflection", "dialogue"]


@dataclass(frozen=True)
class Observation:
    """Something one agent perceives this tick: an agent doing something or an object's state."""

    subject: str  # agent name or "Area:Arena:object"
    description: str  # e.g. "Klaus Mueller is reading at the library desk"
    tile: Tile
    distance: float
    is_agent: bool
