"""Planning prompts: the day's schedule on waking, and a block broken into short actions."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field, create_model

from sim.prompts.base import EMOJI, PromptCall, bullet, chat, choice


def plan_day(
    identity: str,
    date_label: str,
    times: Sequence[str],
    places: Sequence[str],
    place_notes: Sequence[str],
    usual_day: Sequence[tuple[str, str, str]],
    memories: Sequence[str],
    home: str,
) -> PromptCall[BaseModel]:
    """Today's schedule in one call: blocks with a start time ("HH:MM") and a known place.

    The usual day (start, activity, place), clipped to the rest of today, is shown first and
    is the fallback: a small model copies it faithfully, a capable one adapts it to what its
    memories say today needs.
    """
    block = create_model(
        "PlanBlock",
        start=(choice(times), ...),
        activity=(str, Field(max_length=60)),
        place=(choice(places), ...),
    )
    output = create_model(
        "DayPlan",
        blocks=(list[block], Field(min_length=2, max_length=10)),  # type: ignore[valid-type]
    )
    usual = [f"{at} {activity} ({place})" for at, activity, place in usual_day]
    user = (
        f"{identity}\n\nIt is {date_label}. Your usual day:\n{bullet(usual)}\n\n"
        f"Things you remember that matter today:\n{bullet(memories)}\n\n"
        f"Places you know:\n{bullet(place_notes)}\n\n"
        f"Plan the rest of today from {times[0]} as 4 to 8 blocks, each with a start time, what "
        "you will do, and where. Keep what fits from your usual day and change what today needs."
    )
    plan = [(at, a, p) for at, a, p in usual_day if at in times and p in places]
    plan = plan or [(times[0], "time at home", home)]
    if len(plan) < 2:
        plan.append((times[-1], "rest at home", home))
    fallback = output(blocks=[block(start=at, activity=a, place=p) for at, a, p in plan])
    return PromptCall("plan_day", chat(user), output, fallback, max_tokens=480)


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
