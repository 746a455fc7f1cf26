"""Planning prompts: the day's schedule on waking, and a block broken into short actions."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field, create_model

from sim.prompts.base import EMOJI, PromptCall, bullet, chat, choice


def plan_day(
    identity: str,
    date_label: str,
    hours: Sequence[int],
    places: Sequence[str],
    place_notes: Sequence[str],
    memories: Sequence[str],
    home: str,
) -> PromptCall[BaseModel]:
    """Broad strokes and the hourly schedule in one call: blocks with a start hour and a place."""
    block = create_model(
        "PlanBlock",
        start_hour=(choice(str(h) for h in hours), ...),
        activity=(str, Field(max_length=60)),
        place=(choice(places), ...),
    )
    output = create_model(
        "DayPlan",
        blocks=(list[block], Field(min_length=3, max_length=10)),  # type: ignore[valid-type]
    )
    user = (
        f"{identity}\n\nIt is {date_label}. Things you remember that matter today:\n"
        f"{bullet(memories)}\n\nPlaces you know:\n{bullet(place_notes)}\n\n"
        f"Plan your day from {hours[0]}:00 as 4 to 8 blocks. Each block has a start hour, "
        "what you will do, and where."
    )
    fallback = output(
        blocks=[
            block(start_hour=str(hours[0]), activity="morning routine at home", place=home),
            block(start_hour=str(hours[len(hours) // 3]), activity="daily work", place=home),
            block(start_hour=str(hours[2 * len(hours) // 3]), activity="relax", place=home),
        ]
    )
    return PromptCall("plan_day", chat(user), output, fallback, max_tokens=420)


def decompose(
    identity: str,
    time_label: str,
    activity: str,
    place: str,
    minutes: int,
    objects: Sequence[str],
    memories: Sequence[str],
    situation: str = "",
) -> PromptCall[BaseModel]:
    """Break the next `minutes` of an activity into 5-15 minute steps, each using an object."""
    step = create_model(
        "PlanStep",
        minutes=(choice(["5", "10", "15"]), ...),
        action=(str, Field(max_length=50)),
        object=(choice([*objects, "none"]), ...),
        emoji=(choice(EMOJI), ...),
    )
    output = create_model(
        "StepPlan",
        steps=(list[step], Field(min_length=1, max_length=8)),  # type: ignore[valid-type]
    )
    news = f"Something new happened: {situation}\n" if situation else ""
    user = (
        f"{identity}\n\nIt is {time_label}. You are at {place}, planning to: {activity}.\n{news}"
        f"Relevant memories:\n{bullet(memories)}\n\n"
        f"Break the next {minutes} minutes into steps of 5, 10 or 15 minutes. For each step say "
        "what you do, which object you use, and an emoji."
    )
    fallback = output(steps=[step(minutes="15", action=activity[:50], object="none", emoji="🙂")])
    return PromptCall("decompose", chat(user), output, fallback, max_tokens=360)
