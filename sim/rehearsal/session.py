"""A rehearsal session: attempts against one partner, with rewind, reset and rubric feedback.

The partner's state before each of the person's lines is kept as a snapshot, so `/retry N`
returns to exactly the state before turn N and `/reset` to exactly the seed state (memory,
agenda, opening and clock), and the attempt that follows is recorded as a new one. Attempts,
lines, judgements and LM calls go to the session's store as they happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.errors import SimInputError
from sim.rehearsal.judge import Score, judge
from sim.rehearsal.partner import Line, Partner, Snapshot
from sim.rehearsal.rubric import Rubric
from sim.rehearsal.store import SessionStore
from sim.types import JSON

MAX_LINE = 600  # characters of one typed line the prompts can hold with everything else


@dataclass
class Attempt:
    """One try at the conversation: its transcript and its latest judgement."""

    number: int
    origin: str
    lines: list[Line] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    scored_turns: int = -1  # the person's lines the scores judged (-1: not judged)

    @property
    def turns(self) -> int:
        """How many lines the person said in this attempt."""
        return sum(line.speaker == "you" for line in self.lines)


class RehearsalSession:
    """Drives a partner through attempts; the chat front end calls these methods."""

    def __init__(self, partner: Partner, rubric: Rubric, store: SessionStore | None) -> None:
        self.partner = partner
        self.rubric = rubric
        self.store = store
        self.attempts: list[Attempt] = []
        self._seed: Snapshot | None = None
        self._before: list[Snapshot] = []  # _before[i]: the partner before turn i + 1

    @property
    def attempt(self) -> Attempt:
        """The attempt in progress."""
        return self.attempts[-1]

    def start(self) -> list[Line]:
        """Prepare the partner (its opening line, if it leads) and begin attempt 1."""
        self.partner.prepare()
        self._seed = self.partner.snapshot()
        self._begin("start")
        return list(self.partner.lines)

    def get_state(self) -> JSON:
        """The partner's state: what `/retry` and `/reset` restore exactly."""
        return self.partner.get_state()

    def say(self, text: str) -> Line:
        """The person's line (at most MAX_LINE characters) and the partner's reply."""
        text = " ".join(text.split())
        if len(text) > MAX_LINE:
            raise SimInputError(
                "your line", "", f"{len(text)} characters is more than the model can hold",
                f"say it in at most {MAX_LINE} characters",
            )  # fmt: skip
        self._before.append(self.partner.snapshot())
        start = len(self.partner.lines)
        reply = self.partner.respond(text)
        new = self.partner.lines[start:]
        if self.store is not None:
            self.store.lines(self.attempt.number, len(self.attempt.lines), new)
        self.attempt.lines.extend(new)
        return reply

    def retry(self, turn: int) -> list[Line]:
        """Rewind to before the person's line `turn` and begin a new attempt from there."""
        if not 1 <= turn <= len(self._before):
            said = len(self._before)
            fix = f"use /retry 1 to /retry {said}" if said else "answer first, then /retry 1"
            raise SimInputError("/retry", "N", f"there is no turn {turn} yet", fix)
        self.partner.restore(self._before[turn - 1])
        del self._before[turn - 1 :]
        self._begin(f"retry of attempt {self.attempt.number} from turn {turn}")
        return list(self.partner.lines)

    def reset(self) -> list[Line]:
        """Return to the seed state and begin a new attempt."""
        assert self._seed is not None, "start() first"
        self.partner.restore(self._seed)
        self._before.clear()
        self._begin("reset")
        return list(self.partner.lines)

    def feedback(self) -> list[Score]:
        """The current attempt's scores so far (judged again only when it has new lines)."""
        return self._judged(self.attempt)

    def end(self) -> list[Attempt]:
        """Judge every attempt that has lines of the person's and is not judged as it stands."""
        for attempt in self.attempts:
            if attempt.turns:
                self._judged(attempt)
        return self.attempts

    def _judged(self, attempt: Attempt) -> list[Score]:
        if not attempt.turns:
            raise SimInputError(
                "/feedback", "", "nothing to judge yet", "answer at least once first"
            )
        if attempt.scored_turns != attempt.turns:
            p = self.partner
            p.cog.tick = attempt.number
            transcript = p.transcript(attempt.lines)
            attempt.scores = judge(self.rubric, p.scenario, p.persona.you, transcript, p.cog)
            attempt.scored_turns = attempt.turns
            if self.store is not None:
                self.store.scores(attempt.number, attempt.turns, attempt.scores)
        return attempt.scores

    def _begin(self, origin: str) -> None:
        """Open a new attempt holding the partner's transcript as it now stands."""
        attempt = Attempt(len(self.attempts) + 1, origin, list(self.partner.lines))
        self.attempts.append(attempt)
        if self.store is not None:
            self.store.attempt(attempt.number, origin, attempt.lines)
