"""Reflection fires at the importance budget and writes insights that cite their evidence."""

from __future__ import annotations

import json

from sim.agent import Agent
from sim.cognition import reflect
from sim.cognition.context import Cognition, CognitionConfig
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.memory.stream import NewMemory
from sim.persona import Persona


def make_agent(persona: Persona) -> Agent:
    return Agent(persona, HashEmbedder(), set())


def test_trigger_counts_importance_of_new_memories(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[0])
    cog = Cognition(StructuredLM(ScriptedLM([])), CognitionConfig(reflection_budget=20), seed=0)
    agent.remember([NewMemory("observation", "a", 9), NewMemory("observation", "b", 9)], 0)
    assert not reflect.due(agent, cog)
    agent.remember([NewMemory("dialogue", "c", 2)], 0)
    assert reflect.due(agent, cog)


def test_insights_link_to_retrieved_evidence_with_depth(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[0])
    agent.remember(
        [
            NewMemory("observation", "Theo is writing at the cafe corner table", 6),
            NewMemory("dialogue", "Theo told me his novel is about the river", 7),
            NewMemory("observation", "the espresso machine is broken", 4),
        ],
        0,
    )
    agent.remember(
        [NewMemory("reflection", "Theo is devoted to his novel", 8, evidence=(0, 1))], 60
    )
    lm = ScriptedLM(
        [
            json.dumps({"questions": ["What is Theo working on?"]}),
            json.dumps(
                {
                    "insights": [
                        {
                            "insight": "Theo's novel matters deeply to him",
                            "evidence": ["1", "2"],
                            "importance": 7,
                        },
                    ]
                }
            ),
        ]
    )
    cfg = CognitionConfig(
        reflection_budget=10, reflection_questions=1, insights_per_question=1, reflection_evidence=3
    )
    cog = Cognition(StructuredLM(lm), cfg, seed=0, now=120)
    assert reflect.due(agent, cog)
    written = reflect.reflect(agent, cog)
    assert written == 1
    insight = agent.memory.records[-1]
    assert insight.kind == "reflection"
    assert insight.text == "Theo's novel matters deeply to him"
    # Statements were numbered in retrieval order; the evidence is mapped back to record ids.
    shown = cog.retrievals[-1]["memories"]
    expected = tuple(sorted({shown[0]["id"], shown[1]["id"]}))
    assert insight.evidence == expected
    deepest = max(agent.memory.records[e].depth for e in expected)
    assert insight.depth == deepest + 1
    assert agent.reflect_pressure == 0
    assert [e["kind"] for e in cog.events] == ["reflection", "reflect"]
    assert cog.events[-1]["questions"] == ["What is Theo working on?"]
    assert cog.events[-1]["insights"] == 1


def test_failed_reflection_writes_nothing_invented(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[1])
    agent.remember([NewMemory("observation", "it rained", 9)], 0)
    cog = Cognition(
        StructuredLM(ScriptedLM(["not json"] * 12)),
        CognitionConfig(reflection_budget=5),
        seed=0,
        now=60,
    )
    assert reflect.reflect(agent, cog) == 0
    assert all(r.kind != "reflection" for r in agent.memory.records)


def test_repeated_or_trivial_insights_are_not_stored(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[2])
    agent.remember([NewMemory("observation", "Maya gave me a free bun", 8)], 0)
    agent.remember([NewMemory("reflection", "Maya is kind to regulars", 6, evidence=(0,))], 0)
    insight = {"insight": "Maya is kind to regulars", "evidence": ["1"], "importance": 6}
    lm = ScriptedLM(
        [
            json.dumps({"questions": ["Who is kind?", "What matters?"]}),
            json.dumps({"insights": [insight, {**insight, "insight": "true"}]}),
            json.dumps(
                {
                    "insights": [
                        {**insight, "insight": "The cafe feels like home to me"},
                        {**insight, "insight": "the cafe feels like home to me"},
                    ]
                }
            ),
        ]
    )
    cfg = CognitionConfig(reflection_budget=1, reflection_questions=2, reflection_evidence=2)
    cog = Cognition(StructuredLM(lm), cfg, seed=0, now=60)
    assert reflect.reflect(agent, cog) == 1
    texts = [r.text for r in agent.memory.records if r.kind == "reflection"]
    assert texts == ["Maya is kind to regulars", "The cafe feels like home to me"]


