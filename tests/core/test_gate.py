"""Quality gates: schema-valid nonsense is retried, counted apart, and never used."""

from __future__ import annotations

import json

from pydantic import BaseModel

from sim.cognition.gate import hard_failure, strip_speaker, text_failure
from sim.llm.fake import ScriptedLM
from sim.llm.protocol import Message
from sim.llm.structured import CallContext, StructuredLM


class Questions(BaseModel):
    questions: list[str]


def ask(lm: StructuredLM) -> Questions:
    return lm.ask(
        [Message("user", "?")],
        Questions,
        context=CallContext("reflect_questions"),
        fallback=Questions(questions=[]),
        check=hard_failure,
    )


def test_planted_nonsense_fails_and_plain_text_passes() -> None:
    assert text_failure("{{id}}}, {{name}} and {{name}}")
    assert text_failure("]{")
    assert text_failure("I am going to leave, I am going to leave")
    assert text_failure("write_a_story.txt")
    assert text_failure("What does Maya hope the picnic will bring?") is None
    assert text_failure("11:00") is None and text_failure("7") is None
    assert text_failure(", ") and text_failure(",")  # punctuation alone is a JSON scrap
    assert strip_speaker("Theo Okafor: Theo: see you at noon", ["Theo Okafor", "Maya Torres"]) == (
        "see you at noon"
    )


def test_a_leaking_answer_is_retried_and_counted_as_a_rejection() -> None:
    good = {"questions": ["What matters most to Eleanor this week?"]}
    lm = StructuredLM(
        ScriptedLM([json.dumps({"questions": ["{{name}} and {{id}}"]}), json.dumps(good)])
    )
    assert ask(lm).questions == good["questions"]
    assert lm.stats.rejected == 1 and lm.stats.invalid == 0 and lm.stats.fallbacks == 0


def test_nonsense_on_every_attempt_ends_in_the_fallback() -> None:
    bad = json.dumps({"questions": ["]{", ","]})
    lm = StructuredLM(ScriptedLM([bad] * 3))
    assert ask(lm).questions == []
    assert lm.stats.rejected == 3 and lm.stats.fallbacks == 1


def test_choices_pass_but_written_text_must_hold_words() -> None:
    from sim.prompts.base import choice

    class Step(BaseModel):
        action: str
        minutes: choice(["5", "10"])  # type: ignore[valid-type]

    assert hard_failure(Step(action="grind the beans", minutes="5")) is None
    assert hard_failure(Step(action="27", minutes="10"))  # a number is no plan step
    assert text_failure("on one espresso.}")  # a JSON scrap left at the end


def test_an_interview_answer_that_is_a_bare_name_is_retried() -> None:
    from sim.prompts.interview import interview

    call = interview("You are Eleanor Hale.", "day 1 09:00", [], ["I taught Maya"], "Who is Maya?")
    good = "Maya Torres is my former pupil, and I am proud of her."
    lm = StructuredLM(
        ScriptedLM([json.dumps({"answer": "Maya Torres"}), json.dumps({"answer": good})])
    )
    answer = lm.ask(
        call.messages,
        call.output,
        context=CallContext("interview", "Eleanor Hale", 0, "test"),
        fallback=call.fallback,
        check=call.check,
    )
    assert answer.answer == good
    assert lm.stats.rejected == 1


def test_a_dialogue_line_that_is_only_a_name_is_rejected() -> None:
    from sim.cognition.gate import dialogue_gate

    class Turn(BaseModel):
        utterance: str

    check = dialogue_gate(["Eleanor Hale", "Maya Torres"], "Good morning, Maya!")
    assert check(Turn(utterance="Eleanor Hale.")) == "a name alone is not a line"
    assert check(Turn(utterance="Morning, Eleanor! Tea?")) is None
