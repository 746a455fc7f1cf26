"""Rehearsal prompts: the persona's agenda, its next line, and the rubric judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from sim.prompts.base import PromptCall, bullet, chat, numbered
from sim.prompts.dialogue import Turn

Point = Annotated[str, Field(max_length=120)]


class Agenda(BaseModel):
    """What the persona means to cover, in order: questions to ask or things to find out."""

    points: list[Point] = Field(min_length=1, max_length=5)


class RehearsalTurn(Turn):
    """A line of the rehearsal; `moves_on` says it turns to the persona's next point rather
    than staying with what was just said, so the agenda advances only when the persona chooses."""

    moves_on: bool


class Judgement(BaseModel):
    """One criterion's score with its evidence: a quote from the transcript and one fix."""

    score: Annotated[int, Field(ge=1, le=5)]
    quote: str = Field(max_length=300)
    improvement: str = Field(max_length=240)


def agenda(
    identity: str, scenario: str, goals: Sequence[str], memories: Sequence[str], you: str
) -> PromptCall[Agenda]:
    """Plan the conversation from the scenario and the persona's goals."""
    user = (
        f"{identity}\n\nToday's conversation: {scenario}\nYour goals:\n{bullet(goals)}\n"
        f"What you remember that is relevant:\n{bullet(memories)}\n\n"
        f"List the three to five points you mean to cover with the {you}, in order: the "
        "questions you will ask or what you want to find out, each a short phrase."
    )
    fallback = Agenda(points=[g[:120] for g in goals[:5]])
    return PromptCall("rehearsal_agenda", chat(user), Agenda, fallback, max_tokens=260)


def turn(
    identity: str,
    scenario: str,
    leads: bool,
    plan: Sequence[str],
    next_point: str,
    memories: Sequence[str],
    transcript: Sequence[str],
    speaker: str,
    you: str,
) -> PromptCall[RehearsalTurn]:
    """The persona's next line: it opens, answers or follows up on what was just said, or moves
    to the next point of its agenda.

    As in the town's dialogue prompt, the instruction precedes the transcript and the prompt ends
    on the speaker's name, so a small model continues the dialogue.
    """
    history = "\n".join(transcript) if transcript else "(nothing said yet)"
    if not transcript:
        task = (
            f"Open the conversation: greet the {you} in a few words and bring up your next "
            "point (set moves_on to true)."
        )
    elif leads:
        task = (
            "You lead this conversation: react to the last answer in a few words, then either "
            "ask one follow-up question about it (moves_on false) or ask about your next point "
            "(moves_on true)."
        )
    else:
        task = (
            "The other person leads: answer what they just said, in character, from what you "
            "remember. Set moves_on to true only when you bring up your next point yourself."
        )
    user = (
        f"{identity}\n\nToday's conversation: {scenario}\n"
        f"Your points, in order:\n{numbered(plan)}\nYour next point: {next_point}\n"
        f"What you remember that is relevant:\n{bullet(memories)}\n\n"
        f"{task} Write one or two natural sentences in your own voice. Set end to true only when "
        f"you are wrapping up the conversation.\n\nConversation so far:\n{history}\n{speaker}:"
    )
    opening = f"Hello, and thanks for coming. Let's begin: {next_point}"[:160]
    fallback = RehearsalTurn(
        utterance=opening if not transcript else "Could you say a bit more about that?",
        end=False,
        moves_on=not transcript,
    )
    return PromptCall("rehearsal_turn", chat(user), RehearsalTurn, fallback, max_tokens=200)


def judge(
    rubric: str,
    criterion: str,
    description: str,
    levels: dict[int, str],
    scenario: str,
    you: str,
    transcript: Sequence[str],
) -> PromptCall[Judgement]:
    """Score one criterion against its anchored levels, citing the transcript word for word.

    The fallback quotes nothing, so a judgement the model could not give is never mistaken for
    a supported score.
    """
    anchors = "\n".join(f"{level}: {text}" for level, text in levels.items())
    user = (
        f"You are a fair, specific coach judging how the {you} did in a practice conversation "
        f"({rubric}). Scenario: {scenario}\n\nCriterion: {criterion}: {description}\n"
        f"Levels:\n{anchors}\n\nTranscript:\n" + "\n".join(transcript) + "\n\n"
        f"Score the {you} from 1 to 5 against the levels. As evidence, copy one short passage "
        f"word for word from the {you}'s lines in the transcript. Then give one concrete thing "
        f"the {you} could do better next time."
    )
    fallback = Judgement(
        score=3, quote="", improvement="No judgement: the model gave no usable answer."
    )
    return PromptCall("rehearsal_judge", chat(user), Judgement, fallback, max_tokens=300)
