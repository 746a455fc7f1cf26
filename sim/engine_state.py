"""An engine's state: JSON for checkpoints and files, shared handles for snapshots and forks.

Everything that changes during a run is here or reachable from here, so a fork, a reset and a
resume are all "build, then set the state". Memory streams travel as O(1) handles in snapshots
and as JSON only when written out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim import interventions
from sim.agent import Agent
from sim.cognition import converse
from sim.cognition.context import Cognition
from sim.llm.structured import LMCallRecord, LMStats, StructuredLM
from sim.memory.stream import StreamHandle
from sim.persona import Persona
from sim.types import JSON
from sim.world.policy import Policy
from sim.world.state import WorldState


@dataclass
class ActiveTalk:
    """A conversation that still occupies its participants for some ticks."""

    convo: converse.Conversation

    def line_at(self, tick: int) -> str:
        """The line being spoken at `tick`, spread evenly over the conversation's ticks."""
        c = self.convo
        i = min(len(c.lines) - 1, (tick - c.start_tick) * len(c.lines) // c.ticks)
        who, text = c.lines[i]
        return f"{who}: {text}"


@dataclass(frozen=True)
class EngineSnapshot:
    """An engine's state with memory streams held as shared O(1) handles, not JSON.

    `to_json()` gives exactly `Engine.get_state()` at the moment the snapshot was taken.
    """

    state: JSON  # get_state() without the memory records
    memories: dict[str, StreamHandle] = field(default_factory=dict)

    def to_json(self) -> JSON:
        """The full JSON-shaped state (checkpoints, files)."""
        agents = {
            n: {**a, "memory": self.memories[n].to_json()} for n, a in self.state["agents"].items()
        }
        return {**self.state, "agents": agents}


class EngineState:
    """The state half of `Engine`: what it holds, and how it is saved, restored and reset."""

    seed: int
    tick: int
    digest: str
    prepared: bool
    agents: dict[str, Agent]
    personas: dict[str, Persona]
    state: WorldState
    policy: Policy
    scheduled: list[interventions.Scheduled]
    notices: list[interventions.Notice]
    persona_changes: dict[str, JSON]
    generations: dict[str, int]
    talks: dict[str, ActiveTalk]
    lm: StructuredLM
    cog: Cognition
    _calls: list[LMCallRecord]
    _conversations: list[JSON]
    _frames_seen: dict[str, JSON]
    _objects_seen: dict[str, str]
    _marks: dict[str, int]

    def get_state(self) -> JSON:
        """JSON-shaped state of the whole run (checkpoints, forks, interviews)."""
        return self.snapshot().to_json()

    def snapshot(self) -> EngineSnapshot:
        """The whole state in O(agents): memory streams are shared, never copied."""
        state = {
            "tick": self.tick,
            "seed": self.seed,
            "digest": self.digest,
            "prepared": self.prepared,
            "agents": {n: a.get_state(memory=False) for n, a in self.agents.items()},
            "world": self.state.get_state(),
            "policy": self.policy.get_state(),
            "scheduled": [s.to_json() for s in self.scheduled],
            "notices": [n.to_json() for n in self.notices],
            "persona_changes": {n: dict(c) for n, c in sorted(self.persona_changes.items())},
            "generations": dict(self.generations),
            "talks": {n: t.convo.to_json() for n, t in sorted(self.talks.items())},
            "frames_seen": dict(self._frames_seen),
            "objects_seen": dict(self._objects_seen),
            "lm_stats": self.lm.stats.to_json(),
        }
        return EngineSnapshot(state, {n: a.memory.handle() for n, a in self.agents.items()})

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output (build the engine with the same world first)."""
        self._restore(state, None)

    def restore(self, snapshot: EngineSnapshot) -> None:
        """Restore from `snapshot()` output, sharing its memory rows."""
        self._restore(snapshot.state, snapshot.memories)

    def _restore(self, state: JSON, memories: dict[str, StreamHandle] | None) -> None:
        self.tick = int(state["tick"])
        self.seed = int(state["seed"])
        self.cog.seed = self.seed
        self.digest = state["digest"]
        self.prepared = bool(state.get("prepared", True))
        self.persona_changes = {n: dict(c) for n, c in state.get("persona_changes", {}).items()}
        for name, agent in self.agents.items():
            persona = self.personas[name]
            if name in self.persona_changes:
                persona = persona.model_copy(update=self.persona_changes[name])
            agent.set_persona(persona)
        for name, agent_state in state["agents"].items():
            self.agents[name].set_state(agent_state)
            if memories is not None:
                self.agents[name].memory.restore(memories[name])
            self._marks[name] = len(self.agents[name].memory)
        self.state.set_state(state["world"])
        self.policy.set_state(state.get("policy", Policy().get_state()))
        self.scheduled = [interventions.Scheduled.from_json(s) for s in state.get("scheduled", [])]
        self.notices = [interventions.Notice.from_json(n) for n in state.get("notices", [])]
        self.generations = {n: 0 for n in self.agents} | dict(state.get("generations", {}))
        self.talks = {
            n: ActiveTalk(converse.Conversation.from_json(c)) for n, c in state["talks"].items()
        }
        self._frames_seen = dict(state["frames_seen"])
        self._objects_seen = dict(state["objects_seen"])
        if "lm_stats" in state:
            self.lm.stats = LMStats(**state["lm_stats"])
        self.apply_rules()
        self._calls.clear()
        self._conversations.clear()
        self.cog.events, self.cog.retrievals = [], []

    def reset_world(self, snapshot: EngineSnapshot, label: str) -> None:
        """Return what interventions changed (policy, notices, schedule, personas) to
        `snapshot`; positions, time and minds are left as they are."""
        state = snapshot.state
        self.policy.set_state(state["policy"])
        self.scheduled = [interventions.Scheduled.from_json(s) for s in state["scheduled"]]
        self.notices = [interventions.Notice.from_json(n) for n in state["notices"]]
        self.persona_changes = {n: dict(c) for n, c in state["persona_changes"].items()}
        for name, agent in self.agents.items():
            agent.set_persona(
                self.personas[name].model_copy(update=self.persona_changes.get(name, {}))
            )
        self.apply_rules()
        self.cog.emit("reset", "", to=label, world=True)

    def apply_rules(self) -> None:
        """Show the policy's standing rules to every agent (they enter every prompt)."""
        rules = tuple(self.policy.rules)
        for agent in self.agents.values():
            agent.rules = rules

    def reset_agents(self, names: list[str], snapshot: EngineSnapshot, label: str) -> None:
        """Return agents' minds (memory, plans, cooldowns, pending observations) to `snapshot`.

        The rest of the world goes on. The agent's later memories start a new generation in
        the run database, so nothing recorded before the reset is overwritten.
        """
        for name in names:
            agent = self.agents[name]
            agent.set_state(snapshot.state["agents"][name])
            agent.memory.restore(snapshot.memories[name])
            self.generations[name] += 1
            self._marks[name] = len(agent.memory)
            self.cog.emit("reset", name, to=label, memories=len(agent.memory))
