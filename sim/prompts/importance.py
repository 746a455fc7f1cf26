"""Rate how much new memories matter (1-10): one per call, or a numbered list per call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from sim.prompts.base import PromptCall, chat, numbered

Rating = Annotated[int, Field(ge=1, le=10)]
SCALE = (
    "On a scale of 1 to 10, where 1 is mundane (brushing teeth, someone walking by) and 10 is "
    "life-changing (a breakup, a new job), rate how much "
)


class Importance(BaseModel):
    """A single rating, as a choice of "1".."10": SmolLM2 spreads its answers over the scale
    this way, where as a JSON integer it mostly writes 1 or 10."""

    importance: Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]

    @property
    def value(self) -> int:
        """The rating as a number."""
        return int(self.importance)


def rate_one(identity: str, text: str) -> PromptCall[Importance]:
    """Rate one memory; the identity prefix repeats across calls, so backends cache it."""
    user = f"{identity}\n\n{SCALE}this memory matters to you:\n{text}"
    return PromptCall(
        "rate_importance", chat(user), Importance, Importance(importance="3"), 40, 0.2
    )


def rate_many(identity: str, texts: Sequence[str]) -> PromptCall[BaseModel]:
    """Rate several memories in one call; the schema demands exactly one rating per text."""
    n = len(texts)
    output = create_model(
        "ImportanceRatings", ratings=(list[Rating], Field(min_length=n, max_length=n))
    )
    user = (
        f"{identity}\n\n{SCALE}each memory matters to you:\n{numbered(texts)}\n\n"
        "Rate each one, in order."
    )
    return PromptCall(
        "rate_importance", chat(user), output, output(ratings=[3] * n), 40 + 8 * n, 0.2
    )
