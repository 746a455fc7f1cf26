"""The tick loop: perceive, decide (LM calls), converse, then apply moves in a fixed order.

`Engine(world, personas, lm, embedder, seed=...)` builds a world without calling the LM; the
first `step()` rates the seed memories. All state round-trips through `get_state`/`set_state`,
and `snapshot`/`restore` do the same in O(agents), sharing memory rows instead of copying them.

Deciding and applying are split. Each agent's decision (and each conversation) touches only its
own agents and records into its own cognition branch, so the `executor` may run them at once;
the branches are merged in name order and the moves applied in a fixed order, so the digest is
the same whatever the executor.
"""

from __future__ import annotations

from collections.abc import Callable

from sim import interventions
from sim.agent import Agent
from sim.clock import Clock, label
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.decide import Decision
from sim.cognition.react import FIRST_ACTION
from sim.embed.protocol import Embedder
from sim.engine_state import ActiveTalk, EngineState
from sim.executor import Executor, SerialExecutor
from sim.llm.protocol import LanguageModel
from sim.llm.structured import LMCallRecord, StructuredLM
from sim.perception import perceive
from sim.persona import Persona
from sim.record import Recorder, TickRecord, chain_digest
from sim.tick_work import Deciding, Holding, SeedRating
from sim.types import JSON
from sim.world.map import World
from sim.world.policy import Policy
from sim.world.state import Frame, Move, WorldState

SOCIAL_TIES = {"family", "partner", "friend", "neighbour"}


def known_places(world: World, persona: Persona, everyone: dict[str, Persona]) -> set[str]:
    """What a newcomer to the map knows: public places, its own home and work, friends' homes."""
    areas = {a.name for a in world.areas.values() if a.kind != "home"}
    areas.add(persona.home.split(":", 1)[0])
    if persona.workplace:
        areas.add(persona.workplace.split(":", 1)[0])
    for rel in persona.relationships:
        if rel.kind in SOCIAL_TIES and rel.name in everyone:
            areas.add(everyone[rel.name].home.split(":", 1)[0])
    return {path for area in areas for path in world.areas[area].arenas}


def seed_texts(persona: Persona) -> list[str]:
    """What an agent remembers at the start: the persona's memories, and how it knows each
    person in its relationships, so that "Who is Maya Torres?" has a memory to answer from."""
    known = [r.as_memory() for r in persona.relationships]
    return [*persona.memories, *known]


