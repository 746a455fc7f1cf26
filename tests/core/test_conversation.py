"""A full conversation driven by a scripted model: turns, ending, memories and cooldown."""

from __future__ import annotations

import json

from sim.agent import Agent
from sim.clock import HOUR
from sim.cognition import converse
from sim.cognition.context import Cognition, CognitionConfig
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.memory.stream import NewMemory
from sim.persona import Persona
from sim.world.map import World


def people(willow_people: list[Persona], world: World) -> tuple[Agent, Agent, Agent]:
    by = {p.name.split()[0]: Agent(p, HashEmbedder(), set(world.arenas)) for p in willow_people}
    return by["Eleanor"], by["Maya"], by["Theo"]


def turn(text: str, end: bool = False) -> str:
    return json.dumps({"utterance": text, "end": end})


def test_scripted_two_person_conversation(willow: World, willow_people: list[Persona]) -> None:
    eleanor, maya, _ = people(willow_people, willow)
    eleanor.remember(
        [NewMemory("observation", "Maya bakes cardamom buns", 4, subjects=("Maya Torres",))], 0
    )
    lm = ScriptedLM(
        [
            turn("Maya, will you bring coffee to the picnic on Saturday?"),
            turn("Of course, and buns too."),
            turn("Wonderful, noon at the park.", end=True),
            json.dumps(
                {
                    "summary": "Maya will bring coffee and buns to the picnic.",
                    "intention": "nothing",
                    "importance": 7,
                }
            ),
            json.dumps(
                {
                    "summary": "I promised coffee and buns for Eleanor's picnic.",
                    "intention": "bake extra buns on Saturday",
                    "importance": 6,
                }
            ),
            json.dumps(
                {
                    "steps": [
                        {
                            "minutes": "15",
                            "action": "free time",
                            "emoji": "🍳",
                        }
                    ]
                }
            ),
        ]
    )
    cog = Cognition(StructuredLM(lm), CognitionConfig(), seed=0, tick=5, now=9 * HOUR)
    convo = converse.hold([eleanor, maya], "Juniper Cafe:Seating", cog, tick_seconds=10)
    assert [who for who, _ in convo.lines] == ["Eleanor Hale", "Maya Torres", "Eleanor Hale"]
    assert convo.ended_by == "choice"
    assert convo.ticks == 6  # 3 turns x 20 s at 10 s a tick
    # The first speaker's prompt carried what she remembers about her partner.
    assert "Maya bakes cardamom buns" in lm.requests[0].messages[1].content
    assert "Of course, and buns too." in lm.requests[2].messages[1].content
    until = cog.now + convo.ticks * 10
    for agent in (eleanor, maya):
        agent.busy_until = until
        converse.conclude(agent, convo, willow, cog)
    dialogue = [r for r in maya.memory.records if r.kind == "dialogue"]
    assert any("coffee to the picnic" in r.text for r in dialogue)
    assert any(r.text == "I promised coffee and buns for Eleanor's picnic." for r in dialogue)
    assert all(r.subjects == ("Eleanor Hale",) for r in dialogue)
    assert any("bake extra buns" in r.text for r in maya.memory.records if r.kind == "plan")
    assert not any(r.kind == "plan" for r in eleanor.memory.records)  # "nothing" intended
    # Re-planned after the talk, with the intention as the news the steps must fit.
    assert "bake extra buns" in lm.requests[-1].messages[1].content
    assert maya.schedule.steps[0].action == "free time"
    assert maya.chat_after["Eleanor Hale"] == until + 120 * 60
    assert eleanor.chat_after["Maya Torres"] == until + 120 * 60


def test_conversation_stops_at_the_turn_limit_and_survives_bad_answers(
    willow: World, willow_people: list[Persona]
) -> None:
    eleanor, maya, theo = people(willow_people, willow)
    lm = ScriptedLM([turn(f"line {i}") for i in range(4)] + ["not json"] * 20)
    cog = Cognition(StructuredLM(lm), CognitionConfig(max_turns=6), seed=0, now=9 * HOUR)
    convo = converse.hold([eleanor, maya, theo], "Willow Park:Lawn", cog, tick_seconds=10)
    assert len(convo.lines) == 5  # four scripted lines, then the fallback line ends it
    assert [w for w, _ in convo.lines[:4]] == [
        "Eleanor Hale",
        "Maya Torres",
        "Theo Okafor",
        "Eleanor Hale",
    ]
    assert convo.ended_by == "choice"
    limited = converse.hold(
        [eleanor, maya],
        "Willow Park:Lawn",
        Cognition(
            StructuredLM(ScriptedLM([turn(f"hi number {i}") for i in range(6)])),
            CognitionConfig(max_turns=6),
            seed=0,
        ),
        10,
    )
    assert len(limited.lines) == 6 and limited.ended_by == "limit"


def test_a_copied_line_is_rejected_and_a_speaker_prefix_stripped(
    willow: World, willow_people: list[Persona]
) -> None:
    eleanor, maya, _ = people(willow_people, willow)
    lm = ScriptedLM(
        [
            turn("Maya Torres: Eleanor Hale: lovely morning for the garden"),
            turn("lovely morning for the garden"),  # a copy of the line before: rejected
            turn("It is, and the beans are up at last"),
            turn("Then come and see them after lunch", end=True),
        ]
    )
    structured = StructuredLM(lm)
    cog = Cognition(structured, CognitionConfig(max_turns=6), seed=0, now=9 * HOUR)
    convo = converse.hold([eleanor, maya], "Willow Park:Lawn", cog, tick_seconds=10)
    assert convo.lines[0] == ("Eleanor Hale", "lovely morning for the garden")
    assert convo.lines[1] == ("Maya Torres", "It is, and the beans are up at last")
    assert structured.stats.rejected == 1


def test_a_speaker_never_says_the_same_line_twice(
    willow: World, willow_people: list[Persona]
) -> None:
    eleanor, maya, _ = people(willow_people, willow)
    lm = ScriptedLM(
        [
            turn("Will you bring buns to the picnic?"),
            turn("Of course I will, a whole tray"),
            turn("Will you bring buns to the picnic?"),  # her own first line again: rejected
            turn("Wonderful, see you at noon", end=True),
        ]
    )
    structured = StructuredLM(lm)
    cog = Cognition(structured, CognitionConfig(max_turns=6), seed=0, now=9 * HOUR)
    convo = converse.hold([eleanor, maya], "Willow Park:Lawn", cog, tick_seconds=10)
    assert convo.lines[2] == ("Eleanor Hale", "Wonderful, see you at noon")
    assert structured.stats.rejected == 1
