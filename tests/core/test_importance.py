"""Importance raters: the LM, or nearness to the scale's anchored examples for small models."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.cognition.context import CognitionConfig
from sim.cognition.importance import rate_by_anchors
from sim.embed.sentence import SentenceTransformerEmbedder
from sim.engine import Engine
from sim.llm.fake import FakeLM

EMBEDDED = "smollm2-135m-instruct-q4_1"


def test_auto_rates_with_anchors_only_for_the_small_embedded_model() -> None:
    auto = CognitionConfig()
    assert auto.for_model(EMBEDDED).importance == "anchors"
    assert auto.for_model("openai:gpt-4o-mini").importance == "lm"
    assert auto.for_model("fake").importance == "lm"
    assert CognitionConfig(importance="lm").for_model(EMBEDDED).importance == "lm"


def test_a_run_recorded_before_the_anchor_rater_replays_with_lm_ratings() -> None:
    old = {k: v for k, v in CognitionConfig().to_json().items() if k != "importance"}
    assert CognitionConfig.from_json(old).importance == "lm"
    assert CognitionConfig.from_json({**old, "importance": "anchors"}).importance == "anchors"


def test_anchor_ratings_make_no_lm_call(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(FakeLM(), config=CognitionConfig(importance="anchors"))
    engine.prepare()
    assert engine.lm.stats.calls == 0
    ratings = {r.importance for a in engine.agents.values() for r in a.memory.records}
    assert len(ratings) >= 2  # seed memories are rated, not all given one default


@pytest.mark.embedded
def test_anchor_ratings_follow_what_matters_and_spread_over_the_scale() -> None:
    texts = [
        "Theo Okafor is walking by",
        "the stove is off",
        "Maya Torres is making coffee at the espresso machine",
        "a poster on the noticeboard: Summer Picnic on Saturday",
        "I am organising the Willow Lane Summer Picnic this Saturday at noon",
        "Maya Torres told you the cafe will close forever next week",
        "Your house is on fire",
    ]
    ratings = dict(zip(texts, rate_by_anchors(SentenceTransformerEmbedder(), texts), strict=True))
    assert ratings["Your house is on fire"] >= 8
    assert ratings["Maya Torres told you the cafe will close forever next week"] >= 6
    assert ratings["Theo Okafor is walking by"] <= 2
    assert (
        ratings["the stove is off"]
        < ratings["a poster on the noticeboard: Summer Picnic on Saturday"]
    )
    assert len(set(ratings.values())) >= 5
