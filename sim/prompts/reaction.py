"""React to a salient observation: start a conversation, carry on, or do something about it.

As in the reference design, whether to talk is asked first as a yes/no question; only then
does the agent choose between continuing and reacting.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field, create_model

from sim.prompts.base import PromptCall, bullet, chat, choice


def react(
    identity: str,
    time_label: str,
    current_action: str,
    observation: str,
    relation: str,
    memories: Sequence[str],
    can_talk: bool,
) -> PromptCall[BaseModel]:
    """The reaction schema; `talk` is offered only when a conversation is allowed."""
    fields: dict[str, object] = {"talk": (bool, ...)} if can_talk else {}
    output = create_model(
        "Reaction",
        **fields,  # type: ignore[arg-type]
        otherwise=(choice(["continue", "react"]), ...),
        reaction=(str, Field(max_length=60)),
    )
    question = (
        "Do you start a conversation with them now (talk: true)? If not, do you keep doing "
        "what you are doing (continue) or do something about it (react)?"
        if can_talk
        else "Do you keep doing what you are doing (continue) or do something about it (react)?"
    )
    user = (
        f"{identity}\n\nIt is {time_label}. You are busy with: {current_action}.\n"
        f"You notice: {observation}\nHow you know them: {relation}\n"
        f"What you remember about this:\n{bullet(memories)}\n\n"
        f"{question} If you react, say what you do instead."
    )
    fallback = output.model_validate(
        {"talk": False, "otherwise": "continue", "reaction": ""}
        if can_talk
        else {"otherwise": "continue", "reaction": ""}
    )
    return PromptCall("react", chat(user), output, fallback, max_tokens=100)
