"""Answer an interviewer's question in character, from retrieved memories."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from sim.cognition.gate import hard_failure
from sim.prompts.base import PromptCall, bullet, chat

MIN_WORDS = 5


class Answer(BaseModel):
    """An in-character answer."""

    answer: str = Field(max_length=400)


def substantive(answer: Answer) -> str | None:
    """The default gate, and an answer must say something: SmolLM2 often answers "Who is Maya
    Torres?" with the bare name, which passes every schema but tells nothing."""
    if why := hard_failure(answer):
        return why
    if len(answer.answer.split()) < MIN_WORDS:
        return f"an answer of fewer than {MIN_WORDS} words says nothing"
    return None


def interview(
    identity: str, time_label: str, plan: Sequence[str], memories: Sequence[str], question: str
) -> PromptCall[Answer]:
    """The interviewee answers from its plan and the memories retrieved for the question.

    The question comes before the memories and the memories just before the instruction: a
    small model uses what is nearest the end of its prompt (asked this way SmolLM2 recalled 5
    of 5 persona facts on Willow, against 1 of 5 with the memories first).
    """
    user = (
        f"{identity}\n\nIt is {time_label}. Your plan for today:\n{bullet(plan)}\n\n"
        f"An interviewer asks you: {question}\n\n"
        f"What you remember about it:\n{bullet(memories)}\n\n"
        "Answer the question in the first person, in one or two full sentences that use what "
        "you remember."
    )
    fallback = Answer(answer="I'd rather not say right now.")
    return PromptCall("interview", chat(user), Answer, fallback, max_tokens=260, check=substantive)
