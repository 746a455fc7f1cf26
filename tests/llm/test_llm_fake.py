"""FakeLM must produce schema-valid answers for what pydantic emits, deterministically."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field, create_model

from sim.llm.fake import FakeLM, ScriptedLM
from sim.llm.protocol import LMError, LMRequest, LMResponse, Message


class Step(BaseModel):
    what: str = Field(max_length=30)
    minutes: int = Field(ge=5, le=120)


class Plan(BaseModel):
    place: Literal["cafe", "park", "home"]
    mood: int = Field(ge=1, le=10)
    note: str = Field(max_length=12)
    steps: list[Step] = Field(min_length=1, max_length=5)
    companion: str | None = None
    confidence: float = Field(gt=0, lt=1)
    kind: Literal["plan"] = "plan"
    urgent: bool
    tags: list[str] = Field(default_factory=list)


class Tree(BaseModel):
    label: str = Field(min_length=3, max_length=8)
    children: list[Tree] = Field(default_factory=list, max_length=2)


def _request(model: type[BaseModel], content: str = "hello", seed: int = 0) -> LMRequest:
    return LMRequest(
        messages=(Message("user", content),),
        schema=model.model_json_schema(),
        schema_name=model.__name__,
        seed=seed,
    )


@pytest.mark.parametrize("model", [Plan, Step, Tree])
def test_fake_answers_validate_against_pydantic_models(model: type[BaseModel]) -> None:
    lm = FakeLM(seed=7)
    for i in range(40):
        response = lm.complete(_request(model, content=f"prompt {i}"))
        model.model_validate_json(response.text)
        assert response.finish_reason == "stop"
        assert response.model == "fake"
        assert response.completion_tokens == max(1, len(response.text) // 4)


def test_fake_handles_dynamic_literal_enum_and_list_bounds() -> None:
    places = ("the library", "Hobbs Cafe", "town square")
    choice = create_model(
        "Choice",
        destination=(Literal[places], ...),  # type: ignore[valid-type]
        reasons=(list[str], Field(min_length=2, max_length=3)),
    )
    lm = FakeLM()
    seen = set()
    for i in range(30):
        answer = choice.model_validate_json(lm.complete(_request(choice, f"p{i}")).text)
        assert 2 <= len(answer.reasons) <= 3
        seen.add(answer.destination)
    assert seen == set(places)


def test_fake_strings_are_short_lowercase_words_within_bounds() -> None:
    lm = FakeLM()
    for i in range(30):
        plan = Plan.model_validate_json(lm.complete(_request(Plan, f"p{i}")).text)
        assert len(plan.note) <= 12
        assert plan.note == plan.note.lower()
        assert all(word.isalpha() for word in plan.note.split())


def test_fake_output_is_compact_json() -> None:
    text = FakeLM().complete(_request(Step)).text
    assert text == json.dumps(json.loads(text), separators=(",", ":"))


def test_fake_is_deterministic_per_request_and_seed() -> None:
    request = _request(Plan)
    assert FakeLM(3).complete(request).text == FakeLM(3).complete(request).text
    texts = {FakeLM(seed).complete(request).text for seed in range(8)}
    assert len(texts) > 4  # different seeds usually differ
    request_seeds = {FakeLM(3).complete(_request(Plan, seed=s)).text for s in range(8)}
    assert len(request_seeds) > 4  # so a retry with seed + 1 can change the answer


def test_fake_rejects_unknown_schema_types() -> None:
    request = LMRequest(messages=(), schema={"type": "frob"})
    with pytest.raises(ValueError, match="frob"):
        FakeLM().complete(request)


def test_scripted_returns_answers_in_order_and_records_requests() -> None:
    truncated = LMResponse(text='{"what": "wal', finish_reason="length")
    lm = ScriptedLM(['{"a": 1}', truncated])
    first, second = _request(Step, "one"), _request(Step, "two")
    assert lm.complete(first).text == '{"a": 1}'
    assert lm.complete(second) is truncated
    assert lm.requests == [first, second]
    with pytest.raises(LMError):
        lm.complete(first)
    assert lm.name == "scripted"
