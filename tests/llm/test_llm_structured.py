"""StructuredLM: validation, retries with shifted seeds, fallbacks, records and stats."""

from __future__ import annotations

import itertools
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from sim.llm.fake import FakeLM, ScriptedLM
from sim.llm.protocol import LMError, LMRequest, LMResponse, LMUnavailable, Message
from sim.llm.structured import CallContext, LMCallRecord, StructuredLM, extract_json
from sim.llm.wrappers import ReplayLM, ReplayMissError

MESSAGES = [Message("system", "You are Ada."), Message("user", "Where next?")]
CONTEXT = CallContext(purpose="plan", agent="Ada", tick=4, decision="next place")


class Move(BaseModel):
    place: Literal["cafe", "park"]
    minutes: int = Field(ge=1, le=60)


FALLBACK = Move(place="park", minutes=10)


class FlakyLM:
    """Raises LMError a set number of times, then answers."""

    name = "flaky"

    def __init__(self, failures: int, answer: str) -> None:
        self.failures = failures
        self.answer = answer

    def complete(self, request: LMRequest) -> LMResponse:
        if self.failures:
            self.failures -= 1
            raise LMError("connection reset")
        return LMResponse(self.answer, prompt_tokens=10, completion_tokens=5, model=self.name)


def _ask(lm: ScriptedLM | FlakyLM | FakeLM | ReplayLM, **kwargs: object) -> tuple:
    records: list[LMCallRecord] = []
    ticks = itertools.count()
    structured = StructuredLM(lm, sink=records.append, timer=lambda: float(next(ticks)))
    value = structured.ask(MESSAGES, Move, context=CONTEXT, fallback=FALLBACK, **kwargs)
    return value, records, structured


def test_valid_first_answer_is_returned_and_recorded() -> None:
    lm = ScriptedLM(['{"place": "cafe", "minutes": 30}'])
    value, records, structured = _ask(lm, seed=5, max_tokens=64, temperature=0.2)
    assert value == Move(place="cafe", minutes=30)
    [request] = lm.requests
    assert request.schema == Move.model_json_schema()
    assert request.schema_name == "Move"
    assert (request.seed, request.max_tokens, request.temperature) == (5, 64, 0.2)
    [record] = records
    assert record.outcome == "ok"
    assert (record.purpose, record.agent, record.tick, record.decision) == (
        "plan",
        "Ada",
        4,
        "next place",
    )
    assert record.request_key == request.key()
    assert record.request == request.to_json()
    assert record.latency_ms == 1000.0  # the injected timer advanced by one "second"
    assert record.to_json()["outcome"] == "ok"
    assert structured.stats.to_json()["ok"] == 1


def test_invalid_then_valid_retries_with_next_seed() -> None:
    lm = ScriptedLM(['{"place": "moon", "minutes": 30}', '{"place": "park", "minutes": 3}'])
    value, records, structured = _ask(lm, seed=9)
    assert value == Move(place="park", minutes=3)
    assert [r.outcome for r in records] == ["invalid", "ok"]
    assert [r.attempt for r in records] == [0, 1]
    assert [r.seed for r in lm.requests] == [9, 10]
    assert "place" in records[0].error
    assert structured.stats.invalid == 1 and structured.stats.calls == 2


def test_truncated_answer_is_retried_even_if_it_parses() -> None:
    cut = LMResponse('{"place": "cafe", "minutes": 30}', finish_reason="length")
    lm = ScriptedLM([cut, '{"place": "park", "minutes": 7}'])
    value, records, structured = _ask(lm)
    assert value == Move(place="park", minutes=7)
    assert [r.outcome for r in records] == ["truncated", "ok"]
    assert structured.stats.truncated == 1


def test_fenced_and_chatty_answers_are_parsed() -> None:
    lm = ScriptedLM(['Sure!\n```json\n{"place": "cafe", "minutes": 2}\n```\nEnjoy.'])
    value, records, _ = _ask(lm)
    assert value == Move(place="cafe", minutes=2)
    assert [r.outcome for r in records] == ["ok"]
    assert extract_json("no json here") == "no json here"


def test_all_invalid_returns_fallback_and_records_it() -> None:
    lm = ScriptedLM(["not json", "{}", '{"place": "cafe"}'])
    value, records, structured = _ask(lm)
    assert value is FALLBACK
    assert [r.outcome for r in records] == ["invalid", "invalid", "invalid", "fallback"]
    fallback = records[-1]
    assert fallback.attempt == 3
    assert Move.model_validate_json(fallback.response) == FALLBACK
    assert "minutes" in fallback.error
    assert structured.stats.fallbacks == 1 and structured.stats.ok == 0


