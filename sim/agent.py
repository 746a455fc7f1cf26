"""One agent: its persona, memory stream, schedule and what cognition keeps between ticks.

The agent holds state only; the decisions that change it live in `sim.cognition`. Everything
here round-trips through `get_state`/`set_state`, so forks and checkpoints are "build, then set".
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.clock import DAY, parse_time_of_day
from sim.cognition.schedule import Schedule
from sim.embed.protocol import Embedder
from sim.memory.stream import MemoryStream, NewMemory
from sim.persona import Persona
from sim.types import JSON, GameSeconds, Observation

IDLE_WORDS = ("is sleeping", "is idle")


@dataclass(frozen=True)
class Pending:
    """A perceived event waiting to be rated and written to memory."""

    time: GameSeconds
    text: str
    subjects: tuple[str, ...]


class Agent:
    """State of one simulated person; cognition modules read and update it."""

    def __init__(self, persona: Persona, embedder: Embedder, known_places: set[str]) -> None:
        self.persona = persona
        self.name = persona.name
        self.memory = MemoryStream(embedder)
        self.schedule = Schedule()
        self.known_places = set(known_places)
        self.seen: dict[str, tuple[str, GameSeconds]] = {}
        self.pending: list[Pending] = []
        self.last_rated: GameSeconds = 0
        self.reflect_pressure = 0
        self.chat_after: dict[str, GameSeconds] = {}
        self.react_after: dict[str, GameSeconds] = {}
        self.busy_until: GameSeconds = -1
        self.approach: tuple[str, GameSeconds] | None = None  # walking over to talk: (who, until)
        self.reflections = 0
        self.last_reflected: GameSeconds | None = None
        self.rules: tuple[str, ...] = ()  # the world's standing rules, set by the engine
        self.wake = parse_time_of_day(persona.wake)
        self.sleep = parse_time_of_day(persona.sleep)

    def set_persona(self, persona: Persona) -> None:
        """Swap in changed persona attributes (an intervention); memory and plans stay."""
        self.persona = persona
        self.wake = parse_time_of_day(persona.wake)
        self.sleep = parse_time_of_day(persona.sleep)

    # Who the agent is ----------------------------------------------------------------
    def identity(self) -> str:
        """The persona summary that opens every prompt."""
        p = self.persona
        work = f" at {p.workplace}" if p.workplace else ""
        traits = ", ".join(p.traits)
        return (
            f"You are {p.name}, age {p.age}, {p.occupation}{work}. Traits: {traits}. "
            f"Household: {p.household}. Routine: {p.daily_routine} Now: {p.current_status}"
            f"{self._rules_line()}"
        )

    def _rules_line(self) -> str:
        """The rules in force in town, which every prompt shows (empty when there are none)."""
        return f" Rules in town now: {' '.join(self.rules)}" if self.rules else ""

    def brief(self) -> str:
        """A one-line identity for cheap prompts such as importance ratings."""
        p = self.persona
        traits = ", ".join(p.traits)
        rules = self._rules_line()
        return f"You are {p.name}, age {p.age}, {p.occupation}. Traits: {traits}.{rules}"

    def relation_to(self, other: str) -> str:
        """How this agent knows `other`, from the persona's relationships."""
        for rel in self.persona.relationships:
            if rel.name == other:
                return f"{other} ({rel.kind}: {rel.description})"
        return f"{other} (someone from around here)"

    # Time of day -----------------------------------------------------------------------
    def awake(self, now: GameSeconds) -> bool:
        """Whether `now` falls between the persona's wake and sleep times."""
        t = now % DAY
        wake, sleep = self.wake, self.sleep
        return wake <= t < sleep if wake < sleep else (t >= wake or t < sleep)

    def day_of(self, now: GameSeconds) -> int:
        """The agent's own day number: it starts at wake time, so a night owl still awake
        after midnight is living the previous day."""
        return (now - self.wake) // DAY

    def talking(self, now: GameSeconds) -> bool:
        """Whether a conversation still occupies the agent."""
        return now < self.busy_until

    # Perception to memory -------------------------------------------------------------
    def notice(self, observations: list[Observation], now: GameSeconds) -> list[Observation]:
        """Keep the observations that are new (not seen in the last hour) and buffer them."""
        fresh = []
        for obs in observations:
            last = self.seen.get(obs.subject)
            if last is not None and last[0] == obs.description and now - last[1] < 3600:
                continue
            self.seen[obs.subject] = (obs.description, now)
            subjects = (obs.subject,) if obs.is_agent else ()
            self.pending.append(Pending(now, obs.description, subjects))
            fresh.append(obs)
        return fresh

    def remember(self, items: list[NewMemory], now: GameSeconds) -> None:
        """Append memories and add their importance to the reflection pressure."""
        added = self.memory.add(items, now)
        self.reflect_pressure += sum(r.importance for r in added if r.kind != "reflection")

    # State ------------------------------------------------------------------------------
    def get_state(self, *, memory: bool = True) -> JSON:
        """JSON-shaped state of everything that changes during a run.

        With `memory=False` the stream is left out: snapshots hold it as a shared handle.
        """
        return {
            "name": self.name,
            **({"memory": self.memory.get_state()} if memory else {}),
            "schedule": self.schedule.get_state(),
            "known_places": sorted(self.known_places),
            "seen": {k: list(v) for k, v in sorted(self.seen.items())},
            "pending": [[p.time, p.text, list(p.subjects)] for p in self.pending],
            "last_rated": self.last_rated,
            "reflect_pressure": self.reflect_pressure,
            "chat_after": dict(sorted(self.chat_after.items())),
            "react_after": dict(sorted(self.react_after.items())),
            "busy_until": self.busy_until,
            "approach": list(self.approach) if self.approach else None,
            "reflections": self.reflections,
            "last_reflected": self.last_reflected,
        }

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output (the memory too, when the state holds it)."""
        if "memory" in state:
            self.memory.set_state(state["memory"])
        self.schedule.set_state(state["schedule"])
        self.known_places = set(state["known_places"])
        self.seen = {k: (v[0], int(v[1])) for k, v in state["seen"].items()}
        self.pending = [Pending(int(t), text, tuple(s)) for t, text, s in state["pending"]]
        self.last_rated = int(state["last_rated"])
        self.reflect_pressure = int(state["reflect_pressure"])
        self.chat_after = {k: int(v) for k, v in state["chat_after"].items()}
        self.react_after = {k: int(v) for k, v in state["react_after"].items()}
        self.busy_until = int(state["busy_until"])
        self.approach = (
            (state["approach"][0], int(state["approach"][1])) if state["approach"] else None
        )
        self.reflections = int(state["reflections"])
        self.last_reflected = state.get("last_reflected")  # states from before the gap
