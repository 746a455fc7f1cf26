"""Answering survey questions: values within the instrument, evidence, state and fallbacks."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest

from sim.agent import Agent
from sim.clock import HOUR
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.survey import answer
from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.memory.stream import NewMemory
from sim.persona import Persona
from sim.prompts.survey import survey_prompt
from sim.survey.instruments import Categorical, FreeText, Knows, Likert, Numeric, Question
from sim.world.map import World

MEMORIES = (
    "Maya said she is throwing a party at the cafe on Saturday",
    "The park was quiet this morning",
    "Theo fixed the bakery's oven",
    "I bought bread at the market",
)
INSTRUMENTS: list[Question] = [
    Likert(question="I am looking forward to the party.", points=7),
    Categorical(question="Where will the party be?", options=["cafe", "park", "library"]),
    Numeric(question="How many people will come?", minimum=0, maximum=30, unit="people"),
    FreeText(question="What do you know about the party?", max_chars=80),
    Knows(fact="Maya is throwing a party on Saturday"),
]
KNOWS = INSTRUMENTS[-1]


def _remembering(engine: Engine) -> tuple[Agent, Cognition]:
    """The first agent with a few memories, surveyed two hours after writing them.

    Any retrieval that refreshed last-access times would then show in the agent's state.
    """
    agent = next(iter(engine.agents.values()))
    agent.remember([NewMemory("observation", text, 5) for text in MEMORIES], engine.cog.now)
    engine.cog.now += 2 * HOUR
    return agent, engine.cog


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=lambda q: q.kind)
def test_each_kind_is_answered_within_its_instrument(
    make_engine: Callable[..., Engine], instrument: Question
) -> None:
    agent, cog = _remembering(make_engine())
    result = answer(agent, instrument, cog, stateful=False, wave="w1")
    shown = {m["id"] for m in cog.retrievals[-1]["memories"]}
    assert shown and set(result.evidence) <= shown
    assert not result.fallback
    assert (result.agent, result.question_id, result.kind) == (
        agent.name,
        instrument.id,
        instrument.kind,
    )
    assert (result.tick, result.time, result.wave, result.stateful) == (0, cog.now, "w1", False)
    if isinstance(instrument, Likert):
        assert result.value in range(1, 8) and result.label in instrument.labels
    elif isinstance(instrument, Categorical):
        assert instrument.options[int(result.value or 0)] == result.label
    elif isinstance(instrument, Numeric):
        assert result.value is not None and 0 <= result.value <= 30
    elif isinstance(instrument, FreeText):
        assert result.value is None and len(result.label) <= 80
    else:
        assert result.value == float(result.label == "yes" and bool(result.evidence))
    assert json.loads(json.dumps(result.to_json()))["evidence"] == list(result.evidence)


def test_the_prompt_shows_memories_by_id_and_evidence_may_cite_only_those() -> None:
    call = survey_prompt("You are Ada.", "day 1 09:00", [(3, "a picnic"), (7, "rain")], KNOWS)
    text = call.messages[-1].content
    assert "[3] a picnic\n[7] rain" in text and KNOWS.question in text
    evidence = call.output.model_json_schema()["properties"]["evidence"]
    assert evidence["items"]["enum"] == [3, 7] and evidence["maxItems"] == 3
    assert call.purpose == "survey_knows"
    assert (call.fallback.answer, call.fallback.rationale) == ("no", "no answer")


def test_stateless_answers_leave_the_agent_unchanged(make_engine: Callable[..., Engine]) -> None:
    agent, cog = _remembering(make_engine())
    before = copy.deepcopy(agent.get_state())
    for instrument in INSTRUMENTS:
        answer(agent, instrument, cog, stateful=False)
    assert agent.get_state() == before


def test_stateful_answer_adds_one_memory_with_the_question(
    make_engine: Callable[..., Engine],
) -> None:
    agent, cog = _remembering(make_engine())
    count = len(agent.memory)
    result = answer(agent, INSTRUMENTS[1], cog, stateful=True)
    assert len(agent.memory) == count + 1
    [memory] = agent.memory.recent(1)
    assert INSTRUMENTS[1].question in memory.text and result.label in memory.text
    assert (memory.kind, memory.importance, memory.created) == ("dialogue", 4, cog.now)
    shown = [m["id"] for m in cog.retrievals[-1]["memories"]]
    assert all(agent.memory.last_accessed(i) == cog.now for i in shown)
    assert result.stateful


def _scripted(
    willow: World, people: list[Persona], answers: list[str]
) -> tuple[Agent, Cognition, ScriptedLM]:
    agent = Agent(people[0], HashEmbedder(), set(willow.arenas))
    agent.remember([NewMemory("observation", MEMORIES[0], 6)], 0)
    lm = ScriptedLM(answers)
    return agent, Cognition(StructuredLM(lm), CognitionConfig(), seed=0, now=HOUR), lm


def _reply(answer_: str, evidence: list[int]) -> str:
    return json.dumps({"answer": answer_, "rationale": "Maya told me", "evidence": evidence})


def test_knows_counts_a_yes_only_with_cited_evidence(
    willow: World, willow_people: list[Persona]
) -> None:
    agent, cog, _ = _scripted(
        willow, willow_people, [_reply("yes", []), _reply("yes", [0]), _reply("no", [0])]
    )
    unbacked, backed, denied = (answer(agent, KNOWS, cog, stateful=False) for _ in range(3))
    assert (unbacked.value, unbacked.label, unbacked.evidence) == (0.0, "yes", ())
    assert (backed.value, backed.evidence) == (1.0, (0,))
    assert denied.value == 0.0


def test_citing_a_memory_not_shown_is_rejected_and_retried(
    willow: World, willow_people: list[Persona]
) -> None:
    agent, cog, lm = _scripted(willow, willow_people, [_reply("yes", [99]), _reply("yes", [0, 0])])
    result = answer(agent, KNOWS, cog, stateful=False)
    assert len(lm.requests) == 2
    assert result.evidence == (0,) and result.value == 1.0
    assert "[0] Maya said" in lm.requests[0].messages[-1].content


def test_a_failed_call_is_marked_as_fallback_without_a_value(
    willow: World, willow_people: list[Persona]
) -> None:
    agent, cog, _ = _scripted(willow, willow_people, ["not json"] * 3)
    result = answer(agent, INSTRUMENTS[0], cog, stateful=False)
    assert result.fallback
    assert (result.value, result.label, result.rationale, result.evidence) == (
        None,
        "no answer",
        "no answer",
        (),
    )


def test_with_no_memories_evidence_must_be_empty(
    willow: World, willow_people: list[Persona]
) -> None:
    agent = Agent(willow_people[0], HashEmbedder(), set(willow.arenas))
    lm = ScriptedLM([_reply("3", [0]), _reply("3", [])])
    cog = Cognition(StructuredLM(lm), CognitionConfig(), seed=0)
    result = answer(agent, Likert(question="Rate it.", points=4), cog, stateful=False)
    assert (result.value, result.evidence, len(lm.requests)) == (3.0, (), 2)
    assert "remember nothing" in lm.requests[0].messages[-1].content


def test_half_the_agents_see_ordered_scales_from_the_other_end() -> None:
    from sim.cognition.survey import reversed_scale
    from sim.prompts.survey import survey_prompt
    from sim.survey.instruments import Likert

    names = [f"Person {i}" for i in range(200)]
    flipped = sum(reversed_scale(n, seed=3) for n in names)
    assert 70 < flipped < 130  # about half
    assert all(reversed_scale(n, 3) == reversed_scale(n, 3) for n in names)  # stable per agent
    q = Likert("I like it here.", points=5)
    forward = survey_prompt("You are A.", "day 1 09:00", [], q)
    backward = survey_prompt("You are A.", "day 1 09:00", [], q, reverse=True)
    assert "from 1 (strongly disagree) to 5" in forward.messages[-1].content
    assert "from 5 (strongly agree) down to 1" in backward.messages[-1].content
    enum = backward.output.model_json_schema()["properties"]["answer"]["enum"]
    assert enum[0] == "strongly agree" and q.to_value("strongly agree")[0] == 5.0
