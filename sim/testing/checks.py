"""Conformance checks any world can be put through, in the spirit of Gymnasium's env_checker.

`check_world(path)` runs a world for a few ticks on the fake LM and the hash embedder, recording
it, and checks what forks, checkpoints and resumes rely on:

- **round-trip**: at seeded random ticks, and at one tick in the middle of a conversation (one is
  started if none happens), the engine state survives `json.dumps`/`json.loads`; a freshly built
  engine given it has the same digest, gives back the same state, and its next ticks have the
  same digests as the original run's;
- **idempotent**: setting the same state twice, or on an engine that has already run on, is the
  same as setting it once on a fresh one;
- **replay**: the run rebuilt from its recorded LM answers ends on the same digest, tick by tick;
- **resume**: the run cut off after its last tick (as by a crash, without a final checkpoint) and
  resumed with `Simulation.resume` ends on the same digest and goes on like the original.

The checks reach into the engine on purpose (they start a conversation between ticks when the
run holds none), which is why they live here and not in the engine.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import SimInputError
from sim.llm.wrappers import ReplayMissError
from sim.simulation import Simulation
from sim.types import JSON

CHECKS = ("round-trip", "round-trip mid-conversation", "idempotent", "replay", "resume")


class ConformanceError(AssertionError):
    """A world failed a conformance check; the message names the check and the world."""

    def __init__(self, check: str, world: str, problem: str) -> None:
        super().__init__(f"{world}: {check}: {problem}")
        self.check, self.world, self.problem = check, world, problem


@dataclass
class Report:
    """What `check_world` did: the ticks it checked and whether it had to start a talk."""

    world: str
    ticks: int
    round_trip_ticks: list[int]
    conversation_tick: int
    forced_conversation: bool
    passed: list[str] = field(default_factory=list)


@dataclass
class _Script:
    """How every copy of the run is driven: the same ticks, and the same forced conversation."""

    world: str
    seed: int
    force_at: int | None = None
    pair: tuple[str, str] | None = None

    def build(self, **options: object) -> Simulation:
        return Simulation.build(self.world, lm="fake", embedder="hash", seed=self.seed, **options)

    def play(
        self, sim: Simulation, until: int, each: Callable[[Simulation], None] | None = None
    ) -> None:
        """Step `sim` to tick `until`, starting the scripted conversation when its tick comes."""
        while sim.tick < until:
            sim.step()
            if sim.tick == self.force_at and self.pair is not None:
                _converse(sim, self.pair)
            if each is not None:
                each(sim)


def check_world(
    world: str | Path, *, ticks: int = 12, seed: int = 0, samples: int = 2, follow: int = 3
) -> Report:
    """Run every check on `world` for `ticks` ticks; raise ConformanceError at the first failure.

    `samples` random ticks (drawn from `seed`) and one mid-conversation tick are round-tripped,
    and each copy is compared with the original for `follow` ticks after it.
    """
    if ticks < 4:
        raise SimInputError(
            "check_world", "ticks", f"{ticks} is too few", "use 4 or more: to talk, then resume"
        )
    name = str(world)
    script = _Script(name, seed)
    with tempfile.TemporaryDirectory(prefix="sim-checks-") as tmp:
        db = Path(tmp) / "run.db"
        every = max(2, ticks * 2 // 3)  # a checkpoint before the end: resume re-runs the rest
        original = script.build(db=db, checkpoint_every=every)
        digests: dict[int, str] = {}
        states: dict[int, str] = {}
        talk_tick = _record(original, script, ticks, digests, states)
        rng = np.random.default_rng(seed)
        chosen = sorted(
            int(t) for t in rng.choice(np.arange(1, ticks), min(samples, ticks - 1), replace=False)
        )
        assert original.recorder is not None  # built with a db
        original.recorder.close()  # cut off as by a crash: no final checkpoint, status running
        report = Report(name, ticks, chosen, talk_tick, script.pair is not None)
        _round_trips(script, chosen, talk_tick, follow, digests, states, report)
        _replay(script, db, ticks, digests)
        report.passed.append("replay")
        _resume(script, db, follow, digests[ticks], states[ticks])
        report.passed.append("resume")
    return report


def _record(
    sim: Simulation, script: _Script, ticks: int, digests: dict[int, str], states: dict[int, str]
) -> int:
    """Run the original, keeping every tick's digest and state; the first tick with a talk under
    way is the mid-conversation tick (one is started at a third of the run if none has been)."""
    talk: list[int] = []

    def keep(s: Simulation) -> None:
        digests[s.tick] = s.digest
        states[s.tick] = json.dumps(s.engine.get_state())
        if s.engine.talks and not talk:
            talk.append(s.tick)
        if not talk and s.tick == max(1, ticks // 3):
            script.force_at, script.pair = s.tick, _idle_pair(s, script.world)
            _converse(s, script.pair)
            keep(s)

    digests[0] = sim.digest
    states[0] = json.dumps(sim.engine.get_state())
    script.play(sim, ticks, keep)
    return talk[0]


def _idle_pair(sim: Simulation, world: str) -> tuple[str, str]:
    """The first two agents (by name) awake and free to talk now."""
    now = sim.engine.now
    free = [n for n, a in sim.agents.items() if a.awake(now) and not a.talking(now)]
    if len(free) < 2:
        raise ConformanceError(
            "round-trip mid-conversation", world, "no two agents are free to talk to start one"
        )
    return free[0], free[1]


def _converse(sim: Simulation, pair: tuple[str, str]) -> None:
    """Start a conversation between ticks and record it, as an intervention would be."""
    engine = sim.engine
    engine.cog.tick, engine.cog.now = engine.tick, engine.now
    engine._converse(list(pair))  # the check drives the engine directly
    engine.flush()


def _normal(state: JSON) -> JSON:
    return json.loads(json.dumps(state))


def _round_trips(
    script: _Script,
    chosen: list[int],
    talk_tick: int,
    follow: int,
    digests: dict[int, str],
    states: dict[int, str],
    report: Report,
) -> None:
    """Restore each chosen tick into one copy, in turn: fresh the first time, used after."""
    copy = script.build()
    last = max(digests)
    for tick, check in [(t, "round-trip") for t in chosen] + [
        (talk_tick, "round-trip mid-conversation")
    ]:
        state = json.loads(states[tick])
        copy.engine.set_state(state)
        if _normal(copy.engine.get_state()) != state:
            raise ConformanceError(
                check, script.world, f"get_state after set_state differs at tick {tick}"
            )
        if copy.digest != digests[tick]:
            raise ConformanceError(
                check, script.world, f"the restored digest differs at tick {tick}"
            )
        if check.endswith("conversation") and not copy.engine.talks:
            raise ConformanceError(check, script.world, f"the conversation at tick {tick} was lost")
        copy.engine.set_state(json.loads(states[tick]))
        if _normal(copy.engine.get_state()) != state:
            raise ConformanceError(
                "idempotent", script.world, f"a second set_state at tick {tick} changed the state"
            )
        _same_ticks(script, copy, min(tick + follow, last), digests, check)
        report.passed += [c for c in (check, "idempotent") if c not in report.passed]


def _same_ticks(
    script: _Script, sim: Simulation, until: int, digests: dict[int, str], check: str
) -> None:
    """Play `sim` on and compare every tick's digest with the original run's."""

    def compare(s: Simulation) -> None:
        if s.digest != digests[s.tick]:
            raise ConformanceError(check, script.world, f"tick {s.tick - 1} went differently")

    script.play(sim, until, compare)


def _replay(script: _Script, db: Path, ticks: int, digests: dict[int, str]) -> None:
    """The run again, every LM answer taken from the recording."""
    replayed = script.build(replay=db)
    try:
        _same_ticks(script, replayed, ticks, digests, "replay")
    except ReplayMissError as exc:  # a request the recording never saw: the run went elsewhere
        raise ConformanceError("replay", script.world, str(exc)) from exc


def _resume(script: _Script, db: Path, follow: int, digest: str, final: str) -> None:
    """Resume the cut-off run; it must reach the same digest and then go on like a copy of the
    original's final state."""
    try:
        resumed = Simulation.resume(db)
    except SimInputError as exc:  # the re-run ticks did not reach the stored digest
        raise ConformanceError("resume", script.world, str(exc)) from exc
    try:
        if resumed.digest != digest:
            raise ConformanceError("resume", script.world, "the resumed digest differs")
        copy = script.build()
        copy.engine.set_state(json.loads(final))
        for _ in range(follow):
            resumed.step()
            copy.step()
            if resumed.digest != copy.digest:
                raise ConformanceError(
                    "resume", script.world, f"tick {copy.tick - 1} went differently after resuming"
                )
    finally:
        resumed.close()