class Engine(EngineState):
    """A running world: agents, world state, clock and the cognition services."""

    def __init__(
        self,
        world: World,
        personas: list[Persona],
        lm: LanguageModel,
        embedder: Embedder,
        *,
        seed: int = 0,
        config: CognitionConfig | None = None,
        recorder: Recorder | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.world = world
        self.executor = executor or SerialExecutor()  # runs the tick's decisions and talks
        self.embedder = embedder  # shared by every agent's stream (and by forks)
        self.seed = seed
        self.clock = Clock(world.tick_seconds, world.start)
        self.config = (
            config or CognitionConfig(reflection_budget=world.reflection_budget)
        ).for_model(lm.name)
        self.recorder = recorder
        self.checkpoint_every = 0  # ticks between checkpoints written with a tick (0: never)
        self._calls: list[LMCallRecord] = []
        self._conversations: list[JSON] = []
        self.lm = StructuredLM(lm, sink=self._calls.append)
        self.cog = Cognition(self.lm, self.config, seed)
        self.personas = {p.name: p for p in sorted(personas, key=lambda p: p.name)}
        self.agents = {
            name: Agent(p, embedder, known_places(world, p, self.personas))
            for name, p in self.personas.items()
        }
        self.state = WorldState()
        self.policy = Policy()
        self.scheduled: list[interventions.Scheduled] = []
        self.notices: list[interventions.Notice] = []  # broadcasts still reaching arrivals
        self.persona_changes: dict[str, JSON] = {}
        self.generations = {name: 0 for name in self.agents}  # memory resets per agent
        self.talks: dict[str, ActiveTalk] = {}
        self.tick = 0
        self.prepared = False
        self.digest = ""
        self._frames_seen: dict[str, JSON] = {}
        self._objects_seen: dict[str, str] = {}
        self._marks = {name: 0 for name in self.agents}
        for name, agent in self.agents.items():
            start = agent.persona.start_arena
            self.state.frames[name] = Frame(
                self.world.entry_tile(start), FIRST_ACTION, "🙂", start, None
            )

    # Setup ------------------------------------------------------------------------------
    def prepare(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Rate and write the seed memories (once; the first step does it if nobody has).

        Kept out of the constructor so that building, forking and restoring never call the LM.
        `progress(done, total)` hears after each agent, counting seed memories; it may raise
        (KeyboardInterrupt to stop), and then the engine stays unprepared: a half-rated town
        is never marked ready or checkpointed.
        """
        if self.prepared:
            return
        self.cog.tick, self.cog.now = self.tick, self.clock.time(self.tick)
        texts = {name: seed_texts(a.persona) for name, a in self.agents.items()}
        rating = SeedRating(self, texts, progress)
        self.cog.merge(self.executor.map(rating, list(self.agents)))
        self.prepared = True

    def _mentions(self, speaker: str, text: str) -> tuple[str, ...]:
        """Other agents named in a text (full or first name)."""
        return tuple(n for n in self.agents if n != speaker and (n in text or n.split()[0] in text))

    # The tick ---------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """Game time of the next tick."""
        return self.clock.time(self.tick)

    def step(self) -> TickRecord:
        """Advance one tick: perceive, decide, converse, apply; returns what happened."""
        self.prepare()
        tick, now = self.tick, self.clock.time(self.tick)
        self.cog.tick, self.cog.now = tick, now
        interventions.apply_due(self)
        self.talks = {n: t for n, t in self.talks.items() if self.agents[n].talking(now)}
        available = frozenset(
            n for n, a in self.agents.items() if a.awake(now) and not a.talking(now)
        )
        deciding = [n for n in self.agents if n not in self.talks]
        seen = {
            n: perceive(self.world, self.state, n, self.world.vision_radius, self.world.attention)
            if n in available
            else []
            for n in deciding
        }
        decided = self.executor.map(Deciding(self, seen, available), deciding)
        self.cog.merge([cog for _, cog in decided])
        decisions = {n: d for n, (d, _) in zip(deciding, decided, strict=True)}
        self._converse_all(self._groups(decisions, available))
        self.state.apply_moves(self.world, self._moves(decisions, tick))
        for name, agent in self.agents.items():
            place = self.state.frames[name].place
            if place:
                agent.known_places.add(place)
        record = self._record(tick, now)
        self.tick += 1
        every = self.checkpoint_every
        self._write(record, self.get_state() if every and self.tick % every == 0 else None)
        return record

    def _groups(self, decisions: dict[str, Decision], available: frozenset[str]) -> list[list[str]]:
        """Resolve talk requests in name order; each agent joins at most one conversation."""
        taken: set[str] = set()
        groups = []
        for name, decision in decisions.items():
            target = decision.talk_to
            if not target or name in taken or target in taken or target not in available:
                continue
            place = self.state.frames[name].place
            group = [name, target]
            for other in sorted(available - taken - {name, target}):
                if len(group) >= self.config.max_group:
                    break
                friendly = all(
                    self.agents[other].chat_after.get(m, 0) <= self.cog.now for m in group
                )
                if place and self.state.frames[other].place == place and friendly:
                    group.append(other)
            taken.update(group)
            groups.append(group)
        return groups

    def _converse(self, names: list[str]) -> None:
        """Hold one conversation now and record it (the conformance checks start one)."""
        self._converse_all([names])

    def _converse_all(self, groups: list[list[str]]) -> None:
        """Hold the tick's conversations (at once, if the executor can), then record them in
        group order; the turns inside each stay in order."""
        held = self.executor.map(Holding(self), groups)
        for names, (convo, cog) in zip(groups, held, strict=True):
            self.cog.merge([cog])
            for name in names:
                self.talks[name] = ActiveTalk(convo)
            self.cog.emit(
                "conversation",
                names[0],
                id=convo.id,
                participants=names,
                place=convo.place,
                turns=len(convo.lines),
                ended_by=convo.ended_by,
            )
            self._conversations.append(convo.to_json())

    def _moves(self, decisions: dict[str, Decision], tick: int) -> list[Move]:
        """Each agent's move; talkers stand still and speak their line."""
        moves = []
        for name in self.agents:
            talk = self.talks.get(name)
            if talk is not None:
                others = [p for p in talk.convo.participants if p != name]
                moves.append(
                    Move(
                        name,
                        self.state.frames[name].tile,
                        f"talking with {', '.join(others)}",
                        "💬",
                        None,
                        chat=talk.line_at(tick),
                    )
                )
            else:
                moves.append(decisions[name].move)
        return moves

    def _record(self, tick: int, now: int, *, interlude: bool = False) -> TickRecord:
        """Collect what changed this tick, fold it into the digest and hand it to the recorder.

        An interlude records what happened between ticks (interventions, surveys, interviews)
        so that nothing is lost when a run ends without another step.
        """
        frames = {}
        for name, frame in () if interlude else self.state.frames.items():
            data = frame.to_json()
            if self._frames_seen.get(name) != data:
                frames[name] = data
                self._frames_seen[name] = data
        objects: dict[str, str | None] = {}
        if not interlude:  # positions and objects change only in ticks
            objects = {
                k: v for k, v in self.state.objects.items() if self._objects_seen.get(k) != v
            }
            objects.update({k: None for k in self._objects_seen if k not in self.state.objects})
            self._objects_seen = dict(self.state.objects)
        memories = []
        for name, agent in self.agents.items():
            generation = {"generation": self.generations[name]} if self.generations[name] else {}
            for i in range(self._marks[name], len(agent.memory)):
                memories.append({"agent": name, **generation, **agent.memory.record(i).to_json()})
            self._marks[name] = len(agent.memory)
        record = TickRecord(
            tick=tick,
            time=now,
            frames=frames,
            objects=objects,
            memories=memories,
            conversations=self._conversations,
            events=self.cog.events,
            retrievals=self.cog.retrievals,
            lm_calls=[c.to_json() for c in self._calls],
            interlude=interlude,
        )
        self._conversations, self.cog.events, self.cog.retrievals = [], [], []
        self._calls.clear()
        self.digest = record.digest = chain_digest(self.digest, record.log_entry())
        return record

    def _write(self, record: TickRecord, checkpoint: JSON | None = None) -> None:
        """Hand a record (and the state after it, when a checkpoint is due) to the recorder,
        which stores both in one transaction: a crash never leaves half a tick."""
        if self.recorder is not None:
            self.recorder.write_tick(record, checkpoint)

    def flush(self, checkpoint: Callable[[], JSON] | None = None) -> TickRecord | None:
        """Record what happened since the last tick (memories, events, LM calls), if anything.

        With `checkpoint`, the state it returns (asked for once the record is made) is stored in
        the same transaction, so a crash cannot keep the record without the state after it.
        """
        pending = self._calls or self.cog.events or self.cog.retrievals or self._conversations
        record = None
        if pending or any(len(a.memory) != self._marks[n] for n, a in self.agents.items()):
            record = self._record(self.tick, self.now, interlude=True)
        state = checkpoint() if checkpoint is not None else None
        if record is not None:
            self._write(record, state)
        elif state is not None and self.recorder is not None:
            self.recorder.checkpoint(self.tick, state)
        return record

    # Running ----------------------------------------------------------------------------
    def time_label(self) -> str:
        """Game time of the next tick."""
        return label(self.clock.time(self.tick))

    def summary(self) -> JSON:
        """Counts for the end-of-run summary."""
        kinds = ("observation", "plan", "reflection", "dialogue")
        return {
            "ticks": self.tick,
            "game_time": self.time_label(),
            "digest": self.digest[:16],
            "lm": self.lm.stats.to_json(),
            "agents": {
                name: {
                    **{k: sum(r.kind == k for r in a.memory.records) for k in kinds},
                    "status": f"{self.state.frames[name].action} @ {self.state.frames[name].place}",
                }
                for name, a in self.agents.items()
            },
        }
