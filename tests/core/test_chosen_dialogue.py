"""Chosen dialogue: one call picks what each speaker tells and answers; news spreads by it."""

from __future__ import annotations

import json
from dataclasses import replace

from sim.agent import Agent
from sim.clock import HOUR
from sim.cognition import converse, script
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.schedule import Step
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.memory.stream import NewMemory
from sim.persona import Persona
from sim.prompts import dialogue
from sim.world.map import World

CHOOSE = CognitionConfig(dialogue="choose", importance="anchors")
PICNIC = "I still need someone to bring drinks to the picnic on Saturday."


def people(willow_people: list[Persona], world: World) -> dict[str, Agent]:
    return {p.name.split()[0]: Agent(p, HashEmbedder(), set(world.arenas)) for p in willow_people}


def talk(group: list[Agent], world: World, cog: Cognition) -> converse.Conversation:
    convo = converse.hold(group, "Juniper Cafe:Seating", cog, tick_seconds=10)
    for agent in group:
        agent.busy_until = cog.now + convo.ticks * 10
        converse.conclude(agent, convo, world, cog)
    return convo


def test_one_call_makes_a_conversation_and_listeners_keep_the_news(
    willow: World, willow_people: list[Persona]
) -> None:
    by = people(willow_people, willow)
    eleanor, maya = by["Eleanor"], by["Maya"]
    eleanor.remember([NewMemory("observation", PICNIC, 5)], 0)
    answer = {
        "eleanor_says": PICNIC,
        "maya_replies": "Really? Tell me more.",
        "maya_says": "I'm just taking the day as it comes.",
        "eleanor_closes": "Good luck with that!",
    }
    lm = ScriptedLM([json.dumps(answer)])
    cog = Cognition(StructuredLM(lm), CHOOSE, seed=0, tick=5, now=9 * HOUR)
    convo = talk([eleanor, maya], willow, cog)
    assert len(lm.requests) == 1  # no call per line, no takeaway calls
    prompt = lm.requests[0].messages[1].content
    assert PICNIC in prompt and "Maya Torres could say" in prompt
    assert convo.lines == (
        ("Eleanor Hale", f"Good morning, Maya! {PICNIC} How about you?"),
        (
            "Maya Torres",
            "Good morning, Eleanor! Really? Tell me more. I'm just taking the day as it comes.",
        ),
        ("Eleanor Hale", "Good luck with that!"),
        ("Maya Torres", "Good to see you, Eleanor. Talk later!"),
    )
    assert convo.news == ((0, PICNIC),)
    assert converse.Conversation.from_json(json.loads(json.dumps(convo.to_json()))) == convo
    heard = [r for r in maya.memory.records if r.text.startswith("Eleanor Hale told me")]
    assert [r.text for r in heard] == [f"Eleanor Hale told me: “{PICNIC}”"]
    assert heard[0].subjects == ("Eleanor Hale",)
    # The speaker does not hear her own news; both keep the transcript.
    assert not any("told me" in r.text for r in eleanor.memory.records)
    for agent in (eleanor, maya):
        assert any(r.text.startswith("Conversation at Juniper") for r in agent.memory.records)
        assert agent.chat_after


def test_a_third_speaker_does_not_echo_the_second_ones_reply(
    willow: World, willow_people: list[Persona]
) -> None:
    by = people(willow_people, willow)
    plain = "I'm just taking the day as it comes."
    answer = {
        "eleanor_says": plain,
        "maya_replies": "That's good to hear.",
        "maya_says": plain,
        "theo_replies": "That's good to hear.",
        "theo_says": plain,
        "eleanor_closes": "Glad we ran into each other.",
    }
    cog = Cognition(StructuredLM(ScriptedLM([json.dumps(answer)])), CHOOSE, seed=0, now=9 * HOUR)
    convo = talk([by["Eleanor"], by["Maya"], by["Theo"]], willow, cog)
    said = dict(convo.lines[1:3])
    assert said["Maya Torres"] == f"Good morning, Eleanor! That's good to hear. {plain}"
    assert said["Theo Okafor"] == f"Good morning, Eleanor! {plain}"
    assert convo.lines[-1] == ("Maya Torres", "Good to see you, Eleanor. Talk later!")


