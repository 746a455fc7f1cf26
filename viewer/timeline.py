"""The replay model: every agent's state at any tick, interpolated positions and timeline marks.

Frames are stored only when they change, so each agent keeps a sorted list of its frame ticks
and a lookup is one bisect; nothing is materialised per tick. No pygame here: tests and
`--screenshot` use the same model as the window.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from bisect import bisect_right, insort
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sim.clock import label

JSON = dict[str, Any]
# Event kinds with no timeline mark of their own (conversations are marked from their table);
# reflections and any kind a future writer adds (interventions, evaluations) get marks.
KNOWN_EVENTS = frozenset({"plan_day", "decompose", "react", "conversation"})


class Frame(NamedTuple):
    """One `frame` row: an agent's visible state from `tick` until its next frame."""

    tick: int
    agent: str
    x: int
    y: int
    action: str
    emoji: str
    place: str | None
    object: str | None
    chat: str | None


@dataclass(frozen=True)
class Mark:
    """Something to point at on the timeline bar: a conversation, a reflection, or other event."""

    tick: int
    kind: str
    agent: str
    ticks: int  # how long it lasts (conversations), else 0
    data: JSON


@dataclass
class Batch:
    """Rows for ticks after the ones already loaded, up to `last_tick` (complete ticks only)."""

    last_tick: int
    frames: list[Frame] = field(default_factory=list)
    objects: list[tuple[int, str, str | None]] = field(default_factory=list)
    events: list[JSON] = field(default_factory=list)
    conversations: list[JSON] = field(default_factory=list)
    retrievals: list[tuple[int, int, str]] = field(default_factory=list)  # (id, tick, agent)


class Track:
    """Values that change at sorted ticks; the value at `t` is the latest one at or before it."""

    def __init__(self) -> None:
        self.ticks: list[int] = []
        self.values: list[Any] = []

    def add(self, tick: int, value: Any) -> None:
        """Append a change; batches arrive in tick order so the lists stay sorted."""
        self.ticks.append(tick)
        self.values.append(value)

    def at(self, tick: int) -> Any:
        """The value in force at `tick`, or None before the first change."""
        i = bisect_right(self.ticks, tick)
        return self.values[i - 1] if i else None


