"""Where generated people live, work and spend free time, and the usual day that joins them.

Choices respect the world: homes are bedrooms of home-kind areas, workplaces are areas of the
kinds an occupation lists, and lunch and evening places are leisure areas open at that hour,
picked by how well their bustle suits the person's extraversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import SimInputError
from sim.population.homes import owner, shared
from sim.population.spec import Occupation, PopulationSpec
from sim.world.files import parse_hhmm, shown
from sim.world.map import World

# How lively a kind of place is, 0 (quiet) .. 1 (busy); people favour places near their
# extraversion score.
LIVELINESS = {"bar": 0.9, "cafe": 0.6, "park": 0.4, "shop": 0.5, "library": 0.1}
DOING = {
    "bar": "a drink and some company",
    "cafe": "coffee and a chat",
    "park": "a walk in the park",
    "library": "reading at the library",
}
NOON, ONE_PM, DINNER = 12 * 60, 13 * 60, 18 * 60 + 30


@dataclass(frozen=True)
class Setting:
    """The world's places sorted into what the generator needs."""

    world: World
    bedrooms: tuple[str, ...]  # arenas people sleep in
    kitchens: dict[str, str]  # home area -> its kitchen, where meals at home happen
    leisure: tuple[str, ...]  # areas for lunch and evenings

    def workplaces(self, job: Occupation) -> list[tuple[str, str]]:
        """(area, arena) pairs where `job` can be done, in file order: places whose name has one
        of the job's `places` words when some do (a pharmacist at the pharmacy's dispensary,
        not the hardware shop), else every area of its kinds at its first arena."""
        areas = [a for a in self.world.areas.values() if a.kind in job.works_at]
        words = [w.lower() for w in job.places]
        named = []
        for area in areas:
            arenas = [r for r in area.arenas if any(w in r.split(":", 1)[1].lower() for w in words)]
            if arenas or any(w in area.name.lower() for w in words):
                named.append((area.name, (arenas or area.arenas)[0]))
        return named or [(a.name, a.arenas[0]) for a in areas]

    def public_arena(self, area: str) -> str:
        """Visitors gather in an area's largest arena (the seating, the lawn)."""
        arenas = self.world.areas[area].arenas
        return max(arenas, key=lambda a: (len(self.world.arenas[a].tiles), -arenas.index(a)))


def make_setting(world: World, spec: PopulationSpec, source: str) -> Setting:
    """Sort the world's places; every occupation must find a workplace and people a home."""
    problems = []
    homes = [a for a in world.areas.values() if a.kind == "home"]
    if not homes:
        problems.append(
            SimInputError(
                shown(world.source), "areas", "no area of kind 'home'", "add homes with bedrooms"
            )
        )
    for i, job in enumerate(spec.occupations):
        if job.works_at and not any(a.kind in job.works_at for a in world.areas.values()):
            problems.append(
                SimInputError(
                    source,
                    f"occupations[{i}].works_at",
                    f"no area of kind {', '.join(job.works_at)} in {shown(world.source)}",
                    "add such an area to the world, pick another --world, or change works_at",
                )
            )
    if problems:
        raise problems[0]
    bedrooms, kitchens = [], {}
    for area in homes:
        # Rooms named after someone ("Lucia's Room") belong to that persona, not a stranger.
        bedrooms += [r for r in area.arenas if not shared(r.split(":", 1)[1]) and owner(r) is None]
        kitchen = next((r for r in area.arenas if "kitchen" in r.lower()), None)
        if kitchen is not None:
            kitchens[area.name] = kitchen
    if not bedrooms:
        raise SimInputError(
            shown(world.source),
            "areas",
            "no home has a room to sleep in that is not shared or named after someone",
            "add a bedroom, a flat or a room such as 'Room 101' to a home",
        )
    leisure = tuple(a.name for a in world.areas.values() if a.kind in spec.leisure)
    return Setting(world, tuple(bedrooms), kitchens, leisure)


def hm(minutes: int) -> str:
    """Minutes of day as 'HH:MM'."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def pick_leisure(
    setting: Setting, start: int, end: int, extraversion: float, rng: np.random.Generator
) -> str | None:
    """A leisure area open from `start` to `end` (minutes), favouring a fitting liveliness."""
    world = setting.world
    open_ = [
        a
        for a in setting.leisure
        if world.is_open(a, start * 60) and world.is_open(a, max(start, end - 1) * 60)
    ]
    if not open_:
        return None
    fit = np.array(
        [1.05 - abs(LIVELINESS.get(world.areas[a].kind, 0.5) - extraversion) for a in open_]
    )
    return open_[int(rng.choice(len(open_), p=fit / fit.sum()))]


@dataclass(frozen=True)
class Day:
    """A usual day: wake and sleep times and (minute, activity, 'Area:Arena') items."""

    wake: int
    sleep: int
    items: tuple[tuple[int, str, str], ...]
    haunts: tuple[str, ...]  # leisure areas visited, in order of the day


def usual_day(
    setting: Setting,
    job: Occupation,
    home: str,
    work: str | None,
    extraversion: float,
    rng: np.random.Generator,
) -> Day:
    """Wake, work (with a lunch break out), an evening out if there is time, dinner, bed."""
    living = setting.kitchens.get(home.split(":", 1)[0], home)
    start, end = (parse_hhmm(t) // 60 for t in job.hours.split("-"))
    if work is None:
        wake = 390 + 30 * int(rng.integers(0, 5))
        start, end = wake + 60, 15 * 60
    else:
        wake = min(max(start - 60 - 30 * int(rng.integers(0, 2)), 5 * 60), 9 * 60)
    sleep = min(max(22 * 60 + 30 * int(rng.integers(0, 4)), end + 60), 23 * 60 + 30)
    base = work or living
    items = [(wake, "waking up and getting ready", home)]
    haunts: list[str] = []

    def out(at: int, until: int, fallback: str, doing: str = "") -> None:
        area = pick_leisure(setting, at, until, extraversion, rng)
        if area is None:
            items.append((at, fallback, living))
            return
        haunts.append(area)
        kind = setting.world.areas[area].kind
        doing = doing or DOING.get(kind, f"free time at {area}")[:60]
        items.append((at, doing, setting.public_arena(area)))

    if start - wake >= 150:
        out(wake + 60, start, "a slow morning at home")
    items.append((start, job.activity, base))
    if start <= NOON - 60 and end >= ONE_PM + 30:
        out(NOON, ONE_PM, "lunch at home", "lunch break" if work else "lunch out")
        items.append((ONE_PM, job.activity, base))
    evening = max(end, start + 60)
    if evening + 90 <= sleep - 60:
        out(evening, evening + 90, "time at home")
    dinner = max(DINNER, evening + 90)
    if dinner <= sleep - 90:
        items.append((dinner, "dinner at home", living))
    items.append((sleep - 60, "winding down before bed", home))
    ordered = [items[0]]
    for item in items[1:]:
        if item[0] > ordered[-1][0]:
            ordered.append(item)
    return Day(wake, sleep, tuple(ordered), tuple(haunts))
