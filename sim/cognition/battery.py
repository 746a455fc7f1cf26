"""Interview batteries: fixed sets of questions, templated on one agent's own life.

The believability battery follows the evaluation of Generative Agents (Park et al. 2023, section
6.1): five categories of five questions that probe whether an agent can speak about itself, its
memories, its plans, its reactions and its reflections. The questions name the people this agent
knows and has met, and times relative to the interview, so the same battery fits any agent of
any run. Building a battery reads the agent and never changes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sim.agent import Agent
from sim.clock import DAY, HOUR
from sim.errors import SimInputError
from sim.types import GameSeconds

CATEGORIES = ("self-knowledge", "memory", "plans", "reactions", "reflections")
NOBODY = "your closest neighbour"  # who the questions name when the agent knows no one
PADDING = ["What is the latest news around town?", "Who have you talked with today?"]


@dataclass(frozen=True)
class BatteryQuestion:
    """One question of a battery and the category it measures."""

    category: str
    question: str


def acquaintances(agent: Agent, people: Sequence[str]) -> list[str]:
    """People the agent knows, in the order a battery names them: its relationships first, then
    whoever its memories are about (most recent first), then the rest of the town."""
    known = [r.name for r in agent.persona.relationships]
    met = [s for r in reversed(agent.memory.records) for s in r.subjects]
    names = dict.fromkeys(n for n in [*known, *met, *people] if n != agent.name)
    return list(names) or [NOBODY]


def _lived(agent: Agent) -> list[GameSeconds]:
    """Times of what the agent remembers from the run itself (not its seed memories)."""
    records = agent.memory.records
    seeded = records[0].created if records else 0
    return [r.created for r in records if r.created > seeded]


def _clock(t: GameSeconds, now: GameSeconds) -> str:
    """A time as the agent would say it, relative to the interview: "10:00 today"."""
    days = t // DAY - now // DAY
    when = {-1: "yesterday", 0: "today", 1: "tomorrow"}.get(days, f"on day {t // DAY + 1}")
    rest = t % DAY
    return f"{rest // HOUR:02d}:{rest % HOUR // 60:02d} {when}"


def believability(agent: Agent, now: GameSeconds, people: Sequence[str]) -> list[BatteryQuestion]:
    """The five-category interview of Generative Agents, templated on this agent at `now`."""
    names = acquaintances(agent, people)
    first = names[0]
    who = [f"Who is {n}?" for n in names[:3]] + PADDING[: 3 - len(names[:3])]
    recent = next((s for r in reversed(agent.memory.records) for s in r.subjects), first)
    lived = _lived(agent)
    earlier = _clock(lived[len(lived) // 2] // 300 * 300, now) if lived else None
    hour = now // HOUR * HOUR
    tomorrow = (now // DAY + 1) * DAY
    soon = [hour + k * HOUR for k in (1, 3, 6)]
    plan_times = [*soon, tomorrow + agent.wake // HOUR * HOUR + 2 * HOUR, tomorrow + 14 * HOUR]
    asked = {
        "self-knowledge": [
            "Give an introduction of yourself.",
            "What is your occupation?",
            "What are your interests?",
            "Who do you live with?",
            "Describe your typical weekday schedule in broad strokes.",
        ],
        "memory": [
            *who,
            f"What were you doing at {earlier}?" if earlier else "What have you done so far today?",
            f"When did you last see {recent}, and what were they doing?",
        ],
        "plans": [f"What will you be doing at {_clock(t, now)}?" for t in plan_times],
        "reactions": [
            "Your breakfast is burning! What would you do?",
            "The bathroom is occupied. What would you do?",
            "You need to cook dinner but your refrigerator is empty. What would you do?",
            f"You see {first} walking by on the street. What would you do or say to them?",
            "You see a fire on the street. What would you do?",
        ],
        "reflections": [
            "What inspires you in life the most right now, and why?",
            f"If you had to guess, given what you know about {recent}, what book would they "
            "like, and why?",
            f"If you had to get {recent} something they like for their birthday, what would "
            "you get them?",
            f"What would you say to {recent} to compliment them?",
            "If you could spend time with one person you met recently, who would it be and why?",
        ],
    }
    return [BatteryQuestion(c, q) for c in CATEGORIES for q in asked[c]]


Battery = Callable[[Agent, GameSeconds, Sequence[str]], list[BatteryQuestion]]
BATTERIES: dict[str, Battery] = {"believability": believability}


def battery(
    name: str, agent: Agent, now: GameSeconds, people: Sequence[str]
) -> list[BatteryQuestion]:
    """The questions of the battery called `name` for `agent`, or a one-line error."""
    if name not in BATTERIES:
        known = ", ".join(BATTERIES)
        raise SimInputError("interview", "battery", f"no battery named {name!r}", f"use {known}")
    return BATTERIES[name](agent, now, people)
