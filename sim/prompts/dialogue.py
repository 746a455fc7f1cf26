"""Conversation prompts: one turn of speech, and what a participant takes away afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from sim.prompts.base import PromptCall, bullet, chat


class Turn(BaseModel):
    """One utterance; `end` is the speaker's wish to close the conversation."""

    utterance: str = Field(max_length=160)
    end: bool


class Takeaway(BaseModel):
    """What a participant remembers and intends after a conversation."""

    summary: str = Field(max_length=160)
    intention: str = Field(max_length=120)
    importance: Annotated[int, Field(ge=1, le=10)]


MEMORY_HEADING = "What you remember about them:"
TURN_INSTRUCTION = (
    "Write what you say next: one or two natural sentences, in your own voice. Set end to "
    "true when you want to say goodbye."
)


def scene(time_label: str, place: str, relations: Sequence[str]) -> str:
    """The line of a turn's prompt that sets the scene (a small model recites it back)."""
    return f"It is {time_label} at {place}. You meet {'; '.join(relations)}."


def turn(
    speaker: str,
    identity: str,
    time_label: str,
    place: str,
    relations: Sequence[str],
    memories: Sequence[str],
    transcript: Sequence[str],
) -> PromptCall[Turn]:
    """The speaker's next line, grounded in memories about the others.

    The instruction comes before the transcript and the prompt ends on "Speaker:", so even a
    small model continues the dialogue instead of echoing the instructions.
    """
    history = "\n".join(transcript) if transcript else "(nothing said yet)"
    user = (
        f"{identity}\n\n{scene(time_label, place, relations)}\n"
        f"{MEMORY_HEADING}\n{bullet(memories)}\n\n"
        f"{TURN_INSTRUCTION}\n\nConversation so far:\n{history}\n{speaker}:"
    )
    fallback = Turn(utterance="Anyway, good to see you. Talk later!", end=True)
    return PromptCall("converse", chat(user), Turn, fallback, max_tokens=180)


def takeaway(
    identity: str, others: Sequence[str], transcript: Sequence[str]
) -> PromptCall[Takeaway]:
    """Summarise a finished conversation from one participant's point of view."""
    user = (
        f"{identity}\n\nYou just talked with {', '.join(others)}:\n"
        + "\n".join(transcript)
        + "\n\n"
        "Summarise what you learned or agreed in one sentence, say what you now intend to do "
        "(or 'nothing'), and rate how much the conversation matters to you from 1 to 10."
    )
    fallback = Takeaway(
        summary=f"I talked with {', '.join(others)}.", intention="nothing", importance=3
    )
    return PromptCall("conversation_takeaway", chat(user), Takeaway, fallback, max_tokens=220)
