"""The rubric judge: answers parse into scores, evidence and improvements; invented quotes flag."""

from __future__ import annotations

import json

from sim.cognition.context import Cognition, CognitionConfig
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.rehearsal.judge import judge, overall, quoted
from sim.rehearsal.rubric import load_rubric
from tests.rehearsal.helpers import RUBRIC, SCENARIO

TRANSCRIPT = [
    "Sam Rivera: What got you into rooftop farming?",
    "Guest: I started on the roof of my block in 2018 with six crates of lettuce.",
    "Sam Rivera: And what went wrong first?",
    "Guest: The wind.   We lost half the crop, so we built screens from old pallets.",
]


def verdict(score: int, quote: str, improvement: str) -> str:
    return json.dumps({"score": score, "quote": quote, "improvement": improvement})


def test_judge_answers_parse_into_scores_evidence_and_improvements() -> None:
    rubric = load_rubric(RUBRIC)
    answers = [
        verdict(4, "six crates of lettuce", "Name the street the roof was on."),
        verdict(3, '"we lost half the CROP,  so we built screens"', "Answer the question first."),
        verdict(5, "I read three chapters aloud to the host", "Keep it short."),  # invented
        verdict(2, "The wind. We lost half the crop", "Say what you learned."),
        verdict(1, "", "Give the listeners one tip."),
    ]
    lm = ScriptedLM(answers)
    scores = judge(rubric, SCENARIO, "guest", TRANSCRIPT,
                   Cognition(StructuredLM(lm), CognitionConfig(), seed=0))  # fmt: skip
    assert [s.criterion for s in scores] == [c.id for c in rubric.criteria]
    assert [s.score for s in scores] == [4, 3, 5, 2, 1]
    assert scores[0].quote == "six crates of lettuce"
    assert scores[0].improvement == "Name the street the roof was on."
    # Case, spacing and surrounding quote marks do not matter; an invented or empty quote does.
    assert [s.supported for s in scores] == [True, True, False, True, False]
    # Each criterion's prompt carried its anchored levels and the transcript.
    first = lm.requests[0].messages[1].content
    assert rubric.criteria[0].levels[5] in first and TRANSCRIPT[1] in first
    weights = [c.weight for c in rubric.criteria]
    expected = sum(w * s for w, s in zip(weights, [4, 3, 5, 2, 1], strict=True)) / sum(weights)
    assert overall(scores) == expected


def test_a_judge_that_gives_no_usable_answer_is_never_a_supported_score() -> None:
    rubric = load_rubric(RUBRIC)
    lm = ScriptedLM(["not json"] * 3 * len(rubric.criteria))
    scores = judge(rubric, SCENARIO, "guest", TRANSCRIPT,
                   Cognition(StructuredLM(lm), CognitionConfig(), seed=0))  # fmt: skip
    assert all(not s.supported and s.quote == "" for s in scores)


def test_quote_matching_ignores_case_and_spacing_but_not_words() -> None:
    assert quoted("THE WIND. we lost", TRANSCRIPT)
    assert quoted("“six crates of lettuce.”", TRANSCRIPT)
    assert not quoted("six crates of tomatoes", TRANSCRIPT)
    assert not quoted("  ", TRANSCRIPT)