def test_news_told_once_is_passed_on_but_not_twice(
    willow: World, willow_people: list[Persona]
) -> None:
    by = people(willow_people, willow)
    maya = by["Maya"]
    wide = replace(CHOOSE, prompt_memories=20)  # every memory below is retrieved
    cog = Cognition(StructuredLM(ScriptedLM([])), wide, seed=0, now=9 * HOUR)
    told = f"Eleanor Hale told me: “{PICNIC}”"
    maya.remember(
        [
            NewMemory("dialogue", told, 5, subjects=("Eleanor Hale",)),
            NewMemory("dialogue", f"Theo Okafor told me: “{told}”", 5),
            NewMemory("observation", "Theo Okafor looks tired today, I think", 5),
            NewMemory("plan", "From 09:00 to 10:00 at the cafe: bake (60 min)", 5),
            NewMemory("observation", "the espresso machine hisses", 5),
            NewMemory("observation", 'I call the new cake "the river stone"', 5),
            NewMemory("reflection", "1. Jonah Fischer told me:", 5),
            *[NewMemory("observation", r.as_memory(), 5) for r in maya.persona.relationships],
        ],
        0,
    )
    said = script.news(maya, ["Theo Okafor"], cog)
    assert told in said  # second hand news is passed on
    assert not any(s.count("told me") > 1 for s in said)  # third hand is not
    assert not any("Theo" in s for s in said)  # nothing about the listener to his face
    assert not any(s.startswith("From 09:00") for s in said)  # a plan record is not news
    assert "1. Jonah Fischer told me:" not in said  # nor a (small model's) reflection
    assert "the espresso machine hisses" not in said  # not the speaker's own words
    assert not any(" is my " in s for s in said)  # how she knows people is not news
    # No straight double quote reaches the schema's enum (the grammar cut such values short).
    assert "I call the new cake 'the river stone'" in said


def test_a_model_that_fails_leaves_a_plain_conversation_about_plans(
    willow: World, willow_people: list[Persona]
) -> None:
    by = people(willow_people, willow)
    cog = Cognition(StructuredLM(ScriptedLM(["not json"] * 3)), CHOOSE, seed=0, now=15 * HOUR)
    convo = talk([by["Theo"], by["Maya"]], willow, cog)
    assert convo.lines[0] == (
        "Theo Okafor",
        "Good afternoon, Maya! I'm just taking the day as it comes. How about you?",
    )
    assert convo.news == ()
    assert not any("told me" in r.text for r in by["Maya"].memory.records)


def test_the_embedded_model_chooses_and_old_runs_keep_writing() -> None:
    assert CognitionConfig().for_model("smollm2-135m-instruct-q4_1").dialogue == "choose"
    assert CognitionConfig().for_model("gpt-4o-mini").dialogue == "write"
    old = CognitionConfig().to_json()
    del old["dialogue"]
    assert CognitionConfig.from_json(old).dialogue == "write"


def test_a_step_about_the_listener_is_not_said_to_them(
    willow: World, willow_people: list[Persona]
) -> None:
    theo = people(willow_people, willow)["Theo"]
    theo.schedule.steps = [
        Step(0, 2 * HOUR, "say hello to Maya", "Juniper Cafe:Seating", None, "🙂")
    ]
    cog = Cognition(StructuredLM(ScriptedLM([])), CHOOSE, seed=0, now=HOUR)
    said, _ = script.options(theo, ["Maya Torres"], cog)
    assert not any("say hello to Maya" in s for s in said)
    said, _ = script.options(theo, ["Eleanor Hale"], cog)
    assert "Right now I'm about to say hello to Maya." in said


def test_two_speakers_sharing_a_first_name_keep_their_own_lines() -> None:
    voices = [
        dialogue.Voice("John Avery", "40, baker.", ["x"], ["I bake bread."]),
        dialogue.Voice("John Bell", "50, postman.", ["y"], ["I deliver letters."]),
    ]
    call = dialogue.script("day 1 10:00", "Bakery", voices)
    assert list(call.output.model_fields) == [
        "john1_says",
        "john2_replies",
        "john2_says",
        "john1_closes",
    ]
