"""React to a salient observation: carry on, do something about it, or start a conversation."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field, create_model

from sim.prompts.base import PromptCall, bullet, chat, choice

CHOICES = ("continue", "react", "talk")


def react(
    identity: str,
    time_label: str,
    current_action: str,
    observation: str,
    relation: str,
    memories: Sequence[str],
    can_talk: bool,
) -> PromptCall[BaseModel]:
    """Choose among the allowed options; `react` carries what the agent does instead."""
    options = CHOICES if can_talk else CHOICES[:2]
    output = create_model(
        "Reaction",
        choice=(choice(options), ...),
        reaction=(str, Field(max_length=60)),
        reason=(str, Field(max_length=80)),
    )
    talk = " or start a conversation (talk)" if can_talk else ""
    user = (
        f"{identity}\n\nIt is {time_label}. You are busy with: {current_action}.\n"
        f"You notice: {observation}\nHow you know them: {relation}\n"
        f"What you remember about this:\n{bullet(memories)}\n\n"
        f"Do you continue what you are doing (continue), do something about it (react){talk}? "
        "If you react, say what you do instead."
    )
    fallback = output(choice="continue", reaction="", reason="")
    return PromptCall("react", chat(user), output, fallback, max_tokens=120)
