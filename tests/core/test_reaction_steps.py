"""A chosen gesture fits into the current step; a written reaction re-plans the steps."""

from __future__ import annotations

import json

from sim.agent import Agent
from sim.clock import HOUR
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.react import consider
from sim.cognition.schedule import Block, Step
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.persona import Persona
from sim.types import Observation
from sim.world.map import World

NOW = 10 * HOUR
DESK = "Willow Lane Library:Reading Room"


def busy_theo(willow_people: list[Persona], world: World) -> Agent:
    theo = Agent(next(p for p in willow_people if p.name.startswith("Theo")), HashEmbedder(), set())
    theo.schedule.day = 0
    theo.schedule.blocks = [Block(NOW - HOUR, NOW + HOUR, "work at the library", DESK)]
    theo.schedule.steps = [
        Step(NOW - 600, NOW + 1200, "shelve returned books", DESK, None, "📚"),
        Step(NOW + 1200, NOW + HOUR, "help readers at the desk", DESK, None, "💬"),
    ]
    return theo


def seen(name: str) -> Observation:
    return Observation(name, f"{name} is browsing the shelves", (1, 1), 2.0, True)


def test_a_chosen_wave_holds_up_the_step_for_a_moment_without_a_call(
    willow: World, willow_people: list[Persona]
) -> None:
    theo = busy_theo(willow_people, willow)
    answer = {"talk": False, "otherwise": "react", "reaction": "wave to Maya"}
    lm = ScriptedLM([json.dumps(answer)])
    cfg = CognitionConfig(reactions="choose", importance="anchors")
    cog = Cognition(StructuredLM(lm), cfg, seed=0, now=NOW)
    assert not consider(theo, seen("Maya Torres"), True, willow, cog)
    assert [r.schema_name for r in lm.requests] == ["Reaction"]  # no step plan asked
    steps = [(s.start - NOW, s.end - NOW, s.action) for s in theo.schedule.steps]
    assert steps == [
        (0, 120, "wave to Maya"),
        (120, 1200, "shelve returned books"),
        (1200, HOUR, "help readers at the desk"),
    ]
    replan = next(e for e in cog.events if e["kind"] == "decompose")
    assert replan["situation"] == "Maya Torres is browsing the shelves; I decided to wave to Maya"
    assert replan["interjection"]  # the quality check does not judge a wave as a step


def test_a_written_reaction_asks_for_new_steps(willow: World, willow_people: list[Persona]) -> None:
    theo = busy_theo(willow_people, willow)
    answer = {"talk": False, "otherwise": "react", "reaction": "help Maya find a book"}
    steps = {"steps": [{"minutes": "20", "action": "help readers at the desk", "emoji": "📚"}]}
    lm = ScriptedLM([json.dumps(answer), json.dumps(steps)])
    cfg = CognitionConfig(reactions="write", importance="anchors")
    cog = Cognition(StructuredLM(lm), cfg, seed=0, now=NOW)
    consider(theo, seen("Maya Torres"), True, willow, cog)
    assert {r.schema_name for r in lm.requests} == {"Reaction", "StepPlan"}
    assert "I decided to help Maya find a book" in lm.requests[1].messages[1].content
