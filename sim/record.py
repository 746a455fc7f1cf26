"""What the engine emits each tick, and the recorder protocol that storage implements."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Protocol

from sim.types import JSON


@dataclass
class TickRecord:
    """Everything that happened in one tick, written in one transaction."""

    tick: int
    time: int
    frames: dict[str, JSON] = field(default_factory=dict)  # agents whose frame changed
    objects: dict[str, str | None] = field(default_factory=dict)  # None: back to default
    memories: list[JSON] = field(default_factory=list)  # {"agent": ..., **record}
    conversations: list[JSON] = field(default_factory=list)
    events: list[JSON] = field(default_factory=list)
    retrievals: list[JSON] = field(default_factory=list)
    lm_calls: list[JSON] = field(default_factory=list)
    digest: str = ""  # running digest of the log up to and including this tick
    interlude: bool = False  # recorded between ticks (interventions, surveys), no tick row

    def log_entry(self) -> JSON:
        """The deterministic event log for this tick (no telemetry): what the digest covers."""
        entry: JSON = {"interlude": True} if self.interlude else {}
        return entry | {
            "tick": self.tick,
            "time": self.time,
            "frames": self.frames,
            "objects": self.objects,
            "memories": self.memories,
            "conversations": self.conversations,
            "events": self.events,
        }


def chain_digest(previous: str, entry: JSON) -> str:
    """Fold one log entry into the running digest of the run."""
    blob = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous + blob).encode()).hexdigest()


class Recorder(Protocol):
    """Where a run goes: the SQLite store, or nothing in tests."""

    def write_tick(self, record: TickRecord, checkpoint: JSON | None = None) -> None:
        """Persist one tick atomically, with the engine state after it when one is given."""
        ...

    def checkpoint(self, tick: int, state: JSON) -> None:
        """Persist a full engine state (agents, world) for inspection, forks and resume."""
        ...
