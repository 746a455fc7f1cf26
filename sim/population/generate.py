"""Generate a persona set from a population spec: seeded, reproducible, checked against a world.

Every random choice comes from one numpy Generator in a fixed order, so a seed gives
byte-identical files; the personas are validated with the same model `sim run` loads.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import yaml

from sim.errors import SimInputError
from sim.persona import Persona
from sim.population.homes import dwelling, fits, studies
from sim.population.names import FIRST, LAST
from sim.population.places import Day, Setting, hm, make_setting, usual_day
from sim.population.relations import Tie, build_ties
from sim.population.sample import Home, Person, form_households, sample_people
from sim.population.spec import PopulationSpec
from sim.population.text import (
    Facts,
    background,
    household_text,
    memories,
    routine_text,
    trait_words,
    values_of,
)
from sim.world.files import shown
from sim.world.map import World

MAX_PEOPLE = 10_000  # names stay unique well below len(FIRST) * len(LAST)
SHARED_SURNAME = {"partner": 0.5, "family": 0.8, "roommate": 0.0}
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def generate(spec: PopulationSpec, source: str, world: World, n: int, seed: int) -> list[Persona]:
    """N personas drawn from `spec`'s marginals, living and working in `world`."""
    if not 1 <= n <= MAX_PEOPLE:
        raise SimInputError("--n", "n", f"{n} is out of range", f"use 1..{MAX_PEOPLE}")
    rng = np.random.default_rng(seed)
    setting = make_setting(world, spec, source)
    people = sample_people(spec, n, rng, source)
    homes = form_households(spec, people, rng)
    _name(spec, people, homes, rng)
    bed_of = _house(spec, setting, people, homes, rng, source)
    home_area = [b.split(":", 1)[0] for b in bed_of]
    work: list[str | None] = []
    days: list[Day] = []
    for p in people:
        job = spec.occupations[p.occupation]
        sites = setting.workplaces(job)
        area, station = sites[int(rng.integers(len(sites)))] if sites else (None, None)
        work.append(area)
        bed = bed_of[p.household]
        days.append(usual_day(setting, job, bed, station, p.big_five["extraversion"], rng))
    entry = {h: world.entry_tile(bed) for h, bed in enumerate(bed_of)}
    order = sorted(range(len(homes)), key=lambda h: (entry[h][1], entry[h][0], h))
    haunt = [d.haunts[-1] if d.haunts else None for d in days]
    known = build_ties(spec, people, homes, home_area, order, work, haunt, rng).index()
    kids = [_kids(home, people, rng) for home in homes]
    town = _town_facts(setting)
    return [
        _persona(
            spec,
            people,
            p,
            Facts(
                name=p.name,
                age=p.age,
                occupation=p.occupation,
                attributes=p.attributes,
                big_five=p.big_five,
                household_kind=p.household_kind,
                home_area=home_area[p.household],
                housemates=[
                    (people[o].name, t.about[p.index].split(";")[0])
                    for o, t in known.get(p.index, [])
                    if people[o].household == p.household
                ],
                kids=kids[p.household],
                workplace=work[p.index],
                day=days[p.index],
                coworker=next(
                    (
                        (people[o].name, t.about[p.index])
                        for o, t in known.get(p.index, [])
                        if t.kind == "coworker"
                    ),
                    None,
                ),
                neighbour=_first(people, p, known, "neighbour", home_area),
                friend=_first(people, p, known, "friend", haunt),
                concern=spec.concerns[int(rng.integers(len(spec.concerns)))],
                town=town,
            ),
            bed_of[p.household],
            known.get(p.index, []),
            rng,
        )
        for p in people
    ]


