"""React to a salient observation: start a conversation, carry on, or do something about it.

As in the reference design, whether to talk is asked first as a yes/no question; only then
does the agent choose between continuing and reacting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from sim.cognition.gate import instruction_gate
from sim.llm.shapes import answer_model
from sim.prompts.base import SYSTEM, PromptCall, bullet, chat, choice

# What a small model may do on seeing someone, when it chooses instead of writing ({0}: the
# person's first name). Writing, SmolLM2 answered with the instructions' own words.
GESTURES = (
    "say hello to {0}",
    "wave to {0}",
    "ask {0} how they are",
    "offer {0} a hand",
    "give {0} some space",
)


def gestures(name: str) -> list[str]:
    """The reactions offered to a model that chooses, for someone called `name`."""
    first = name.split()[0]
    return [g.format(first) for g in GESTURES]


def react(
    identity: str,
    time_label: str,
    current_action: str,
    observation: str,
    relation: str,
    memories: Sequence[str],
    can_talk: bool,
    options: Sequence[str] | None = None,
) -> PromptCall[BaseModel]:
    """The reaction schema; `talk` is offered only when a conversation is allowed.

    With `options` the reaction is one of them (a small model chooses well where it writes
    the prompt back); without, it is written, and a reaction that copies the instructions
    ("stay in character, be concrete") is rejected like invalid JSON.
    """
    fields: dict[str, object] = {"talk": (bool, ...)} if can_talk else {}
    reaction: Any = (choice(options), ...) if options else (str, Field(max_length=60))
    output = answer_model(
        "Reaction",
        **fields,  # type: ignore[arg-type]
        otherwise=(choice(["continue", "react"]), ...),
        reaction=reaction,
    )
    question = (
        "Do you start a conversation with them now (talk: true)? If not, do you keep doing "
        "what you are doing (continue) or do something about it (react)?"
        if can_talk
        else "Do you keep doing what you are doing (continue) or do something about it (react)?"
    )
    ask = (
        f"{question} If you react, choose what you do: {'; '.join(options)}."
        if options
        else f"{question} If you react, say what you do instead."
    )
    # The person and what the agent remembers of them come first (they stay the same while
    # the agent keeps meeting them); the moment comes last.
    user = (
        f"{identity}\n\nHow you know them: {relation}\n"
        f"What you remember about this:\n{bullet(memories)}\n\n"
        f"It is {time_label}. You are busy with: {current_action}.\n"
        f"You notice: {observation}\n{ask}"
    )
    quiet = {"otherwise": "continue", "reaction": options[0] if options else ""}
    fallback = output.model_validate({"talk": False, **quiet} if can_talk else quiet)
    check = None if options else instruction_gate([SYSTEM, ask], ["reaction"])
    return PromptCall("react", chat(user), output, fallback, max_tokens=100, check=check)
