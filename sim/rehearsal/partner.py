"""The rehearsal partner: a persona with a memory stream that plans, speaks and remembers.

Each of its lines goes through the town's one-utterance step (`sim.cognition.converse.say`,
with the same dialogue gate) on memories retrieved for that line, and each exchange is written
back into its stream, so later lines can refer to what the person said earlier. Everything that
changes lives in `get_state`, and `snapshot`/`restore` return to a moment exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.clock import HOUR
from sim.cognition.context import Cognition
from sim.cognition.converse import say
from sim.embed.protocol import Embedder
from sim.memory.retrieval import RetrievalConfig, retrieve
from sim.memory.stream import MemoryStream, NewMemory, StreamHandle
from sim.prompts import rehearsal
from sim.rehearsal.persona import RehearsalPersona
from sim.types import JSON, GameSeconds

START: GameSeconds = 9 * HOUR  # sessions take place on day 1 from 09:00
SECONDS_PER_LINE = 30  # game time between lines, so recency tells earlier talk from later
PROMPT_MEMORIES = 8  # memories shown with each line, as in the town's dialogue prompt
SHOWN_LINES = 8  # the most recent lines shown with each line
WRAP_UP = "wrap up the conversation warmly"
# Importance without an LM rating: the scenario matters most, then goals and the plan.
SCENARIO_IMPORTANCE, GOAL_IMPORTANCE, SEED_IMPORTANCE = 8, 6, 5
HEARD_IMPORTANCE, SAID_IMPORTANCE = 5, 4


@dataclass(frozen=True)
class Line:
    """One line of a rehearsal: who spoke in which exchange, and what the persona recalled."""

    speaker: str  # "persona" or "you"
    text: str
    turn: int  # 0 for the opening; N for the person's Nth line and the reply to it
    memories: tuple[int, ...] = ()  # ids of the memories retrieved for a persona line

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {"speaker": self.speaker, "text": self.text, "turn": self.turn,
                "memories": list(self.memories)}  # fmt: skip

    @classmethod
    def from_json(cls, data: JSON) -> Line:
        """Inverse of `to_json`."""
        return cls(data["speaker"], data["text"], int(data["turn"]), tuple(data["memories"]))


@dataclass(frozen=True)
class Snapshot:
    """A moment of a partner: its memory shared copy-on-write, and the rest as JSON."""

    memory: StreamHandle
    rest: JSON


class Partner:
    """The persona's side of a rehearsal. Building it does no work; `prepare` does."""

    def __init__(
        self,
        persona: RehearsalPersona,
        scenario: str,
        embedder: Embedder,
        cog: Cognition,
        retrieval: RetrievalConfig | None = None,
    ) -> None:
        self.persona = persona
        self.scenario = scenario
        self.cog = cog
        self.retrieval = retrieval or RetrievalConfig()
        self.memory = MemoryStream(embedder)
        self.agenda: list[str] = []
        self.point = 0  # the agenda point the persona brings up next
        self.now = START
        self.lines: list[Line] = []
        self.ended = False  # the persona's last line wrapped the conversation up

    @property
    def you(self) -> str:
        """The person's label in transcripts, e.g. "Guest"."""
        return self.persona.you[:1].upper() + self.persona.you[1:]

    @property
    def wrapping_up(self) -> bool:
        """The persona covered its agenda and chose to end: the conversation has run its course."""
        return self.ended and self.point >= len(self.agenda)

    @property
    def turns(self) -> int:
        """How many lines the person has said."""
        return sum(line.speaker == "you" for line in self.lines)

    def transcript(self, lines: Sequence[Line] | None = None) -> list[str]:
        """The lines (by default the current ones) as "Speaker: text"."""
        return [
            f"{self.persona.name if line.speaker == 'persona' else self.you}: {line.text}"
            for line in (self.lines if lines is None else lines)
        ]

    # Speaking ------------------------------------------------------------------------------
    def prepare(self) -> Line | None:
        """Seed the memory, plan the agenda, and open the conversation if the persona leads."""
        p = self.persona
        self._remember(
            [NewMemory("observation", m, SEED_IMPORTANCE) for m in p.memories]
            + [NewMemory("plan", f"In this conversation I want to {g}", GOAL_IMPORTANCE)
               for g in p.goals]
            + [NewMemory("observation", f"Today I talk with the {p.you}: {self.scenario}",
                         SCENARIO_IMPORTANCE)]
        )  # fmt: skip
        found = retrieve(self.memory, self.scenario, self.now, self.retrieval,
                         top_k=PROMPT_MEMORIES)  # fmt: skip
        call = rehearsal.agenda(
            p.identity(), self.scenario, p.goals, [m.record.text for m in found], p.you
        )
        planned = self.cog.ask(p.name, call, "agenda for the conversation")
        self.agenda = [point.strip() for point in planned.points if point.strip()] or [p.goals[0]]
        plan = "; ".join(self.agenda)
        self._remember([NewMemory("plan", f"My points for this talk: {plan}", GOAL_IMPORTANCE)])
        return self._speak() if p.role == "leads" else None

    def respond(self, text: str) -> Line:
        """Hear the person's line, remember it, and answer."""
        turn = self.turns + 1
        self.lines.append(Line("you", text, turn))
        self._remember([NewMemory("dialogue", f"The {self.persona.you} said: {text}",
                                  HEARD_IMPORTANCE)])  # fmt: skip
        return self._speak()

    def _speak(self) -> Line:
        """The persona's next line from the memories retrieved for it; remembered afterwards."""
        p = self.persona
        self.cog.tick, self.cog.now = self.turns, self.now
        next_point = self.agenda[self.point] if self.point < len(self.agenda) else WRAP_UP
        last = self.lines[-1].text if self.lines else self.scenario
        found = retrieve(self.memory, f"{last} {next_point}", self.now, self.retrieval,
                         top_k=PROMPT_MEMORIES)  # fmt: skip
        call = rehearsal.turn(
            p.identity(),
            self.scenario,
            p.role == "leads",
            self.agenda,
            next_point,
            [m.record.text for m in found],
            self.transcript()[-SHOWN_LINES:],
            p.name,
            p.you,
        )
        pairs = [(p.name if ln.speaker == "persona" else self.you, ln.text) for ln in self.lines]
        decision = f"line {len(self.lines) + 1} to the {p.you}"
        mine = [ln.text for ln in self.lines if ln.speaker == "persona"][-1:]
        said = say(p.name, call, [p.name, self.you], pairs, self.cog, decision, avoid=mine)
        if said.moves_on and self.point < len(self.agenda):
            self.point += 1
        self.ended = said.end
        line = Line("persona", said.utterance, self.turns, tuple(m.record.id for m in found))
        self.lines.append(line)
        self._remember([NewMemory("dialogue", f"I said to the {p.you}: {said.utterance}",
                                  SAID_IMPORTANCE)])  # fmt: skip
        return line

    def _remember(self, items: list[NewMemory]) -> None:
        """Append memories now, then let game time move on by one line."""
        self.memory.add(items, self.now)
        self.now += SECONDS_PER_LINE

    # State ---------------------------------------------------------------------------------
    def get_state(self) -> JSON:
        """JSON-shaped state of everything a rehearsal changes."""
        return {**self._rest(), "memory": self.memory.get_state()}

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output."""
        self.memory.set_state(state["memory"])
        self._set_rest(state)

    def snapshot(self) -> Snapshot:
        """This moment, cheaply: memory rows are shared, not copied."""
        return Snapshot(self.memory.handle(), self._rest())

    def restore(self, snapshot: Snapshot) -> None:
        """Become exactly the moment `snapshot` captured."""
        self.memory.restore(snapshot.memory)
        self._set_rest(snapshot.rest)

    def _rest(self) -> JSON:
        return {
            "agenda": list(self.agenda),
            "point": self.point,
            "now": self.now,
            "ended": self.ended,
            "lines": [line.to_json() for line in self.lines],
        }

    def _set_rest(self, state: JSON) -> None:
        self.agenda = list(state["agenda"])
        self.point = int(state["point"])
        self.now = int(state["now"])
        self.ended = bool(state["ended"])
        self.lines = [Line.from_json(line) for line in state["lines"]]
