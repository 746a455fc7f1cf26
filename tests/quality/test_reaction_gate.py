"""Reactions and dialogue lines that echo their prompt are quality failures; a small model
chooses its reaction."""

from __future__ import annotations

import json

import pytest

from sim.agent import Agent
from sim.cognition import converse
from sim.cognition.context import Cognition, CognitionConfig, identity
from sim.embed.hashing import HashEmbedder
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.persona import Persona
from sim.prompts import reflection
from sim.prompts.base import SYSTEM
from sim.prompts.reaction import gestures, react
from sim.quality.checks import instruction_echo
from sim.world.map import World

# Reactions SmolLM2 wrote back from the system prompt and the question.
ECHOES = [
    "Stay in character, be concrete and brief",
    "stay in character and write in plain English",
    "keep doing what you are doing",
    "answer only with a JSON object",
]
CLEAN = ["wave to Maya and smile", "put the kettle on for Eleanor", "finish the chapter first"]


def written_reaction() -> object:
    return react("You are Theo.", "day 1 08:00", "writing", "Maya Torres is baking",
                 "Maya Torres (friend)", ["Maya bakes buns."], can_talk=True)  # fmt: skip


@pytest.mark.parametrize("text", ECHOES)
def test_instruction_echo_flags_copies_of_the_instructions(text: str) -> None:
    question = "If not, do you keep doing what you are doing (continue)?"
    assert instruction_echo(text, [SYSTEM, question]).flagged, text


@pytest.mark.parametrize("text", CLEAN)
def test_instruction_echo_passes_reactions_of_their_own(text: str) -> None:
    assert not instruction_echo(text, [SYSTEM]).flagged, text


@pytest.mark.parametrize("text", ECHOES)
def test_the_reaction_gate_rejects_echoes_and_passes_clean_reactions(text: str) -> None:
    call = written_reaction()
    echoed = call.output(talk=False, otherwise="react", reaction=text)  # type: ignore[attr-defined]
    assert "echoes the instructions" in (call.check(echoed) or ""), text  # type: ignore[attr-defined]
    for clean in CLEAN:
        fine = call.output(talk=False, otherwise="react", reaction=clean)  # type: ignore[attr-defined]
        assert call.check(fine) is None  # type: ignore[attr-defined]


def test_an_echoed_reaction_is_retried_and_counted_as_a_quality_rejection() -> None:
    echoed = {"talk": False, "otherwise": "react", "reaction": "stay in character, be concrete"}
    clean = {"talk": False, "otherwise": "react", "reaction": "wave to Maya"}
    lm = ScriptedLM([json.dumps(echoed), json.dumps(clean)])
    cog = Cognition(StructuredLM(lm), CognitionConfig(), seed=0)
    answer = cog.ask("Theo Okafor", written_reaction(), "reaction to Maya Torres")  # type: ignore[arg-type]
    assert answer.reaction == "wave to Maya"  # type: ignore[attr-defined]
    assert cog.lm.stats.rejected == 1 and cog.lm.stats.fallbacks == 0
    assert lm.requests[0].seed != lm.requests[1].seed  # the retry samples anew


def test_the_embedded_model_chooses_its_reaction_from_gestures() -> None:
    assert CognitionConfig().for_model("smollm2-135m-instruct-q4_1").reactions == "choose"
    assert CognitionConfig().for_model("openai:gpt-4o-mini").reactions == "write"
    options = gestures("Maya Torres")
    assert options[0] == "say hello to Maya"
    call = react("You are Theo.", "day 1 08:00", "writing", "Maya Torres is baking",
                 "Maya Torres (friend)", [], can_talk=False, options=options)  # fmt: skip
    schema = call.output.model_json_schema()
    assert schema["properties"]["reaction"]["enum"] == options
    assert "give Maya some space" in call.messages[1].content
    assert call.fallback.reaction == options[0]  # type: ignore[attr-defined]


def test_a_line_that_recites_its_prompt_is_retried_and_counted(
    willow: World, willow_people: list[Persona]
) -> None:
    def agent(name: str) -> Agent:
        persona = next(p for p in willow_people if p.name.startswith(name))
        return Agent(persona, HashEmbedder(), set(willow.arenas))

    eleanor, maya = agent("Eleanor"), agent("Maya")
    recital = " ".join(identity(eleanor).split()[:12])  # "You are Eleanor Hale, age 72, ..."
    lm = ScriptedLM(
        [
            json.dumps({"utterance": recital, "end": False}),
            json.dumps(
                {"utterance": "It is 09:00 at Juniper Cafe:Seating. You meet", "end": False}
            ),
            json.dumps({"utterance": "Morning, Maya! See you at the cafe later?", "end": False}),
        ]
    )
    cog = Cognition(StructuredLM(lm), CognitionConfig(), seed=0, now=9 * 3600)
    said = converse.next_line(eleanor, [eleanor, maya], "Juniper Cafe:Seating", [], cog)
    assert said.utterance == "Morning, Maya! See you at the cafe later?"
    assert cog.lm.stats.rejected == 2


def test_a_line_may_share_a_few_words_with_its_prompt() -> None:
    told = ["You are Marcus Bell, age 31, manager and head barista at the Bluebird Cafe."]
    assert not instruction_echo("See you at the Bluebird Cafe later!", told, 6).flagged
    assert instruction_echo("I am manager and head barista at the Bluebird Cafe", told, 6).flagged
    # A heading shorter than six words counts whole; "so far" alone is speech.
    headings = ["What you remember about them:", "Conversation so far:"]
    assert instruction_echo("What you remember about them: Lucia", headings, 6).flagged
    assert not instruction_echo("The conversation so far was lovely", headings, 6).flagged


def test_a_reflection_question_that_recites_the_instruction_is_rejected() -> None:
    call = reflection.questions("You are Walter.", ["I walked the river path."], n=1)
    recited = ". The most salient high-level questions you can answer about yourself"
    assert call.check is not None
    assert "echoes the instructions" in (call.check(call.output(questions=[recited])) or "")
    assert call.check(call.output(questions=["Why does Ruth want a party?"])) is None
