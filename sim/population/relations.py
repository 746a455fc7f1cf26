"""Who knows whom: household members, coworkers, neighbours and friends, the same both ways.

Ties are built as undirected pairs, each with how either side describes the other, so every
relationship a persona lists is matched by one in the other persona's file. A pair keeps its
strongest tie: household over coworker over neighbour over friend.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from sim.population.homes import studies
from sim.population.sample import Home, Person
from sim.population.spec import PopulationSpec

RANK = {"partner": 0, "family": 1, "friend": 2, "coworker": 3, "neighbour": 4}


@dataclass(frozen=True)
class Tie:
    """One relationship between two people: its kind and how each describes the other."""

    kind: str
    about: dict[int, str]  # person -> their description of the other


class Ties:
    """The growing set of ties, keyed by (lower index, higher index)."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[int, int], Tie] = {}

    def add(self, a: int, b: int, kind: str, a_about_b: str, b_about_a: str) -> None:
        """Record a tie unless the pair already has a stronger one."""
        key = (min(a, b), max(a, b))
        if a != b and key not in self.pairs:
            self.pairs[key] = Tie(kind, {a: a_about_b, b: b_about_a})

    def index(self) -> dict[int, list[tuple[int, Tie]]]:
        """Person -> (other person, tie) for everyone they know, closest kinds first."""
        out: dict[int, list[tuple[int, Tie]]] = defaultdict(list)
        for (a, b), tie in self.pairs.items():
            out[a].append((b, tie))
            out[b].append((a, tie))
        return {k: sorted(v, key=lambda x: (RANK[x[1].kind], x[0])) for k, v in out.items()}


def ring(members: Sequence[int]) -> list[tuple[int, int]]:
    """Each member tied to the next one, wrapping round: everyone gets one or two ties."""
    if len(members) < 2:
        return []
    return [(members[i], members[(i + 1) % len(members)]) for i in range(len(members))]


def build_ties(
    spec: PopulationSpec,
    people: list[Person],
    homes: list[Home],
    home_area: list[str],
    home_order: list[int],
    work: list[str | None],
    haunt: list[str | None],
    rng: np.random.Generator,
) -> Ties:
    """All ties of the set; `home_order` lists households from one end of town to the other."""
    ties = Ties()
    for h, home in enumerate(homes):
        bond = spec.households[home.kind].bond
        place = home_area[h]
        for x, a in enumerate(home.members):
            for b in home.members[x + 1 :]:
                _household_tie(ties, people[a], people[b], bond, place)
    for group in _groups(work).values():
        for a, b in ring([int(i) for i in rng.permutation(group)]):
            student = [studies(spec.occupations[people[i].occupation].title) for i in (a, b)]
            ties.add(a, b, "coworker", *_colleagues(work[a] or "", *student))
    for h, nxt in pairwise(home_order):
        here, there = homes[h].members, homes[nxt].members
        for m, a in enumerate(here):
            b = there[m % len(there)]
            ties.add(
                a,
                b,
                "neighbour",
                f"lives near me, at {home_area[nxt]}",
                f"lives near me, at {home_area[h]}",
            )
    for place, group in _groups(haunt).items():
        jitter = rng.normal(0, 6, len(group))
        keys = [people[g].age + j for g, j in zip(group, jitter, strict=True)]
        by_age = [g for _, g in sorted(zip(keys, group, strict=True))]
        for a, b in ring(by_age):
            text = f"a friend; we often meet at {place}"
            ties.add(a, b, "friend", text, text)
    return ties


def _colleagues(place: str, a_studies: bool, b_studies: bool) -> tuple[str, str]:
    """How two people at one workplace describe each other: students study there, staff work."""
    verb = {True: "study", False: "work"}
    if a_studies == b_studies:
        text = f"we both {verb[a_studies]} at {place}"
        return text, text
    third = {True: "studies", False: "works"}
    return (
        f"{third[b_studies]} at {place}, where I {verb[a_studies]}",
        f"{third[a_studies]} at {place}, where I {verb[b_studies]}",
    )


def _household_tie(ties: Ties, a: Person, b: Person, bond: str, place: str) -> None:
    """Descriptions start with the role ("my partner; ..."), which memories quote."""
    kind, a_role, b_role = {
        "partner": ("partner", "my partner", "my partner"),
        "roommate": ("friend", "my roommate", "my roommate"),
    }.get(bond, ("family", "a relative", "a relative"))
    if kind == "family" and abs(a.age - b.age) >= 15:
        a_role, b_role = (
            ("my grown-up child", "my parent")
            if a.age > b.age
            else ("my parent", "my grown-up child")
        )
    where = f"; we live together at {place}"
    ties.add(a.index, b.index, kind, a_role + where, b_role + where)


def _groups(place_of: list[str | None]) -> dict[str, list[int]]:
    """People by place, places in first-seen order, people in index order."""
    out: dict[str, list[int]] = {}
    for i, place in enumerate(place_of):
        if place is not None:
            out.setdefault(place, []).append(i)
    return out
