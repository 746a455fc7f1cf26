"""Reflection prompts: salient questions from recent memories, then insights citing evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from sim.cognition.gate import instruction_gate
from sim.llm.shapes import answer_model
from sim.prompts.base import SYSTEM, PromptCall, chat, choice, numbered

Question = Annotated[str, Field(max_length=90)]


def questions(identity: str, memories: Sequence[str], n: int = 3) -> PromptCall[BaseModel]:
    """The `n` most salient high-level questions the recent memories raise."""
    output = answer_model(
        "SalientQuestions", questions=(list[Question], Field(min_length=n, max_length=n))
    )
    ask = (
        f"Given only these memories, what are the {n} most salient high-level questions you "
        "can answer about yourself and the people around you?"
    )
    user = f"{identity}\n\nYour recent memories:\n{numbered(memories)}\n\n{ask}"
    fallback = output(questions=["What have I been doing lately?"] * n)
    # SmolLM2 asked ". The most salient high-level questions you can answer about yourself".
    check = instruction_gate([SYSTEM, ask], ["questions"])
    return PromptCall(
        "reflect_questions", chat(user), output, fallback, max_tokens=20 + 60 * n, check=check
    )


def insights(
    identity: str, question: str, memories: Sequence[str], n: int = 2
) -> PromptCall[BaseModel]:
    """Up to `n` insights answering `question`, each citing the numbered memories it rests on."""
    numbers = [str(i) for i in range(1, len(memories) + 1)]
    insight = answer_model(
        "Insight",
        insight=(str, Field(max_length=140)),
        evidence=(list[choice(numbers)], Field(min_length=1, max_length=5)),  # type: ignore[misc]
        importance=(Annotated[int, Field(ge=1, le=10)], ...),
    )
    output = answer_model(
        "Insights",
        insights=(list[insight], Field(min_length=1, max_length=n)),  # type: ignore[valid-type]
    )
    user = (
        f"{identity}\n\nQuestion: {question}\nStatements:\n{numbered(memories)}\n\n"
        f"Write up to {n} high-level insights that answer the question. For each, list the "
        "numbers of the statements it is based on and rate its importance from 1 to 10."
    )
    fallback = output.model_construct(insights=[])  # no insight beats an invented one
    return PromptCall("reflect_insights", chat(user), output, fallback, max_tokens=140 * n)