def test_callable_fallback_is_called_only_when_needed() -> None:
    calls: list[int] = []

    def make() -> Move:
        calls.append(1)
        return FALLBACK

    structured = StructuredLM(ScriptedLM(['{"place": "cafe", "minutes": 1}']), max_attempts=1)
    structured.ask(MESSAGES, Move, context=CONTEXT, fallback=make)
    assert calls == []
    structured = StructuredLM(ScriptedLM(["oops"]), max_attempts=1)
    assert structured.ask(MESSAGES, Move, context=CONTEXT, fallback=make) == FALLBACK
    assert calls == [1]


def test_lm_errors_are_retried_then_succeed() -> None:
    value, records, structured = _ask(FlakyLM(2, '{"place": "cafe", "minutes": 4}'))
    assert value == Move(place="cafe", minutes=4)
    assert [r.outcome for r in records] == ["error", "error", "ok"]
    assert "connection reset" in records[0].error
    assert records[0].model == "flaky"
    assert structured.stats.errors == 2
    assert structured.stats.prompt_tokens == 10 and structured.stats.completion_tokens == 5


def test_exhausted_errors_fall_back_without_raising() -> None:
    value, records, _ = _ask(ScriptedLM([]))
    assert value is FALLBACK
    assert [r.outcome for r in records] == ["error"] * 3 + ["fallback"]


def test_replay_miss_propagates() -> None:
    with pytest.raises(ReplayMissError):
        _ask(ReplayLM([], name="fake"))


def test_cached_responses_are_counted() -> None:
    request_key = LMRequest(
        messages=tuple(MESSAGES), schema=Move.model_json_schema(), schema_name="Move"
    ).key()
    replay = ReplayLM([(request_key, LMResponse('{"place": "cafe", "minutes": 4}'))], name="x")
    _, records, structured = _ask(replay)
    assert records[0].cached and structured.stats.cached == 1


def test_fake_lm_answers_always_validate_through_structured_layer() -> None:
    structured = StructuredLM(FakeLM(1))
    for tick in range(20):
        structured.ask(
            MESSAGES, Move, context=CallContext("plan", tick=tick), fallback=FALLBACK, seed=tick
        )
    assert structured.stats.ok == 20 and structured.stats.fallbacks == 0


class _Flaky:
    """Fails every call while `down`, then answers."""

    name = "flaky"

    def __init__(self) -> None:
        self.down = True

    def complete(self, request: LMRequest) -> LMResponse:
        if self.down:
            raise LMError("connection refused")
        return LMResponse(text='{"answer": "yes"}')


class _Yes(BaseModel):
    answer: str


def _ask_yes(lm: StructuredLM) -> _Yes:
    return lm.ask(
        [Message("user", "?")], _Yes, context=CallContext("t"), fallback=_Yes(answer="no")
    )


def test_an_outage_stops_after_five_attempts_in_a_row_failed() -> None:
    lm = StructuredLM(_Flaky())
    assert _ask_yes(lm).answer == "no"  # three failed attempts: one fallback, as before
    with pytest.raises(LMUnavailable, match=r"connection refused \(5 calls in a row failed\)"):
        _ask_yes(lm)  # the second attempt of this call is the fifth failure in a row
    assert lm.stats.faults == {"error": 5} and lm.stats.fallbacks == 1


def test_a_server_that_comes_back_resets_the_streak() -> None:
    backend = _Flaky()
    lm = StructuredLM(backend)
    _ask_yes(lm)
    backend.down = False
    assert _ask_yes(lm).answer == "yes" and lm.failing == 0
    backend.down = True
    _ask_yes(lm)  # three failures since the success: still running
    assert lm.failing == 1


class _EveryOther:
    """Fails two calls of every three: never five in a row, but mostly down."""

    name = "flapping"

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, request: LMRequest) -> LMResponse:
        self.calls += 1
        if self.calls % 3:
            raise LMError("HTTP 503", "server_error")
        return LMResponse(text='{"answer": "yes"}')


def test_more_than_half_of_the_last_fifty_attempts_failing_is_an_outage() -> None:
    lm = StructuredLM(_EveryOther())
    with pytest.raises(LMUnavailable, match="26 of the last 50 calls failed"):
        for _ in range(100):
            assert _ask_yes(lm).answer == "yes"  # each call gets there on its third attempt
    assert lm.stats.ok == 12 and lm.stats.faults == {"server_error": 26}


def test_answers_that_are_only_wrong_are_not_an_outage() -> None:
    lm = StructuredLM(ScriptedLM(["not json"] * 30))
    for _ in range(10):
        assert _ask_yes(lm).answer == "no"
    assert lm.stats.faults == {"invalid": 30} and lm.stats.fallbacks == 10