class Timeline:
    """A recorded run as the viewer needs it: map layers, agents' tracks, objects and marks."""

    def __init__(self, layers: JSON, start_time: int, tick_seconds: int, agents: list[str]):
        self.layers = layers
        self.start_time = start_time
        self.tick_seconds = tick_seconds
        self.last_tick = -1
        self.tracks: dict[str, Track] = {name: Track() for name in agents}
        self.objects: dict[str, Track] = {}
        self.default_state = {o["key"]: o.get("state") for o in layers.get("objects", [])}
        self.events: list[JSON] = []
        self.conversations: list[JSON] = []
        self.retrievals: dict[str, Track] = {}
        self.marks: list[Mark] = []

    @property
    def agents(self) -> list[str]:
        """Every agent in the run, sorted (drawn in this order)."""
        return sorted(self.tracks)

    def add(self, batch: Batch) -> None:
        """Fold newly read rows into the model (the initial load and each `--follow` poll)."""
        for frame in batch.frames:
            self.tracks.setdefault(frame.agent, Track()).add(frame.tick, frame)
        for tick, key, state in batch.objects:
            self.objects.setdefault(key, Track()).add(tick, state)
        for rid, tick, agent in batch.retrievals:
            self.retrievals.setdefault(agent, Track()).add(tick, rid)
        self.events.extend(batch.events)
        self.conversations.extend(batch.conversations)
        self.conversations.sort(key=lambda c: c["tick"])
        for c in batch.conversations:
            who = ", ".join(c["participants"])
            insort(self.marks, Mark(c["tick"], "conversation", who, c["ticks"], c), key=_tick)
        for e in batch.events:
            if e["kind"] not in KNOWN_EVENTS:
                insort(self.marks, Mark(e["tick"], e["kind"], e["agent"], 0, e), key=_tick)
        self.last_tick = max(self.last_tick, batch.last_tick)

    def frame(self, agent: str, tick: int) -> Frame | None:
        """The agent's state at `tick` (its latest frame at or before it)."""
        return self.tracks[agent].at(tick)

    def position(self, agent: str, t: float) -> tuple[float, float] | None:
        """Tile position at fractional tick `t`, gliding between consecutive ticks' tiles."""
        tick = math.floor(t)
        a = self.frame(agent, tick)
        if a is None:
            return None
        frac = t - tick
        b = self.frame(agent, tick + 1) if frac > 0 and tick < self.last_tick else None
        if b is None or max(abs(b.x - a.x), abs(b.y - a.y)) > 1:  # a jump is not a walk
            return float(a.x), float(a.y)
        return a.x + (b.x - a.x) * frac, a.y + (b.y - a.y) * frac

    def object_state(self, key: str, tick: int) -> str | None:
        """An object's state text at `tick`; None when it is in its default state."""
        track = self.objects.get(key)
        state = track.at(tick) if track else None
        return None if state == self.default_state.get(key) else state

    def conversation_at(self, agent: str, tick: int) -> JSON | None:
        """The recorded conversation the agent is in at `tick` (rows appear once it ends)."""
        for c in self.conversations:
            if c["tick"] <= tick <= c["tick"] + c["ticks"] and agent in c["participants"]:
                return c
        return None

    def latest_event(self, kind: str, agent: str, tick: int) -> JSON | None:
        """The agent's most recent event of `kind` at or before `tick`."""
        found = None
        for e in self.events:
            if e["tick"] > tick:
                break
            if e["kind"] == kind and e["agent"] == agent:
                found = e
        return found

    def agent_events(self, kind: str, agent: str, tick: int) -> list[JSON]:
        """The agent's events of `kind` up to `tick`, oldest first."""
        return [
            e
            for e in self.events
            if e["tick"] <= tick and e["kind"] == kind and e["agent"] == agent
        ]

    def retrieval_id(self, agent: str, tick: int) -> int | None:
        """Id of the retrieval for the agent's last decision at or before `tick`."""
        track = self.retrievals.get(agent)
        return track.at(tick) if track else None

    def time(self, tick: int) -> int:
        """Game seconds at the start of `tick`."""
        return self.start_time + tick * self.tick_seconds

    def label(self, tick: int) -> str:
        """`day N HH:MM` for a tick."""
        return label(self.time(tick))

    def tick_at_time(self, seconds: int) -> int:
        """The tick that covers game time `seconds`."""
        return (seconds - self.start_time) // self.tick_seconds


def _tick(mark: Mark) -> int:
    return mark.tick


def agent_color(name: str) -> tuple[int, int, int]:
    """A bright colour derived from the name alone, so an agent looks the same in every run."""
    digest = hashlib.sha256(name.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    sat = (0.55, 0.7, 0.85)[digest[2] % 3]
    val = (0.78, 0.88, 0.98)[digest[3] % 3]
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return round(r * 255), round(g * 255), round(b * 255)


def ink(color: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads on `color`."""
    r, g, b = color
    return (20, 20, 24) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (250, 250, 250)


def initials(name: str, letters: int = 1) -> str:
    """Initials, `letters` of the first name: "Maya Torres" -> "MT" (or "MaT" with 2)."""
    parts = name.split()
    if not parts:
        return "?"
    first = parts[0][:letters].capitalize() if letters > 1 else parts[0][0].upper()
    return first + "".join(p[0].upper() for p in parts[1:2])


def short_names(names: list[str]) -> dict[str, str]:
    """Each agent's initials, with more of the first name where two would share them
    ("Thanh Nguyen" and "Tommy Nguyen" become "ThN" and "ToN")."""
    out: dict[str, str] = {}
    for letters in range(1, 4):
        tags = {n: initials(n, letters) for n in names if n not in out}
        counts: dict[str, int] = {}
        for tag in tags.values():
            counts[tag] = counts.get(tag, 0) + 1
        out |= {n: t for n, t in tags.items() if counts[t] == 1 or letters == 3}
    return out
