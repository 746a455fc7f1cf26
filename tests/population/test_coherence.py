"""Generated populations do not contradict themselves, and the checker notices when one does."""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sim.errors import SimInputError
from sim.persona import Persona
from sim.population import PopulationSpec, check_coherence, generate
from sim.population.homes import dwelling
from sim.world import World, load_world

# Every kind of dwelling the generator must tell apart, and workplaces a job can mismatch.
PLACES = [  # (area, kind, arenas, opening hours)
    ("Oak House", "home", ["Bedroom", "Kitchen", "Living Room"], None),
    ("Ash Cottage", "home", ["Bedroom", "Kitchen"], None),
    (
        "Maple Court",
        "home",
        ["Unit 1", "Unit 2 Living Room", "Unit 2 Marcus's Room", "Unit 3"],
        None,
    ),
    ("Harlow Hall", "home", ["Room 101", "Room 102", "Common Room", "Kitchen"], None),
    ("Corner Cafe", "cafe", ["Seating", "Counter"], "07:00-19:00"),
    ("Fischer Hardware", "shop", ["Shop Floor", "Workshop"], "08:00-20:00"),
    ("Moreno Pharmacy", "shop", ["Shop Floor", "Dispensary"], "08:00-20:00"),
    ("Green", "park", ["Lawn"], None),
    ("The Pub", "bar", ["Bar Room", "Kitchen"], "12:00-01:00"),
    ("College", "school", ["Quad", "Lecture Hall", "Faculty Offices"], None),
    ("Library", "library", ["Reading Room"], "08:00-21:00"),
    ("Town Hall", "townhall", ["Lobby", "Clerk's Office"], "09:00-17:00"),
    ("Courier", "office", ["Newsroom"], None),
    ("Whitaker Construction", "office", ["Site Office", "Yard"], None),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    chars = iter(string.ascii_letters)
    legend: dict[str, str] = {"#": "wall", ".": "floor"}
    areas, row = [], ""
    for area, kind, arenas, hours in PLACES:
        entry: dict = {"name": area, "kind": kind, "arenas": [{"name": a} for a in arenas]}
        areas.append(entry | ({"open": hours} if hours else {}))
        for arena in arenas:
            char = next(chars)
            legend[char] = f"{area}:{arena}"
            row += char * 2
    grid = "\n".join(
        ["#" * (len(row) + 2), f"#{row}#", f"#{'.' * len(row)}#", "#" * (len(row) + 2)]
    )
    folder = tmp_path_factory.mktemp("burg")
    data = {"name": "Testburg", "legend": legend, "grid": grid + "\n", "areas": areas}
    (folder / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_world(folder)


@pytest.fixture(scope="module")
def sets(spec: PopulationSpec, world: World) -> list[list[Persona]]:
    """2,000 personas: four sets of 500 from four seeds."""
    return [generate(spec, "spec", world, 500, seed) for seed in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def people(sets: list[list[Persona]]) -> list[Persona]:
    return sets[0]


def test_two_thousand_generated_personas_have_no_contradiction(
    sets: list[list[Persona]], spec: PopulationSpec, world: World
) -> None:
    assert sum(len(s) for s in sets) == 2000
    assert [check_coherence(s, spec, world) for s in sets] == [[]] * len(sets)
    people = [p for s in sets for p in s]
    kinds = {dwelling(p.home) for p in people}
    assert kinds == {"house", "flat", "hall"}  # every kind used; rooms named for Marcus are not
    assert {p.workplace for p in people if p.occupation == "pharmacist"} == {"Moreno Pharmacy"}


def _base(people: list[Persona], test: Callable[[Persona], bool]) -> Persona:
    return next(p for p in people if test(p))


def _student(people: list[Persona]) -> Persona:
    return _base(people, lambda p: p.occupation == "college student")


def _worker(people: list[Persona]) -> Persona:
    return _base(people, lambda p: p.occupation == "office worker" and p.age >= 40)


PLANTED: dict[str, tuple[Callable[[list[Persona]], Persona], dict, str]] = {
    "a student who never saw the point of classrooms": (
        _student,
        {"memories": ["I finished high school here and never saw the point of more classrooms."]},
        "never saw the point",
    ),
    "a 49-year-old parent of two in a student-hall room": (
        _worker,
        {
            "age": 49,
            "home": "Harlow Hall:Room 101",
            "household": "single parent; kids Li (9) and Bo (7)",
        },
        "residence hall",
    ),
    "a home named after someone else": (
        _worker,
        {"home": "Maple Court:Unit 2 Marcus's Room"},
        "Marcus",
    ),
    "a bed in the kitchen": (_worker, {"home": "Oak House:Kitchen"}, "shared room"),
    "a retiree of 30": (
        _worker,
        {"occupation": "retiree", "age": 30, "workplace": None},
        "retired",
    ),
    "a student of 49": (_student, {"age": 49}, "student at 49"),
    "a child nearly as old as the parent": (
        _worker,
        {"age": 30, "household": "family with kids; kid Li (17)"},
        "child Li aged 17",
    ),
    "a lone liver with kids": (
        _worker,
        {"household": "single parent; kid Li (9)", "memories": ["I live alone at Oak House."]},
        "live alone",
    ),
    "a graduate degree at 19": (
        _student,
        {
            "attributes": {
                "education": "graduate degree",
                "political_leaning": "liberal",
                "household": "couple",
            }
        },
        "education",
    ),
    "a pharmacist at the hardware shop": (
        lambda ps: _base(ps, lambda p: p.occupation == "pharmacist"),
        {"workplace": "Fischer Hardware"},
        "fits 'pharmacist'",
    ),
}


@pytest.mark.parametrize("case", PLANTED)
def test_each_planted_contradiction_is_flagged(
    case: str, people: list[Persona], spec: PopulationSpec, world: World
) -> None:
    pick, change, expected = PLANTED[case]
    base = pick(people)
    assert check_coherence([base], spec, world) == []
    found = check_coherence([base.model_copy(update=change)], spec, world)
    assert any(expected in problem and problem.startswith(base.name) for problem in found), found


def test_a_parent_a_few_years_older_is_flagged(people: list[Persona]) -> None:
    child = _base(
        people, lambda p: any(r.description.startswith("my parent") for r in p.relationships)
    )
    parent = next(
        p
        for p in people
        if p.name
        == next(r.name for r in child.relationships if r.description.startswith("my parent"))
    )
    assert check_coherence([child, parent]) == []
    young_parent = parent.model_copy(update={"age": child.age + 5})
    assert any("is their parent" in s for s in check_coherence([child, young_parent]))


def test_a_world_whose_bedrooms_all_belong_to_someone_is_refused(
    spec: PopulationSpec, tmp_path: Path
) -> None:
    data = {
        "name": "Owned",
        "legend": {"#": "wall", ".": "floor", "a": "Nguyen House:Mai's Room", "b": "Shop:Floor"},
        "grid": "####\n#ab#\n#..#\n####\n",
        "areas": [
            {"name": "Nguyen House", "kind": "home", "arenas": [{"name": "Mai's Room"}]},
            {"name": "Shop", "kind": "shop", "arenas": [{"name": "Floor"}]},
        ],
    }
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(data))
    remote = [o for o in spec.occupations if not o.works_at and o.ages == (0, 120)]
    with pytest.raises(SimInputError, match="named after someone"):
        generate(
            spec.model_copy(update={"occupations": remote}), "spec", load_world(tmp_path), 9, 0
        )
