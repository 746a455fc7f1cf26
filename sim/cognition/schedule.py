"""Plan records: the day's blocks and the short steps the current block is broken into."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sim.clock import label
from sim.types import JSON, GameSeconds


@dataclass(frozen=True)
class Block:
    """An hour-scale stretch of the day: what, where, from when to when."""

    start: GameSeconds
    end: GameSeconds
    activity: str
    place: str  # arena path "Area:Arena"


@dataclass(frozen=True)
class Step:
    """A 5-15 minute action, the unit the agent acts out and others perceive."""

    start: GameSeconds
    end: GameSeconds
    action: str
    place: str
    object: str | None  # object key "Area:Arena:object", or None
    emoji: str


@dataclass
class Schedule:
    """The day plan and its decomposed steps; JSON-shaped for checkpoints and forks."""

    day: int = -1
    blocks: list[Block] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    revise_at: GameSeconds | None = None  # when the usual day gets today's changes (None: done)

    def block_at(self, t: GameSeconds) -> Block | None:
        """The block covering time `t`, if any."""
        return next((b for b in self.blocks if b.start <= t < b.end), None)

    def step_at(self, t: GameSeconds) -> Step | None:
        """The step covering time `t`, if any."""
        return next((s for s in self.steps if s.start <= t < s.end), None)

    def replace_steps_from(self, t: GameSeconds, steps: list[Step]) -> None:
        """Keep steps that ended by `t`, then lay down `steps` (a re-plan of what follows)."""
        kept = [s for s in self.steps if s.end <= t]
        self.steps = kept + steps

    def summary(self) -> list[str]:
        """Human-readable lines of the day plan."""
        return [f"{label(b.start)[-5:]} {b.activity} ({b.place})" for b in self.blocks]

    def get_state(self) -> JSON:
        """JSON-shaped state."""
        return {
            "day": self.day,
            "blocks": [asdict(b) for b in self.blocks],
            "steps": [asdict(s) for s in self.steps],
            "revise_at": self.revise_at,
        }

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output."""
        self.day = int(state["day"])
        self.blocks = [Block(**b) for b in state["blocks"]]
        self.steps = [Step(**s) for s in state["steps"]]
        self.revise_at = state.get("revise_at")  # older states planned on waking


def lay_out_steps(
    start: GameSeconds,
    horizon_end: GameSeconds,
    parts: list[tuple[int, str, str | None, str]],
    place: str,
) -> list[Step]:
    """Turn (minutes, action, object, emoji) parts into contiguous steps filling [start, end).

    The model's minutes rarely add up exactly: extra steps are cut at the horizon and the
    last step is stretched to reach it, so the agent is never without an action.
    """
    steps: list[Step] = []
    t = start
    for minutes, action, obj, emoji in parts:
        if t >= horizon_end:
            break
        end = min(horizon_end, t + minutes * 60)
        steps.append(Step(t, end, action, place, obj, emoji))
        t = end
    if steps and steps[-1].end < horizon_end:
        last = steps[-1]
        steps[-1] = Step(last.start, horizon_end, last.action, place, last.object, last.emoji)
    return steps
