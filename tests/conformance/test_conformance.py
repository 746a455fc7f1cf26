"""Every shipped world passes the conformance checks; each check fails on the fault it is for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.engine_state import EngineState
from sim.llm.protocol import LMRequest, LMResponse
from sim.llm.wrappers import ReplayLM, ReplayMissError
from sim.store.recorder import RunRecorder
from sim.testing import ConformanceError, check_world
from sim.testing.checks import CHECKS
from sim.types import JSON

ROOT = Path(__file__).resolve().parents[2]
WORLDS = sorted(p.parent for p in (ROOT / "worlds").glob("*/world.yaml"))
SMALL = ROOT / "worlds" / "willow"


def test_the_shipped_worlds_are_found() -> None:
    assert {w.name for w in WORLDS} >= {"willow", "town", "fernhill"}


@pytest.mark.parametrize("world", WORLDS, ids=[w.name for w in WORLDS])
def test_every_shipped_world_passes_every_check(world: Path) -> None:
    report = check_world(world, ticks=10, seed=1)
    assert sorted(report.passed) == sorted(CHECKS)
    assert 0 < report.conversation_tick <= 10 and len(report.round_trip_ticks) == 2


def _fails(check: str) -> None:
    with pytest.raises(ConformanceError) as caught:
        check_world(SMALL, ticks=8, seed=1)
    assert caught.value.check == check and caught.value.world == str(SMALL)
    assert str(caught.value).startswith(f"{SMALL}: {check}: ")


def test_a_state_that_loses_the_conversation_fails_the_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = EngineState.set_state

    def forgetful(self: EngineState, state: JSON) -> None:
        real(self, state)
        self.talks = {}

    monkeypatch.setattr(EngineState, "set_state", forgetful)
    with pytest.raises(ConformanceError) as caught:
        check_world(SMALL, ticks=8, seed=1)
    assert caught.value.check.startswith("round-trip")


def test_a_set_state_that_differs_the_second_time_fails_idempotence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = EngineState.set_state

    def drifting(self: EngineState, state: JSON) -> None:
        real(self, state)
        if getattr(self, "_last_tick", None) == state["tick"]:
            self.digest = "drifted"
        self._last_tick = state["tick"]  # type: ignore[attr-defined]

    monkeypatch.setattr(EngineState, "set_state", drifting)
    _fails("idempotent")


def test_a_recording_that_misses_answers_fails_the_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(self: ReplayLM, request: LMRequest) -> LMResponse:
        raise ReplayMissError("fake", request.key())

    monkeypatch.setattr(ReplayLM, "complete", missing)
    _fails("replay")


def test_a_wrong_checkpoint_fails_the_resume(monkeypatch: pytest.MonkeyPatch) -> None:
    real = RunRecorder.write_tick

    def wrong(self: RunRecorder, record: Any, checkpoint: JSON | None = None) -> None:
        # A checkpoint that forgot what it had recorded: the resumed run records it again.
        real(self, record, checkpoint and {**checkpoint, "frames_seen": {}})

    monkeypatch.setattr(RunRecorder, "write_tick", wrong)
    _fails("resume")
