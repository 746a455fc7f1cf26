"""Does a persona set contradict itself? Checked from the written personas, not the generator.

The generator samples so that contradictions do not arise; this checker reads the finished
files back (age, occupation, household, home, kids, relationships, memories) and names every
contradiction it finds, so a regression in any part of the generator shows up in the tests.
With the spec (and the world) it also checks the spec's own rules: age ranges, required
attribute values, minimum ages, and workplaces that fit the job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.persona import Persona
from sim.population.homes import dwelling, owner, shared, studies
from sim.population.sample import PARENT_AGE
from sim.population.spec import PopulationSpec
from sim.world.map import World

STUDENT_AGE = (16, 30)
RETIRED_FROM = 50
PARTNER_GAP = 25  # largest age gap between partners
# Phrases that deny studying now, which a current student's backstory must not hold.
NOT_STUDYING = (
    "never saw the point",
    "left school",
    "dropped out",
    "might go back",
    "took college classes for a while",
)
_KID = re.compile(r"([^\s,(]+) \((\d+)\)")
_ROLES = {"my parent": "parent", "my grown-up child": "child", "my partner": "partner"}


def check_coherence(
    personas: Sequence[Persona], spec: PopulationSpec | None = None, world: World | None = None
) -> list[str]:
    """Every contradiction in a persona set, one 'Name: problem' line each ([] if none)."""
    by_name = {p.name: p for p in personas}
    problems = []
    for p in personas:
        found = _home(p) + _life(p) + _ties(p, by_name)
        if spec is not None:
            found += _spec_rules(p, spec, world)
        problems += [f"{p.name}: {problem}" for problem in found]
    return problems


def kids_of(p: Persona) -> list[tuple[str, int]]:
    """(first name, age) of the children listed in the household field ('...; kids A (5)')."""
    part = next((s for s in p.household.split("; ") if re.match(r"kids? ", s)), "")
    return [(name, int(age)) for name, age in _KID.findall(part)]


def _housemates(p: Persona) -> list[str]:
    return [r.name for r in p.relationships if "we live together" in r.description]


def _home(p: Persona) -> list[str]:
    """The home is a well-formed bedroom that fits the household."""
    area, sep, arena = p.home.partition(":")
    if not (area and sep and arena):
        return [f"home {p.home!r} is not 'Area:Arena'"]
    out = []
    if shared(arena):
        out.append(f"sleeps in a shared room, {p.home!r}")
    if owner(p.home) not in (None, p.name.split()[0]):
        out.append(f"lives in a room named after {owner(p.home)}: {p.home!r}")
    kind = dwelling(p.home)
    if kind in ("hall", "room") and (_housemates(p) or kids_of(p)):
        out.append(f"shares a single room ({p.home!r}) with a household")
    if kind == "hall" and not studies(p.occupation):
        out.append(f"lives in a residence hall ({p.home!r}) but is {p.occupation!r}")
    return out


def _life(p: Persona) -> list[str]:
    """Age, occupation, kids and the words about them agree."""
    out = []
    first = p.name.split()[0]
    if studies(p.occupation):
        if not STUDENT_AGE[0] <= p.age <= STUDENT_AGE[1]:
            out.append(f"is a student at {p.age}")
        words = " ".join([p.background, *p.memories]).lower()
        out += [f"a student whose story says {s!r}" for s in NOT_STUDYING if s in words]
    if "retire" in p.occupation.lower() and p.age < RETIRED_FROM:
        out.append(f"is retired at {p.age}")
    kids = kids_of(p)
    names = [name for name, _ in kids]
    if len(set(names)) < len(names) or first in names:
        out.append(f"children's names repeat: {', '.join(names)}")
    for name, age in kids:
        if not (age < 18 and PARENT_AGE[0] <= p.age - age <= PARENT_AGE[1]):
            out.append(f"is {p.age} with a child {name} aged {age}")
    alone = "lives alone" in p.background or "I live alone" in " ".join(p.memories)
    if alone and (kids or _housemates(p)):
        out.append("says they live alone but has a household")
    return out


def _ties(p: Persona, by_name: dict[str, Persona]) -> list[str]:
    """Parents are a generation older than their children, partners of similar age."""
    out = []
    for tie in p.relationships:
        other = by_name.get(tie.name)
        role = _ROLES.get(tie.description.split(";")[0])
        if other is None or role is None:
            continue
        gap = {"parent": other.age - p.age, "child": p.age - other.age}.get(role)
        if gap is not None and not PARENT_AGE[0] <= gap <= PARENT_AGE[1]:
            out.append(f"{tie.name} ({other.age}) is their {role}, at {p.age}")
        if role == "partner" and abs(other.age - p.age) > PARTNER_GAP:
            out.append(f"partner {tie.name} is {other.age}, they are {p.age}")
    return out


def _spec_rules(p: Persona, spec: PopulationSpec, world: World | None) -> list[str]:
    """The spec's ranges and requirements, and (with the world) a workplace that fits the job."""
    out = []
    job = next((o for o in spec.occupations if o.title == p.occupation), None)
    kind = next((h for h in spec.households if h.type == p.attributes.get("household")), None)
    if job is None or kind is None:
        return [f"occupation or household is not in the spec ({p.occupation!r})"]
    for what, (low, high) in ((job.title, job.ages), (kind.type, kind.ages)):
        if not low <= p.age <= high:
            out.append(f"is {what!r} at {p.age}, outside {low}-{high}")
    if not kind.kids[0] <= len(kids_of(p)) <= kind.kids[1]:
        out.append(f"household {kind.type!r} with {len(kids_of(p))} kids")
    for name, options in spec.attributes.items():
        value = p.attributes.get(name)
        option = next((o for o in options if o.value == value), None)
        if option is None or value not in job.requires.get(name, [value]):
            out.append(f"{name} {value!r} does not fit {job.title!r}")
        elif p.age < option.min_age:
            out.append(f"{name} {value!r} at {p.age}")
        elif name in job.speaks_for and any(s in p.memories for s in option.says):
            out.append(f"as {job.title!r}, remembers {name} as {value!r} says it")
    if world is not None:
        out += _workplace(p, job.works_at, job.places, world)
    return out


def _workplace(p: Persona, kinds: Sequence[str], words: Sequence[str], world: World) -> list[str]:
    """A workplace of the job's kinds, and one its `places` words name when the world has one."""
    if not kinds:
        return [f"works at {p.workplace!r}, a job with no workplace"] if p.workplace else []
    area = world.areas.get((p.workplace or "").partition(":")[0])
    if area is None or area.kind not in kinds:
        return [f"works at {p.workplace!r}, not a {' or '.join(kinds)}"]

    def named(text: str) -> bool:
        return any(w.lower() in text.lower() for w in words)

    fitting = [
        a for a in world.areas.values() if a.kind in kinds and named(" ".join([a.name, *a.arenas]))
    ]
    stations = {i.place for i in p.routine if i.place.startswith(area.name + ":")}
    if fitting and not named(" ".join([area.name, *stations])):
        return [f"works at {area.name}, though {fitting[0].name} fits {p.occupation!r} by name"]
    return []
