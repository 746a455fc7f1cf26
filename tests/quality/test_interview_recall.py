"""Persona-fact recall: the interviewee is told how it knows the people a question names, a
failed answer is asked again cooler before the fallback, and the battery's pass mark is a share
of enough questions that one sample does not decide."""

from __future__ import annotations

import json

import pytest

from sim.agent import Agent
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.interview import Reply, ask
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import ScriptedLM
from sim.llm.structured import LMCallRecord, StructuredLM
from sim.persona import Persona
from sim.quality.recall import (
    PASS_SHARE,
    RecallAnswer,
    RecallReport,
    battery,
    matches,
    someone_else,
)
from sim.quality.report import QualityReport
from sim.world.map import World

GOOD = "Maya Torres is my former pupil, and I am very proud of her."
BARE = json.dumps({"answer": "Maya Torres"})  # fewer than five words: rejected by the gate


@pytest.fixture
def eleanor(willow: World, willow_people: list[Persona]) -> Agent:
    persona = next(p for p in willow_people if p.name == "Eleanor Hale")
    return Agent(persona, HashEmbedder(), set(willow.arenas))


def interview(
    agent: Agent, question: str, answers: list[str]
) -> tuple[Reply, ScriptedLM, list[LMCallRecord]]:
    """Ask `agent` with the LM scripted to give `answers`; the reply, the LM and its records."""
    lm = ScriptedLM(answers)
    records: list[LMCallRecord] = []
    cog = Cognition(StructuredLM(lm, sink=records.append), CognitionConfig(), seed=0, now=9 * 3600)
    return ask(agent, question, cog), lm, records


@pytest.mark.parametrize("question", ["Who is Maya Torres?", "How do you know Maya?"])
def test_the_prompt_states_how_the_agent_knows_the_person_asked_about(
    eleanor: Agent, question: str
) -> None:
    _, lm, _ = interview(eleanor, question, [json.dumps({"answer": GOOD})])
    prompt = lm.requests[0].messages[-1].content
    told = 'You would say: "Maya Torres is my friend: my former pupil, now the busiest woman'
    assert told + ' on the lane; I am proud of her."' in prompt
    assert "Theo Okafor is my" not in prompt  # not named in the question
    # Near the end, where the small model uses it: after the memories, before the instruction.
    assert prompt.index("What you remember") < prompt.index(told) < prompt.index("Answer the")


def test_a_question_about_no_one_the_agent_knows_states_no_relationship(eleanor: Agent) -> None:
    _, lm, _ = interview(eleanor, "What are you doing today?", [json.dumps({"answer": GOOD})])
    assert "You would say" not in lm.requests[0].messages[-1].content


def test_a_fallback_answer_is_asked_again_at_a_lower_temperature(eleanor: Agent) -> None:
    reply, lm, records = interview(
        eleanor, "Who is Maya?", [BARE] * 3 + [json.dumps({"answer": GOOD})]
    )
    assert reply.answer == GOOD and not reply.fallback
    first, again = lm.requests[0], lm.requests[3]
    assert again.temperature < first.temperature
    assert again.messages == first.messages
    decisions = [r.decision for r in records]
    assert decisions[0] != decisions[-1] and "Who is Maya?" in decisions[-1]
    assert [r.outcome for r in records] == ["rejected"] * 3 + ["fallback", "ok"]


def test_an_answer_that_fails_again_is_reported_as_the_fallback(eleanor: Agent) -> None:
    reply, lm, records = interview(eleanor, "Who is Maya?", [BARE] * 6)
    assert reply.fallback and reply.answer == "I'd rather not say right now."
    assert len(lm.requests) == 6
    assert [r.outcome for r in records].count("fallback") == 2


def test_an_unreachable_model_is_not_asked_again(eleanor: Agent) -> None:
    reply, lm, _ = interview(eleanor, "Who is Maya?", [])  # every attempt is a backend error
    assert reply.fallback and len(lm.requests) == 3


def test_the_battery_asks_each_agent_about_everyone_it_knows(willow_people: list[Persona]) -> None:
    questions = battery(willow_people)
    known = {(p.name, r.name) for p in willow_people for r in p.relationships}
    assert len(questions) > 5 and {(q.agent, q.about) for q in questions} == known
    assert [q.agent for q in questions[:3]] == sorted(p.name for p in willow_people)
    who = [q for q in questions if q.question.startswith("Who is ")]
    assert len(who) == len(known) and questions[: len(who)] == who  # "Who is" comes first
    assert len(battery(willow_people, limit=4)) == 4


def test_an_answer_about_someone_else_recalls_nothing(willow_people: list[Persona]) -> None:
    names = [p.name for p in willow_people]
    asked = next(q for q in battery(willow_people) if q.agent == "Maya Torres")
    assert asked.about == "Eleanor Hale"
    wrong = "Theo Okafor is my friend, a little bossy; I suspect he is going to be a friend's son."
    other = someone_else(wrong, asked, names)
    assert matches(wrong, asked.expected) and other == "Theo Okafor"
    said = RecallAnswer(asked.agent, asked.question, wrong, asked.expected,
                        matches(wrong, asked.expected), False, about_other=other)  # fmt: skip
    assert not said.recalled
    for right in ("Eleanor is my friend, and Theo Okafor's too.", "She was my teacher."):
        assert someone_else(right, asked, names) is None


def _report(recalled: int, asked: int) -> RecallReport:
    def answer(hit: bool) -> RecallAnswer:
        said = "She was my pupil." if hit else "I'd rather not say right now."
        return RecallAnswer("Eleanor Hale", "Who is Maya Torres?", said, ("pupil",),
                            ("pupil",) if hit else (), False, fallback=not hit)  # fmt: skip

    return RecallReport(tuple(answer(i < recalled) for i in range(asked)))


@pytest.mark.parametrize(
    ("recalled", "asked", "passed"), [(8, 10, True), (7, 10, False), (5, 6, True), (4, 6, False)]
)
def test_the_pass_mark_is_a_share_of_the_questions(recalled: int, asked: int, passed: bool) -> None:
    report = _report(recalled, asked)
    assert report.passed is passed and report.share == pytest.approx(recalled / asked)
    data = report.to_json()
    assert data["pass_share"] == PASS_SHARE and data["passed"] is passed
    assert data["fallbacks"] == asked - recalled
    assert all("fallback" in a for a in data["answers"])
    quality = QualityReport("r.db", {}, {}, 0, 0, 0, 0, 0.5, "hash", {}, {}, {}, 0, 0, {}, report)
    target = {t.key: t for t in quality.headline()}["persona_recall"]
    assert target.passed is passed and target.shown.startswith(f"{recalled} of {asked} (")
    assert target.target == ">= 80% (4 of 5)"
