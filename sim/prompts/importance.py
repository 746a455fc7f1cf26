"""How much a memory matters (1-10): the anchored scale, and the prompts that rate with an LM.

The anchors are the scale's worked examples. The LM prompts quote a few of them, as the
reference's prompt does (1 is brushing teeth, 10 is a break-up); the anchor rater
(`sim.cognition.importance`) rates by nearness to all of them, for models too small to rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from sim.llm.shapes import answer_model
from sim.prompts.base import PromptCall, chat, numbered

Rating = Annotated[int, Field(ge=1, le=10)]

# Everyday events of a town, each with the rating a thoughtful person would give it.
ANCHORS: tuple[tuple[str, int], ...] = (
    ("brushing my teeth", 1),
    ("making the bed", 1),
    ("someone walking by", 1),
    ("the kettle is on", 1),
    ("the bed is made", 1),
    ("a neighbour is reading the newspaper", 2),
    ("someone is making coffee at the counter", 2),
    ("a person is sitting on a bench in the park", 2),
    ("the stove is off", 2),
    ("watering the plants", 2),
    ("a neighbour said good morning", 3),
    ("a short chat about the weather", 3),
    ("buying groceries for the week", 3),
    ("someone is working at their desk", 3),
    ("a new poster on the noticeboard", 4),
    ("a friend asked me for a small favour", 4),
    ("a conversation with a friend about their work", 4),
    ("I need volunteers for an event I am organising", 5),
    ("being invited to a party on Saturday", 5),
    ("a neighbour shared some worrying news", 5),
    ("I promised to help a friend this weekend", 5),
    ("an argument with a friend", 6),
    ("my shop will close early because of a storm", 6),
    ("meeting someone new who could become a friend", 6),
    ("a close friend is ill in hospital", 7),
    ("someone I love moved away", 7),
    ("losing my job", 8),
    ("the business I run is closing for good", 8),
    ("a fire in my home", 9),
    ("being accepted to college", 9),
    ("the death of my husband", 10),
    ("a break-up with my partner", 10),
    ("getting married", 10),
)
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
    output = answer_model(
        "ImportanceRatings", ratings=(list[Rating], Field(min_length=n, max_length=n))
    )
    user = (
        f"{identity}\n\n{SCALE}each memory matters to you:\n{numbered(texts)}\n\n"
        "Rate each one, in order."
    )
    return PromptCall(
        "rate_importance", chat(user), output, output(ratings=[3] * n), 40 + 8 * n, 0.2
    )
