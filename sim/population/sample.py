"""Draw people and households from a spec's marginals, all from one numpy Generator.

Occupations and households may exclude some ages (no retired 20-year-olds) and occupations may
require attribute values (a professor has a graduate degree). Sampling them independently would
either break those rules or the marginals, so each pair is joined by iterative proportional
fitting: a joint table with the spec's marginals on both sides and zeros where a combination is
not allowed. Each person's value is then drawn conditional on the parent value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from sim.errors import SimInputError
from sim.population.spec import BIG_FIVE, PopulationSpec

PARENT_AGE = (18, 45)  # how much older than their child a parent can be


@dataclass
class Person:
    """One generated person before places and text are added."""

    index: int
    age: int
    occupation: int
    household_kind: int
    attributes: dict[str, str]
    big_five: dict[str, float]
    household: int = -1
    name: str = ""


@dataclass
class Home:
    """A group of people living together, and their children (who are not personas)."""

    kind: int
    members: list[int]
    kids: list[int] = field(default_factory=list)  # ages


def conditional(
    parent: np.ndarray, child: np.ndarray, allowed: np.ndarray, source: str, where: str
) -> np.ndarray:
    """P(child | parent) whose joint has both marginals and zeros where `allowed` is False."""
    parent, child = parent / parent.sum(), child / child.sum()
    joint = allowed * np.outer(parent, child)
    for _ in range(2000):
        joint *= (parent / np.maximum(joint.sum(1), 1e-300))[:, None]
        joint *= (child / np.maximum(joint.sum(0), 1e-300))[None, :]
        if np.abs(joint.sum(1) - parent).max() < 1e-10:
            return joint / joint.sum(1, keepdims=True)
    raise SimInputError(
        source,
        where,
        "these restrictions cannot match the weights on both sides",
        "widen the restrictions or change the weights",
    )


def draw(probs: np.ndarray, parents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per person from row `parents[i]` of the conditional table `probs`."""
    cumulative = np.cumsum(probs, axis=1)[parents]
    u = rng.random(len(parents))[:, None]
    return np.minimum((cumulative < u).sum(axis=1), probs.shape[1] - 1)


def _inside(bands: list[tuple[int, int]], ranges: list[tuple[int, int]]) -> np.ndarray:
    """allowed[b, k]: age band b lies entirely inside range k."""
    return np.array([[lo <= b0 and b1 <= hi for lo, hi in ranges] for b0, b1 in bands], float)


def sample_people(
    spec: PopulationSpec, n: int, rng: np.random.Generator, source: str
) -> list[Person]:
    """N people with age, occupation, household kind, attributes and Big Five scores."""
    bands = [(b.min, b.max) for b in spec.ages]
    band_w = np.array([b.weight for b in spec.ages])
    job_w = np.array([o.weight for o in spec.occupations])
    home_w = np.array([h.weight for h in spec.households])
    job_given_band = conditional(
        band_w, job_w, _inside(bands, [o.ages for o in spec.occupations]), source, "occupations"
    )
    home_given_band = conditional(
        band_w, home_w, _inside(bands, [h.ages for h in spec.households]), source, "households"
    )
    band = rng.choice(len(bands), size=n, p=band_w / band_w.sum())
    lo, hi = np.array(bands).T
    age = rng.integers(lo[band], hi[band] + 1)
    job = draw(job_given_band, band, rng)
    home = draw(home_given_band, band, rng)
    values: dict[str, list[str]] = {}
    for name, options in spec.attributes.items():
        allowed = np.array(
            [
                [o.value in occ.requires.get(name, [o.value]) for o in options]
                for occ in spec.occupations
            ],
            float,
        )
        weights = np.array([o.weight for o in options])
        probs = conditional(job_w, weights, allowed, source, f"attributes[{name!r}]")
        picked = draw(probs, job, rng)
        _respect_min_age(spec, name, probs, job, age, picked, rng, source)
        values[name] = [options[k].value for k in picked]
    traits = [getattr(spec.big_five, t) for t in BIG_FIVE]
    scores = rng.normal([t.mean for t in traits], [t.sd for t in traits], size=(n, len(traits)))
    scores = np.clip(scores, 0.0, 1.0).round(2)
    return [
        Person(
            index=i,
            age=int(age[i]),
            occupation=int(job[i]),
            household_kind=int(home[i]),
            attributes={name: vals[i] for name, vals in values.items()},
            big_five={t: float(scores[i, k]) for k, t in enumerate(BIG_FIVE)},
        )
        for i in range(n)
    ]


def _respect_min_age(
    spec: PopulationSpec,
    name: str,
    probs: np.ndarray,
    job: np.ndarray,
    age: np.ndarray,
    picked: np.ndarray,
    rng: np.random.Generator,
    source: str,
) -> None:
    """Redraw values too old for their holder (no 19-year-old with a graduate degree) from
    the values their job allows at their age."""
    least = np.array([o.min_age for o in spec.attributes[name]])
    for i in np.flatnonzero(least[picked] > age):
        row = probs[job[i]] * (least <= age[i])
        if row.sum() == 0:
            title = spec.occupations[job[i]].title
            raise SimInputError(
                source,
                f"attributes[{name!r}]",
                f"no value that {title!r} allows has a min_age of {age[i]} or less",
                "lower a min_age or raise the occupation's ages",
            )
        picked[i] = rng.choice(len(row), p=row / row.sum())


def form_households(
    spec: PopulationSpec, people: list[Person], rng: np.random.Generator
) -> list[Home]:
    """Group people of each household kind by age: partners and roommates of similar age,
    family members a generation apart. Leftovers too few to fill a household live alone."""
    alone = next((k for k, h in enumerate(spec.households) if h.adults == 1), None)
    homes: list[Home] = []
    leftovers: list[int] = []
    for k, kind in enumerate(spec.households):
        group = sorted((p for p in people if p.household_kind == k), key=lambda p: (p.age, p.index))
        ids = [p.index for p in group]
        full = len(ids) - len(ids) % kind.adults
        leftovers += ids[full:]
        ids = ids[:full]
        count = full // kind.adults
        if kind.bond == "family":  # strided: the i-th youngest with the i-th of each older slice
            members = [ids[i::count] for i in range(count)]
            # a generation apart, or not family: the rest live alone
            ok = [m for m in members if all(_generation(people, a, b) for a, b in pairwise(m))]
            leftovers += [i for m in members if m not in ok for i in m]
            members = ok
        else:
            members = [ids[i : i + kind.adults] for i in range(0, full, kind.adults)]
        homes += [Home(k, m) for m in members]
    for i in sorted(leftovers):
        kind = alone if alone is not None else people[i].household_kind
        people[i].household_kind = kind
        homes.append(Home(kind, [i]))
    for h, home in enumerate(homes):
        kind = spec.households[home.kind]
        ages = [people[i].age for i in home.members]
        kids = int(rng.integers(kind.kids[0], kind.kids[1] + 1))
        # born when every adult was a PARENT_AGE apart from them, and still a child now
        high = min(17, min(ages) - PARENT_AGE[0])
        low = min(max(0, max(ages) - PARENT_AGE[1]), high)
        home.kids = sorted(int(a) for a in rng.integers(low, high + 1, size=kids))[::-1]
        for i in home.members:
            people[i].household = h
            people[i].attributes["household"] = kind.type
    return homes


def _generation(people: list[Person], young: int, old: int) -> bool:
    """Whether two people are a parent's age apart."""
    gap = people[old].age - people[young].age
    return PARENT_AGE[0] <= gap <= PARENT_AGE[1]
