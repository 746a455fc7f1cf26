"""What kind of dwelling a bedroom is, and which households it can hold.

World files name rooms, not dwellings, so the kind is read from the names: a room in a residence
hall ("Harlow Hall:Room 101"), a single room in a shared flat ("Unit 2 Spare Room"), a flat or
loft ("Unit 3", "Mill Lofts:Loft A") or a house ("Oak House:Bedroom"). The generator places
households only where they fit, and the coherence checker reads the same names back.
"""

from __future__ import annotations

import re
from typing import Literal

Dwelling = Literal["hall", "room", "flat", "house"]
# Area words of student residences and arena or area words of self-contained flats.
HALL_WORDS = frozenset({"hall", "halls", "dorm", "dorms", "dormitory", "residence", "hostel"})
FLAT_WORDS = frozenset({"unit", "flat", "flats", "apartment", "apartments", "apt", "loft", "lofts"})
# Arena words of rooms that a household shares; nobody sleeps in them.
SHARED_ROOMS = (
    "hall",
    "kitchen",
    "living",
    "laundry",
    "common",
    "garden",
    "study",
    "parlour",
    "yard",
    "lobby",
    "porch",
    "bath",
    "dining",
)
_OWNER = re.compile(r"([A-Z][\w-]*)['’]s\b")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def dwelling(home: str) -> Dwelling:
    """The kind of dwelling an 'Area:Arena' bedroom belongs to."""
    area, _, arena = home.partition(":")
    if _words(area) & HALL_WORDS:
        return "hall"
    if "room" in _words(arena):
        return "room"
    if (_words(area) | _words(arena)) & FLAT_WORDS:
        return "flat"
    return "house"


def owner(home: str) -> str | None:
    """The first name a room is named after ("Unit 2 Marcus's Room" -> "Marcus"), if any."""
    found = _OWNER.search(home.partition(":")[2])
    return found.group(1) if found else None


def shared(arena: str) -> bool:
    """Whether an arena name is a room a household shares (kitchen, living room, hallway)."""
    return any(word in arena.lower() for word in SHARED_ROOMS)


def fits(kind: Dwelling, adults: int, kids: int, students: bool) -> bool:
    """Whether a household fits a dwelling: families get a flat or a house, a single room holds
    one adult, and a residence hall one student."""
    if kind in ("hall", "room"):
        return adults == 1 and kids == 0 and (students or kind == "room")
    return True


def studies(occupation: str) -> bool:
    """Whether an occupation title is a student's ('college student', 'student nurse')."""
    return "student" in _words(occupation)
