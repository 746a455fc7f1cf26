"""Rate how much new memories matter (1-10), several at once to save calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field, create_model

from sim.prompts.base import PromptCall, chat, numbered

Rating = Annotated[int, Field(ge=1, le=10)]


def rate_importance(identity: str, texts: Sequence[str]) -> PromptCall[BaseModel]:
    """One call rating every text; the schema demands exactly one rating per text."""
    n = len(texts)
    output = create_model(
        "ImportanceRatings",
        ratings=(list[Rating], Field(min_length=n, max_length=n)),
    )
    user = (
        f"{identity}\n\n"
        "On a scale of 1 to 10, where 1 is mundane (brushing teeth, someone walking by) and "
        "10 is life-changing (a breakup, a new job), rate how much "
        + (
            f"this memory matters to you:\n{texts[0]}"
            if n == 1
            else f"each memory matters to you:\n{numbered(texts)}\n\nRate each one, in order."
        )
    )
    return PromptCall(
        purpose="rate_importance",
        messages=chat(user),
        output=output,
        fallback=output(ratings=[3] * n),
        max_tokens=24 + 8 * n,
        temperature=0.2,
    )
