"""Game time: ticks <-> game seconds and human-readable labels; nothing reads the wall clock."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sim.types import GameSeconds

DAY = 24 * 3600
HOUR = 3600
_LABEL = re.compile(r"^(?:day\s*(\d+)\s+)?(\d{1,2}):(\d{2})$", re.IGNORECASE)


def parse_time_of_day(text: str) -> GameSeconds:
    """Parse "HH:MM" or "day N HH:MM" into game seconds since day 1 00:00."""
    m = _LABEL.match(text.strip())
    if not m:
        raise ValueError(f"expected 'HH:MM' or 'day N HH:MM', got {text!r}")
    day = int(m.group(1) or 1)
    hh, mm = int(m.group(2)), int(m.group(3))
    if day < 1 or hh > 23 or mm > 59:
        raise ValueError(f"time out of range: {text!r}")
    return (day - 1) * DAY + hh * HOUR + mm * 60


def label(t: GameSeconds) -> str:
    """Render game seconds as "day N HH:MM"."""
    day, rest = divmod(int(t), DAY)
    return f"day {day + 1} {rest // HOUR:02d}:{rest % HOUR // 60:02d}"


def hour_of_day(t: GameSeconds) -> int:
    """Hour (0-23) of the day that `t` falls in."""
    return int(t) % DAY // HOUR


@dataclass(frozen=True)
class Clock:
    """Maps tick numbers to game time; the tick length is set by the world file."""

    tick_seconds: int = 10
    start: GameSeconds = 7 * HOUR

    def time(self, tick: int) -> GameSeconds:
        """Game time at the start of `tick`."""
        return self.start + tick * self.tick_seconds

    def ticks_for(self, seconds: float) -> int:
        """Number of whole ticks that cover `seconds` of game time (at least one)."""
        return max(1, round(seconds / self.tick_seconds))
