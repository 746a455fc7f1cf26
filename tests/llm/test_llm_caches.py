"""The per-call work the structured layer saves by remembering: each cached answer must equal
the one computed afresh, so a cache can change speed but never a request key, a log or a gate."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from sim.llm.protocol import LMRequest, Message
from sim.llm.shapes import answer_model
from sim.llm.structured import LMCallRecord, choices_of, schema_of
from sim.quality.checks import enum_values


class Step(BaseModel):
    action: Literal["read", "write", "nap"]
    minutes: Literal["5", "10"]
    note: str = Field(max_length=40)


class Plan(BaseModel):
    steps: list[Step]
    mood: Literal["calm"] | None = None


def _old_key(request: LMRequest) -> str:
    """The request key as it was first defined: the hash of the whole dump, keys sorted."""
    blob = json.dumps(request.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def test_request_keys_equal_the_hash_of_the_whole_sorted_dump() -> None:
    rng = random.Random(5)
    words = ["tea", "Zoë", "naïve", '"quoted"', "line\nbreak", "emoji 🙂", "\\", "</s>"]
    schemas: list[dict[str, Any]] = [schema_of(Plan), schema_of(Step), {"type": "object"}]
    for _ in range(200):
        messages = tuple(
            Message(rng.choice(["system", "user", "assistant"]), " ".join(rng.choices(words, k=5)))
            for _ in range(rng.randint(0, 3))
        )
        request = LMRequest(
            messages=messages,
            schema=rng.choice(schemas),
            schema_name=rng.choice(["Plan", "Step", "answer ü"]),
            max_tokens=rng.randint(1, 999),
            temperature=rng.choice([0.0, 0.2, 0.7, 1.0, 1e-7]),
            seed=rng.randint(-5, 10**12),
        )
        assert request.key() == _old_key(request)  # asked twice: the dump is then remembered
        assert request.key() == _old_key(request)


def test_a_new_schema_with_the_same_identity_as_an_old_one_is_not_mistaken_for_it() -> None:
    for i in range(600):  # past the number of schema dumps kept, so ids are freed and reused
        schema = {"type": "object", "title": f"T{i}"}
        request = LMRequest(messages=(Message("user", "hi"),), schema=schema)
        assert request.key() == _old_key(request)


def test_call_records_dump_as_the_dataclass_does() -> None:
    request = LMRequest(messages=(Message("user", "hello"),), schema=schema_of(Plan), seed=3)
    record = LMCallRecord(
        purpose="plan", agent="Ana Lee", tick=4, decision="next action", attempt=1,
        request_key=request.key(), request=request.to_json(), response='{"steps": []}',
        model="fake", prompt_tokens=12, completion_tokens=3, latency_ms=1.5, outcome="ok",
        cached=False, error="",
    )  # fmt: skip
    assert record.to_json() == asdict(record)
    assert LMCallRecord(**record.to_json()) == record


def test_cached_schemas_and_choices_equal_fresh_ones() -> None:
    for model in (Plan, Step):
        assert schema_of(model) == model.model_json_schema()
        assert schema_of(model) is schema_of(model)
        assert choices_of(model) == enum_values(model.model_json_schema())
    assert choices_of(Plan) == {"read", "write", "nap", "5", "10", "calm"}


def test_answer_models_are_shared_per_definition_and_keep_the_order_of_choices() -> None:
    first = answer_model(
        "Pick", place=(Literal["cafe", "park"], ...), note=(str, Field(max_length=9))
    )
    again = answer_model(
        "Pick", place=(Literal["cafe", "park"], ...), note=(str, Field(max_length=9))
    )
    assert again is first
    fresh = create_model(
        "Pick", place=(Literal["cafe", "park"], ...), note=(str, Field(max_length=9))
    )
    assert schema_of(first) == fresh.model_json_schema()
    swapped = answer_model(
        "Pick", place=(Literal["park", "cafe"], ...), note=(str, Field(max_length=9))
    )
    assert swapped is not first
    assert schema_of(swapped)["properties"]["place"]["enum"] == ["park", "cafe"]
    longer = answer_model(
        "Pick", place=(Literal["cafe", "park"], ...), note=(str, Field(max_length=8))
    )
    assert longer is not first
    assert answer_model("N", n=(Literal[1], ...)) is not answer_model("N", n=(Literal[True], ...))


def test_answer_models_nest_by_identity_of_their_parts() -> None:
    step = answer_model("S", action=(Literal["read", "nap"], ...))
    plan = answer_model("P", steps=(list[step], Field(min_length=1, max_length=3)))  # type: ignore[valid-type]
    assert answer_model("P", steps=(list[step], Field(min_length=1, max_length=3))) is plan  # type: ignore[valid-type]
    other = answer_model("S", action=(Literal["read", "walk"], ...))
    assert answer_model("P", steps=(list[other], Field(min_length=1, max_length=3))) is not plan  # type: ignore[valid-type]
    value = plan.model_validate_json('{"steps": [{"action": "nap"}]}')
    assert value.steps[0].action == "nap"  # type: ignore[attr-defined]


def _made(choices: list[str], most: int, name: str = "StepPlan") -> type[BaseModel]:
    """A prompt's answer class, built anew on every call as prompts build them."""
    step = create_model("PlanStep", action=(Literal[tuple(choices)], ...))  # type: ignore[valid-type]
    return create_model(name, steps=(list[step], Field(min_length=1, max_length=most)))  # type: ignore[valid-type]


def test_classes_made_anew_share_the_schema_of_their_shape_and_only_that() -> None:
    cases = [
        (["read", "nap"], 3, "StepPlan"),
        (["nap", "read"], 3, "StepPlan"),  # the same choices in another order
        (["read", "nap"], 4, "StepPlan"),
        (["read", "walk"], 3, "StepPlan"),
        (["read", "nap"], 3, "OtherPlan"),
    ]
    schemas = []
    for choices, most, name in cases:
        first, again = _made(choices, most, name), _made(choices, most, name)
        assert first is not again
        assert schema_of(first) == first.model_json_schema()
        assert schema_of(again) is schema_of(first)  # built once for the shape
        assert schema_of(again) == again.model_json_schema()
        schemas.append(schema_of(first))
    assert all(a != b for i, a in enumerate(schemas) for b in schemas[i + 1 :])


def test_a_class_that_makes_its_own_schema_is_never_matched_by_shape() -> None:
    class Custom(BaseModel):
        x: int

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {"type": "object", "title": "custom"}

    class Plain(BaseModel):
        x: int

    assert schema_of(Plain)["title"] == "Plain"
    assert schema_of(Custom) == {"type": "object", "title": "custom"}
