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
    identity: str,
    time_label: str,
    plan: Sequence[str],
    memories: Sequence[str],
    question: str,
    relations: Sequence[str] = (),
) -> PromptCall[Answer]:
    """The interviewee answers from its plan, the memories retrieved for the question and how
    it knows the people the question names (`relations`, in the first person: "Maya Torres is
    my friend: my former pupil ...").

    The question comes before the memories and the memories just before the instruction: a
    small model uses what is nearest the end of its prompt (asked this way SmolLM2 recalled 5
    of 5 persona facts on Willow, against 1 of 5 with the memories first). A relationship is
    part of who the agent is, as the identity is, so it is stated after the memories rather
    than left to retrieval, which may rank fresher memories above the persona's seed, and as
    what the agent would say: SmolLM2 then answers with it in the first person (9 of 10 on a
    Willow run, where told "Maya Torres is your friend" it answered "... is your friend").
    """
    said = "\n".join(f'You would say: "{line}"' for line in relations)
    user = "\n\n".join(
        [
            identity,
            f"It is {time_label}. Your plan for today:\n{bullet(plan)}",
            f"An interviewer asks you: {question}",
            f"What you remember about it:\n{bullet(memories)}",
            *([said] if said else []),
            "Answer the question in the first person, in one or two full sentences that use "
            "what you remember.",
        ]
    )
    fallback = Answer(answer="I'd rather not say right now.")
    return PromptCall("interview", chat(user), Answer, fallback, max_tokens=260, check=substantive)
