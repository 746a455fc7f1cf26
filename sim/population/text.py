"""The words of a generated persona: traits from Big Five scores, background, seed memories.

Agents reason from text, experiments from numbers; both come from the same sampled attributes,
so a persona's words never contradict its scores, job, household or opinions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.population.places import Day, hm
from sim.population.spec import BIG_FIVE, PopulationSpec

WORDS = {  # trait -> (words for a high score, words for a low score)
    "openness": (("curious", "imaginative", "artistic"), ("practical", "conventional")),
    "conscientiousness": (("organised", "dependable", "diligent"), ("spontaneous", "easygoing")),
    "extraversion": (("outgoing", "talkative", "sociable"), ("reserved", "quiet", "private")),
    "agreeableness": (("warm", "kind", "trusting"), ("blunt", "sceptical", "competitive")),
    "neuroticism": (("anxious", "moody", "easily stressed"), ("calm", "even-tempered")),
}
VALUES = {
    "openness": "new ideas",
    "conscientiousness": "hard work",
    "extraversion": "friendship",
    "agreeableness": "community",
}


@dataclass(frozen=True)
class Facts:
    """Everything the text is written from, already decided."""

    name: str
    age: int
    occupation: int
    attributes: dict[str, str]
    big_five: dict[str, float]
    household_kind: int
    home_area: str
    housemates: list[tuple[str, str]]  # (name, role such as "my partner")
    kids: list[tuple[str, int]]  # (first name, age)
    workplace: str | None
    day: Day
    coworker: tuple[str, str] | None  # (name, how I describe them: "we both work at ...")
    neighbour: tuple[str, str] | None  # (name, their home)
    friend: tuple[str, str] | None  # (name, where they meet)
    concern: str
    town: tuple[str, ...]  # sentences about public places, to pad the memories


def trait_words(scores: dict[str, float], rng: np.random.Generator) -> list[str]:
    """Three or four words for the most pronounced of the five scores."""
    ranked = sorted(BIG_FIVE, key=lambda t: -abs(scores[t] - 0.5))
    words = []
    for trait in ranked[: 3 + int(rng.integers(0, 2))]:
        high, low = WORDS[trait]
        options = high if scores[trait] >= 0.5 else low
        words.append(options[int(rng.integers(len(options)))])
    return words


def values_of(facts: Facts) -> list[str]:
    """What they care about: strong traits, and family when there are kids."""
    found = [v for t, v in VALUES.items() if facts.big_five[t] >= 0.65]
    if facts.kids:
        found.insert(0, "family")
    return found or ["a quiet, steady life"]


def background(spec: PopulationSpec, facts: Facts, traits: list[str]) -> str:
    """A short third-person paragraph."""
    job = spec.occupations[facts.occupation]
    first = facts.name.split()[0]
    work = f"is {_a(job.title)}" + (f" at {facts.workplace}" if facts.workplace else "")
    family = [n for n, _ in facts.housemates]
    if facts.kids:
        family.append(f"their {_children(facts)}")
    home = (
        f"lives at {facts.home_area} with {_join(family)}"
        if family
        else f"lives alone at {facts.home_area}"
    )
    about = [
        f"{first} {o.about}."
        for name, options in spec.attributes.items()
        for o in options
        if o.value == facts.attributes.get(name) and o.about
    ]
    return " ".join(
        [
            f"{facts.name} is {facts.age} and {work}.",
            f"{first} {home}.",
            *about,
            f"People who know {first} would call them {_join(traits)}.",
        ]
    )


def household_text(spec: PopulationSpec, facts: Facts) -> str:
    """The household field: its kind, then who lives there."""
    kind = spec.households[facts.household_kind].type
    parts = [kind]
    if facts.housemates:
        parts.append(
            "lives with " + _join(f"{n} ({r.removeprefix('my ')})" for n, r in facts.housemates)
        )
    elif not facts.kids and "alone" not in kind:
        parts.append("lives alone")
    if facts.kids:
        parts.append(f"kid{'s' if len(facts.kids) > 1 else ''} {_kids(facts)}")
    return "; ".join(parts)


def routine_text(facts: Facts) -> str:
    """The usual day in words, from the structured routine."""
    parts = [f"Wakes at {hm(facts.day.wake)}."]
    parts += [f"{hm(t)}: {what} ({place})." for t, what, place in facts.day.items[1:]]
    return " ".join([*parts, f"Asleep by {hm(facts.day.sleep)}."])


def memories(
    spec: PopulationSpec, facts: Facts, traits: list[str], rng: np.random.Generator
) -> list[str]:
    """8-15 first-person seed memories, most telling first, padded with facts about places."""
    job = spec.occupations[facts.occupation]
    kind = spec.households[facts.household_kind]
    says = [*job.says, *kind.says]
    # a job that speaks for an attribute (a student on their studies) replaces its memory
    chosen = [
        o
        for name, opts in spec.attributes.items()
        if name not in job.speaks_for
        for o in opts
        if o.value == facts.attributes.get(name) and o.says
    ]
    family = [f"{role} {n}" for n, role in facts.housemates]
    if facts.kids:
        family.append(f"my {_children(facts)}")
    out = [
        f"I am {_a(job.title)} at {facts.workplace}, usually {job.hours}."
        if facts.workplace
        else f"I am {_a(job.title)}; most days are for {job.activity}.",
        f"I live at {facts.home_area} with {_join(family)}."
        if family
        else f"I live alone at {facts.home_area}.",
    ]
    if facts.kids:
        out.append(f"My {'kids keep' if len(facts.kids) > 1 else 'kid keeps'} me busy.")
    out += [o.says[int(rng.integers(len(o.says)))] for o in chosen]
    if says:
        out.append(says[int(rng.integers(len(says)))])
    if facts.coworker:
        name, about = facts.coworker
        both = about.removeprefix("we both ")
        out.append(f"{name} and I both {both}." if both != about else f"{name} {about}.")
    if facts.neighbour:
        name, area = facts.neighbour
        also = "also " if area == facts.home_area else ""
        out.append(f"My neighbour {name} {also}lives at {area}.")
    if facts.friend:
        out.append(f"I often run into my friend {facts.friend[0]} at {facts.friend[1]}.")
    out += [
        f"People say I am {traits[0]} and {traits[1]}.",
        f"Lately I have been {facts.concern}.",
        *(f"I often spend time at {area}." for area in dict.fromkeys(facts.day.haunts)),
        f"I am {facts.age} years old.",
        f"My alarm goes off at {hm(facts.day.wake)} and I try to be asleep by "
        f"{hm(facts.day.sleep)}.",
    ]
    shift = int(rng.integers(len(facts.town))) if facts.town else 0
    out += facts.town[shift:] + facts.town[:shift]
    return out[: int(rng.integers(8, 16))]


def _kids(facts: Facts) -> str:
    return _join(f"{n} ({age})" for n, age in facts.kids)


def _children(facts: Facts) -> str:
    """'child Hugo (7)' or 'children Samuel (10) and Deepa (2)'."""
    return ("children " if len(facts.kids) > 1 else "child ") + _kids(facts)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _join(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(items)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
