"""Answer an interviewer's question in character, from retrieved memories."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from sim.prompts.base import PromptCall, bullet, chat


class Answer(BaseModel):
    """An in-character answer."""

    answer: str = Field(max_length=400)


def interview(
    identity: str, time_label: str, plan: Sequence[str], memories: Sequence[str], question: str
) -> PromptCall[Answer]:
    """The interviewee answers from its plan and the memories retrieved for the question."""
    user = (
        f"{identity}\n\nIt is {time_label}. Your plan for today:\n{bullet(plan)}\n"
        f"What you remember that is relevant:\n{bullet(memories)}\n\n"
        f"An interviewer asks: {question}\nAnswer in character, in two or three sentences."
    )
    fallback = Answer(answer="I'd rather not say right now.")
    return PromptCall("interview", chat(user), Answer, fallback, max_tokens=260)
