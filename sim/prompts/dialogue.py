"""Conversation prompts: one turn of speech, and what a participant takes away afterwards;
or, for a model that chooses, the whole conversation picked line by line from what each
speaker can say."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, Field

from sim.llm.shapes import answer_model
from sim.prompts.base import PromptCall, bullet, chat, choice, numbered


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


# What a listener may answer to news before giving its own (a chosen conversation has no free
# text). Only replies that fit any news: SmolLM2 chose "I'm sorry to hear that" for a new cafe.
REPLIES = (
    "Oh, I didn't know that.",
    "That's good to hear.",
    "Really? Tell me more.",
    "Oh, interesting.",
)
# How the first speaker answers, last: not a reply the others may already have used, which
# would echo their line.
CLOSERS = (
    "Glad we ran into each other.",
    "Good luck with that!",
    "Let's catch up properly soon.",
    "Say hello to everyone for me.",
)


@dataclass(frozen=True)
class Voice:
    """One participant of a chosen conversation: who, how it knows the others, and the things
    it can tell them."""

    name: str
    sketch: str
    relations: Sequence[str]
    options: Sequence[str]


def script(time_label: str, place: str, voices: Sequence[Voice]) -> PromptCall[BaseModel]:
    """What each participant tells the others and how each answers what it heard.

    The shape is fixed (the first speaker's news, each other's reply and news in turn, the
    first speaker's closing words), so the conversation hangs together whatever is picked; the
    model picks the news, the replies and the close, the words are the agents' own.
    """
    first, *rest = voices
    key = _slugs([v.name for v in voices])
    # (field, options, the fallback's pick: a plan (the last option), or the plainest words)
    picks = [(f"{key[0]}_says", first.options, first.options[-1])]
    for i, voice in enumerate(rest, 1):
        picks.append((f"{key[i]}_replies", REPLIES, REPLIES[0]))
        picks.append((f"{key[i]}_says", voice.options, voice.options[-1]))
    picks.append((f"{key[0]}_closes", CLOSERS, CLOSERS[0]))
    output = answer_model(
        "Conversation",
        **{key: (choice(offered), ...) for key, offered, _ in picks},  # type: ignore[arg-type]
    )
    people = "\n\n".join(
        f"{v.name}: {v.sketch} Knows {'; '.join(v.relations)}.\n{v.name} could say:\n"
        + numbered(v.options)
        for v in voices
    )
    user = (
        f"It is {time_label} at {place}. {' and '.join(v.name for v in voices)} talk.\n\n"
        f"{people}\n\nReplies: {' '.join(REPLIES)}\nClosing words: {' '.join(CLOSERS)}\n\n"
        f"Choose what each of them says, how each replies to what they heard, and how "
        f"{first.name.split()[0]} closes."
    )
    fallback = output(**{key: pick for key, _, pick in picks})
    return PromptCall("converse", chat(user), output, fallback, max_tokens=60 * len(picks))


def _slugs(names: Sequence[str]) -> list[str]:
    """Field-name-safe first names (the schema's keys tell the model who speaks), numbered
    where two participants share one: a repeated key would drop a line from the schema."""
    slugs = [re.sub(r"\W", "", name.split()[0]).lower() or "speaker" for name in names]
    return [
        s if slugs.count(s) == 1 else f"{s}{slugs[:i].count(s) + 1}" for i, s in enumerate(slugs)
    ]
