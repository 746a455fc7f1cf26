"""Changes made to a world while it runs: closed places, new opening hours, standing rules.

The map (`World`) is loaded once and shared by every fork, so what an intervention changes lives
here, in JSON-shaped state that forks copy and snapshots restore.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.clock import DAY
from sim.types import JSON, GameSeconds
from sim.world.map import World


@dataclass
class Policy:
    """Overrides of a world's opening hours, and the rules every prompt shows."""

    closed: set[str] = field(default_factory=set)  # areas closed until reopened
    hours: dict[str, tuple[GameSeconds, GameSeconds]] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)

    def is_open(self, world: World, area: str, t: GameSeconds) -> bool:
        """Whether `area` is open at game time `t`, after this policy's overrides."""
        if area in self.closed:
            return False
        if area not in self.hours:
            return world.is_open(area, t)
        now, (opens, closes) = t % DAY, self.hours[area]
        return opens <= now < closes if opens < closes else now >= opens or now < closes

    def get_state(self) -> JSON:
        """JSON-shaped state."""
        return {
            "closed": sorted(self.closed),
            "hours": {k: list(v) for k, v in sorted(self.hours.items())},
            "rules": list(self.rules),
        }

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output."""
        self.closed = set(state["closed"])
        self.hours = {k: (int(v[0]), int(v[1])) for k, v in state["hours"].items()}
        self.rules = list(state["rules"])