def test_focal_points_ask_about_the_people_who_weigh_most(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[0])
    agent.remember(
        [
            NewMemory("observation", "Theo is writing", 3, subjects=("Theo Okafor",)),
            NewMemory("dialogue", "Maya told me about the bakery", 7, subjects=("Maya Torres",)),
            NewMemory("observation", "Theo is reading", 3, subjects=("Theo Okafor",)),
            NewMemory("observation", "the kettle is boiling", 2),
        ],
        0,
    )
    asked = reflect.focal_points(agent.memory.recent(10), 3, agent.name)
    assert asked == [
        "What do I make of Maya Torres lately?",
        "What do I make of Theo Okafor lately?",
        "What has mattered most to me today?",
    ]
    assert reflect.focal_points(agent.memory.recent(1), 3, agent.name) == [
        "What has mattered most to me today?"
    ]


def test_reflection_on_focal_points_asks_the_lm_only_for_insights(
    willow_people: list[Persona],
) -> None:
    agent = make_agent(willow_people[0])
    agent.remember(
        [NewMemory("dialogue", "Theo said the river flooded", 8, subjects=("Theo Okafor",))], 0
    )
    insight = {"insight": "Theo worries about the river", "evidence": ["1"], "importance": 6}
    lm = StructuredLM(ScriptedLM([json.dumps({"insights": [insight]})] * 2))
    cfg = CognitionConfig(reflection_budget=1, reflection_questions=2, reflection_focus="subjects")
    cog = Cognition(lm, cfg, seed=0, now=60)
    assert reflect.reflect(agent, cog) == 1
    assert cog.events[-1]["questions"] == [
        "What do I make of Theo Okafor lately?",
        "What has mattered most to me today?",
    ]
    assert [e["question"] for e in cog.events[:-1]] == ["What do I make of Theo Okafor lately?"]
    assert lm.stats.calls == 2  # one insight call per question, none to ask the questions


def test_the_embedded_model_reflects_on_focal_points_and_old_runs_keep_writing() -> None:
    assert CognitionConfig().for_model("smollm2-135m-instruct-q4_1").reflection_focus == "subjects"
    assert CognitionConfig().for_model("gpt-4o-mini").reflection_focus == "write"
    old = CognitionConfig().to_json()
    del old["reflection_focus"]
    assert CognitionConfig.from_json(old).reflection_focus == "write"


def test_a_busy_agent_reflects_at_most_once_per_gap(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[0])
    cfg = CognitionConfig(reflection_budget=5, reflection_gap_minutes=180)
    lm = StructuredLM(ScriptedLM([]))
    agent.remember([NewMemory("observation", "a crowd at the cafe", 9)], 0)
    assert reflect.due(agent, Cognition(lm, cfg, seed=0, now=3600))
    agent.last_reflected, agent.reflect_pressure = 3600, 50  # reflected; busy ever since
    assert not reflect.due(agent, Cognition(lm, cfg, seed=0, now=3600 + 179 * 60))
    assert reflect.due(agent, Cognition(lm, cfg, seed=0, now=3600 + 180 * 60))
    restored = make_agent(willow_people[0])
    restored.set_state(agent.get_state())
    assert restored.last_reflected == 3600


def test_an_insight_that_restates_a_memory_is_not_kept(willow_people: list[Persona]) -> None:
    agent = make_agent(willow_people[0])
    agent.remember(
        [
            NewMemory(
                "observation",
                "Aisha Rahman is heading to Millbrook College:Hallway",
                5,
                subjects=("Aisha Rahman",),
            )
        ],
        0,
    )
    copied = {"insight": "Aisha Rahman is heading to Millbrook College", "evidence": ["1"]}
    fresh = {"insight": "Aisha is always on the move for her campaign", "evidence": ["1"]}
    line = {"insight": "Aisha Rahman: what a great idea to come to the quad", "evidence": ["1"]}
    answer = {"insights": [{**i, "importance": 5} for i in (copied, fresh, line)]}
    lm = StructuredLM(ScriptedLM([json.dumps(answer)]))
    cfg = CognitionConfig(
        reflection_budget=1,
        reflection_questions=1,
        reflection_focus="subjects",
        insights_per_question=3,
    )
    cog = Cognition(lm, cfg, seed=0, now=60)
    assert reflect.reflect(agent, cog) == 1
    texts = [r.text for r in agent.memory.records if r.kind == "reflection"]
    assert texts == ["Aisha is always on the move for her campaign"]
    assert cog.events[-1]["restated"] == 2
