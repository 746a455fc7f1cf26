"""Planning prompts: the day's schedule on waking, and a block broken into short actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Union

from pydantic import BaseModel, Field

from sim.llm.shapes import answer_model
from sim.prompts.base import EMOJI, PromptCall, bullet, chat, choice


def plan_day(
    identity: str,
    date_label: str,
    times: Sequence[str],
    places: Sequence[str],
    place_notes: Sequence[str],
    usual_day: Sequence[tuple[str, str, str]],
    memories: Sequence[str],
    choices: Mapping[str, Sequence[str]] | None = None,
) -> PromptCall[BaseModel]:
    """Today's schedule in one call: what differs from the usual day, or a whole day if none.

    People plan a day as their routine plus today's changes. Asking only for the changes keeps
    answers short (cheap), lets a capable model fit in what its memories call for, and keeps a
    small model, which tends to ramble, from wrecking an otherwise sensible day. With
    `choices` (place: activities) a block's activity is one of its place's, picked after the
    place: a small model chooses well where it writes nonsense.
    """
    if choices:
        kinds = [
            answer_model(
                f"PlanBlock{i}",
                start=(choice(times), ...),
                place=(choice([place]), ...),
                activity=(choice(options), ...),
            )
            for i, (place, options) in enumerate(choices.items())
        ]
        block: Any = Union[tuple(kinds)]  # noqa: UP007 (a runtime union of built models)
    else:
        block = answer_model(
            "PlanBlock",
            start=(choice(times), ...),
            activity=(str, Field(max_length=60)),
            place=(choice(places), ...),
        )
    usual = [f"{at} {activity} ({place})" for at, activity, place in usual_day]
    if usual:
        bounds, ask = (
            (0, 3),
            (
                "What will be different today? List up to 3 changes to your usual day, each with a "
                "start time, what you will do and where; list none if today is a usual day."
            ),
        )
    else:
        bounds, ask = (
            (3, 8),
            (
                f"Plan the rest of today from {times[0]} as 3 to 8 blocks, each with a start time, "
                "what you will do and where."
            ),
        )
    output = answer_model(
        "DayPlan",
        blocks=(list[block], Field(min_length=bounds[0], max_length=bounds[1])),  # type: ignore[valid-type]
    )
    # What stays the same across an agent's calls comes first and the time last, so the
    # embedded model's prompt cache reuses the longest prefix.
    user = (
        f"{identity}\n\nYour usual day:\n{bullet(usual)}\n\n"
        f"Places you know:\n{bullet(place_notes)}\n\n"
        f"Things you remember that matter today:\n{bullet(memories)}\n\n"
        f"It is {date_label}. {ask}"
    )
    fallback = output.model_construct(blocks=[])  # the usual day as it is
    return PromptCall("plan_day", chat(user), output, fallback, max_tokens=60 + 60 * bounds[1])


def decompose(
    identity: str,
    time_label: str,
    activity: str,
    place: str,
    minutes: int,
    options: Sequence[str],
    memories: Sequence[str],
    situation: str = "",
) -> PromptCall[BaseModel]:
    """Break the next `minutes` of an activity into 5-15 minute steps chosen from `options`.

    The options are what the place's objects are for, so a step is something that can be
    done here; a small model that may write any phrase writes "write_a_story.txt" for
    weeding. Choosing is also cheaper: an enum value costs a few tokens.
    """
    step = answer_model(
        "PlanStep",
        action=(choice(options), ...),
        minutes=(choice(["5", "10", "15"]), ...),
        emoji=(choice(EMOJI), ...),
    )
    output = answer_model(
        "StepPlan",
        steps=(list[step], Field(min_length=1, max_length=6)),  # type: ignore[valid-type]
    )
    news = f"Something new happened: {situation}\n" if situation else ""
    user = (
        f"{identity}\n\nYou are at {place}, planning to: {activity}.\n"
        f"What you can do here:\n{bullet(options)}\n\nRelevant memories:\n{bullet(memories)}\n\n"
        f"It is {time_label}. {news}Break the next {minutes} minutes into steps of 5, 10 or 15 "
        "minutes, in order: for each, one thing you can do here, its minutes and an emoji."
    )
    fallback = output(steps=[step(action=options[0], minutes="15", emoji="🙂")])
    return PromptCall("decompose", chat(user), output, fallback, max_tokens=300)