def write_personas(people: list[Persona], out: Path, overwrite: bool) -> list[Path]:
    """One YAML file per persona, named `NNN-first-last.yaml` so filename order is set order."""
    if out.exists() and not out.is_dir():
        raise SimInputError(shown(out), "--out", "is a file, not a directory", "pick a directory")
    old = sorted(out.iterdir()) if out.is_dir() else []
    if old and not overwrite:
        raise SimInputError(
            shown(out), "--out", "directory is not empty", "pick a new --out or pass --overwrite"
        )
    for file in old:
        if file.suffix in (".yaml", ".yml") and file.is_file():
            file.unlink()
    out.mkdir(parents=True, exist_ok=True)
    width = len(str(len(people)))
    paths = []
    for i, persona in enumerate(people, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", persona.name.lower()).strip("-")
        path = out / f"{i:0{width}d}-{slug}.yaml"
        data = persona.model_dump(mode="json", exclude_none=True)
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _name(
    spec: PopulationSpec, people: list[Person], homes: list[Home], rng: np.random.Generator
) -> None:
    """Unique full names; people sharing a home often share a surname."""
    taken: set[str] = set()
    for home in homes:
        share = SHARED_SURNAME[spec.households[home.kind].bond]
        family = LAST[int(rng.integers(len(LAST)))]
        for k, i in enumerate(home.members):
            same = k > 0 and rng.random() < share
            last = family if same or k == 0 else LAST[int(rng.integers(len(LAST)))]
            name = f"{FIRST[int(rng.integers(len(FIRST)))]} {last}"
            while name in taken:
                name = (
                    f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"
                )
            taken.add(name)
            people[i].name = name


def _house(
    spec: PopulationSpec,
    setting: Setting,
    people: list[Person],
    homes: list[Home],
    rng: np.random.Generator,
    source: str,
) -> list[str]:
    """A bedroom per household that fits it, spread evenly: families in houses (else flats),
    students living alone in residence halls, nobody else in a hall, one adult to a room."""
    beds = [setting.bedrooms[int(i)] for i in rng.permutation(len(setting.bedrooms))]
    kinds = [dwelling(b) for b in beds]
    load = [0] * len(beds)
    out = []
    for home in homes:
        adults, kids = len(home.members), len(home.kids)
        students = all(studies(spec.occupations[people[i].occupation].title) for i in home.members)
        ok = [b for b, kind in enumerate(kinds) if fits(kind, adults, kids, students)]
        if not ok:
            kind = spec.households[home.kind].type
            raise SimInputError(
                shown(setting.world.source),
                "areas",
                f"no home fits a {kind!r} household ({adults} adults, {kids} kids)",
                "add a house or a flat (an arena such as 'Bedroom' or 'Unit 1') to a home",
            )
        prefer = "house" if kids else "hall" if students and adults == 1 else None
        ok = [b for b in ok if kinds[b] == prefer] or ok
        bed = min(ok, key=lambda b: load[b])
        load[bed] += 1
        out.append(beds[bed])
    return out


def _kids(home: Home, people: list[Person], rng: np.random.Generator) -> list[tuple[str, int]]:
    """First names for a household's children, none shared with a sibling or a parent."""
    taken = {people[i].name.split()[0] for i in home.members}
    out = []
    for age in home.kids:
        name = FIRST[int(rng.integers(len(FIRST)))]
        while name in taken:
            name = FIRST[int(rng.integers(len(FIRST)))]
        taken.add(name)
        out.append((name, age))
    return out


def _town_facts(setting: Setting) -> tuple[str, ...]:
    """One sentence per public place: what everybody in town knows."""
    facts = []
    for area in setting.world.areas.values():
        if area.kind in ("home", "street"):
            continue
        hours = (
            f"open {hm(area.open_hours[0] // 60)}-{hm(area.open_hours[1] // 60)}"
            if area.open_hours
            else "always open"
        )
        facts.append(f"{area.name} ({area.kind}) is {hours}.")
    return tuple(facts)


def _first(
    people: list[Person],
    p: Person,
    known: dict[int, list[tuple[int, Tie]]],
    kind: str,
    place: list[str | None] | list[str],
) -> tuple[str, str] | None:
    """The first tie of `kind` outside the household, as (name, where they are found)."""
    for other, tie in known.get(p.index, []):
        if tie.kind == kind and people[other].household != p.household:
            where = place[people[other].household if kind == "neighbour" else other]
            return (people[other].name, where) if where else None
    return None


def _persona(
    spec: PopulationSpec,
    people: list[Person],
    p: Person,
    facts: Facts,
    bed: str,
    known: list[tuple[int, Tie]],
    rng: np.random.Generator,
) -> Persona:
    """Write the text for one person and validate it as a Persona."""
    traits = trait_words(p.big_five, rng)
    return Persona.model_validate(
        {
            "name": p.name,
            "age": p.age,
            "occupation": spec.occupations[p.occupation].title,
            "household": household_text(spec, facts),
            "traits": traits,
            "values": values_of(facts),
            "background": background(spec, facts, traits),
            "daily_routine": routine_text(facts),
            "current_status": f"{p.name.split()[0]} is {facts.concern}.",
            "home": bed,
            "workplace": facts.workplace,
            "wake": hm(facts.day.wake),
            "sleep": hm(facts.day.sleep),
            "routine": [{"at": hm(t), "activity": a, "place": w} for t, a, w in facts.day.items],
            "memories": memories(spec, facts, traits, rng),
            "relationships": [
                {"name": people[o].name, "kind": t.kind, "description": t.about[p.index]}
                for o, t in known
            ],
            "big_five": p.big_five,
            "attributes": p.attributes,
        }
    )
