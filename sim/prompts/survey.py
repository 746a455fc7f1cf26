"""Ask one survey question in character, from memories shown with their ids.

The output schema is built per call: the answer's type comes from the instrument (an enum of
scale points or options, a bounded number, a capped text), and `evidence` may only name the
memory ids actually shown. A constrained model therefore cannot answer off the scale or cite a
memory it never saw, and an unconstrained one fails validation and is retried.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from sim.llm.shapes import answer_model
from sim.prompts.base import PromptCall, chat, choice
from sim.survey.instruments import Question

NO_ANSWER = "no answer"  # the fallback's rationale: marks an answer the model never gave
MAX_EVIDENCE = 3
RATIONALE_CHARS = 200


def purpose(instrument: Question) -> str:
    """The LM-log purpose of a survey call, one per instrument kind: "survey_likert" etc."""
    return f"survey_{instrument.kind}"


def survey_prompt(
    identity: str,
    time_label: str,
    memories: Sequence[tuple[int, str]],
    instrument: Question,
    reverse: bool = False,
) -> PromptCall[BaseModel]:
    """The agent answers `instrument` from the (id, text) memories retrieved for it; `reverse`
    shows an ordered scale from its other end (counterbalancing across agents)."""
    ids = [i for i, _ in memories]
    evidence = (
        (list[choice(ids)], Field(max_length=MAX_EVIDENCE))  # type: ignore[misc]
        if ids
        else (list[int], Field(min_length=0, max_length=0))
    )
    output = answer_model(
        "SurveyResponse",
        answer=instrument.answer_field(reverse),
        rationale=(str, Field(max_length=RATIONALE_CHARS)),
        evidence=evidence,
    )
    if ids:
        shown = "\n".join(f"[{i}] {text}" for i, text in memories)
        remembered = f"What you remember that may matter:\n{shown}"
        cite = (
            f'In "evidence", list the numbers of up to {MAX_EVIDENCE} memories above that '
            "your answer rests on."
        )
    else:
        remembered, cite = "You remember nothing about this.", 'Leave "evidence" empty.'
    user = (
        f"{identity}\n\nIt is {time_label}. {remembered}\n\n"
        f"A survey asks you: {instrument.question}\n{instrument.how_to_answer(reverse)} "
        f'In "rationale", give your reason in one short sentence. {cite}'
    )
    fallback = output.model_validate(
        {"answer": instrument.neutral(), "rationale": NO_ANSWER, "evidence": []}
    )
    max_tokens = 120 + instrument.answer_chars() // 2
    return PromptCall(purpose(instrument), chat(user), output, fallback, max_tokens=max_tokens)
