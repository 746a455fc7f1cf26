"""The population generator: reproducible, faithful to the spec's marginals, loadable, runnable."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import SimInputError
from sim.persona import Persona, load_personas
from sim.population import PopulationSpec, generate, load_spec
from sim.population.coherence import kids_of
from sim.world import World

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "personas" / "specs" / "us_adults.yaml"


def sim(*args: object) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def make(out: Path, town_dir: Path, n: int = 40, seed: int = 3, *extra: str) -> Path:
    sim(
        "personas",
        "generate",
        "--spec",
        SPEC,
        "--n",
        n,
        "--seed",
        seed,
        "--out",
        out,
        "--world",
        town_dir,
        *extra,
    )
    return out


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path: Path, town_dir: Path) -> None:
    first = contents(make(tmp_path / "a", town_dir))
    assert len(first) == 40
    assert contents(make(tmp_path / "b", town_dir)) == first
    assert contents(make(tmp_path / "c", town_dir, 40, 4)) != first


def test_refuses_a_non_empty_directory_unless_overwrite(tmp_path: Path, town_dir: Path) -> None:
    out = make(tmp_path / "set", town_dir, 30)
    result = CliRunner().invoke(
        app, ["personas", "generate", "--spec", str(SPEC), "--out", str(out), "--n", "5"]
    )
    assert isinstance(result.exception, SimInputError)
    assert "not empty" in str(result.exception) and "--overwrite" in str(result.exception)
    make(out, town_dir, 5, 3, "--overwrite")
    assert len(list(out.iterdir())) == 5  # the 30 old files are gone


@pytest.fixture(scope="module")
def big(spec: PopulationSpec, town: World) -> list[Persona]:
    return generate(spec, "spec", town, 2000, seed=11)


def _shares(values: list[str]) -> dict[str, float]:
    return {k: v / len(values) for k, v in Counter(values).items()}


def _expected(pairs: list[tuple[str, float]]) -> dict[str, float]:
    total = sum(w for _, w in pairs)
    return {k: w / total for k, w in pairs}


def test_marginals_match_the_spec(big: list[Persona], spec: PopulationSpec) -> None:
    people = big
    bands = [(b.min, b.max) for b in spec.ages]
    got = _shares(
        [str(next(i for i, (lo, hi) in enumerate(bands) if lo <= p.age <= hi)) for p in people]
    )
    want = _expected([(str(i), b.weight) for i, b in enumerate(spec.ages)])
    checks = [(got, want, 0.03)]
    checks.append(
        (
            _shares([p.occupation for p in people]),
            _expected([(o.title, o.weight) for o in spec.occupations]),
            0.02,
        )
    )
    for name, options in spec.attributes.items():
        checks.append(
            (
                _shares([p.attributes[name] for p in people]),
                _expected([(o.value, o.weight) for o in options]),
                0.03,
            )
        )
    checks.append(
        (
            _shares([p.attributes["household"] for p in people]),
            _expected([(h.type, h.weight) for h in spec.households]),
            0.03,
        )
    )
    for got, want, tolerance in checks:
        for key, share in want.items():
            assert abs(got.get(key, 0.0) - share) < tolerance, (key, got.get(key), share)
    for trait in ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"):
        scores = np.array([getattr(p.big_five, trait) for p in people])
        target = getattr(spec.big_five, trait)
        assert abs(scores.mean() - target.mean) < 0.02 and abs(scores.std() - target.sd) < 0.03


def test_attributes_respect_the_spec_rules(big: list[Persona]) -> None:
    people = big
    for p in people:
        if p.occupation == "retiree":
            assert p.age >= 55
        if p.occupation in ("pharmacist",):
            assert p.attributes["education"] == "graduate degree"
        if p.attributes["household"] in ("family with kids", "single parent"):
            assert 25 <= p.age <= 54 and kids_of(p)
    assert len({p.name for p in people}) == len(people)


def test_persona_is_consistent_with_the_world(big: list[Persona], town: World):
    people = big
    by_name = {p.name: p for p in people}
    for p in people:
        assert town.areas[p.home.split(":")[0]].kind == "home"
        assert 8 <= len(p.memories) <= 15
        assert p.memories[0].startswith("I am a") and p.occupation in p.memories[0]
        assert p.routine[0].at == p.wake and p.routine[0].place == p.home
        for item in p.routine:
            assert item.place in town.arenas
        for rel in p.relationships:  # consistent both ways
            back = [r for r in by_name[rel.name].relationships if r.name == p.name]
            assert [r.kind for r in back] == [rel.kind]
            if rel.kind == "partner":
                assert by_name[rel.name].home == p.home
    jobs = {p.occupation: p.workplace for p in people}
    assert town.areas[jobs["barista"]].kind == "cafe"
    assert jobs["retiree"] is None


def test_generated_set_loads_and_runs(tmp_path: Path, town_dir: Path, town: World) -> None:
    out = make(tmp_path / "set", town_dir, 12)
    people = load_personas(out, town)
    assert len(people) == 12 and all(p.big_five and p.attributes for p in people)
    db = tmp_path / "run.db"
    sim(
        "run",
        town_dir,
        "--personas",
        out,
        "--lm",
        "fake",
        "--embedder",
        "hash",
        "--ticks",
        6,
        "--db",
        db,
    )
    summary = json.loads(sim("inspect", db, "--json"))
    assert summary["social"]["nodes"] == 12 and summary["social"]["edges"] > 0
    assert "social: 12 people" in sim("inspect", db)


@pytest.mark.skipif(not (ROOT / "worlds" / "town").is_dir(), reason="worlds/town not there yet")
def test_example_spec_targets_worlds_town(tmp_path: Path) -> None:
    out = tmp_path / "set"
    sim("personas", "generate", "--spec", SPEC, "--n", 30, "--seed", 1, "--out", out)
    assert "ok:" in sim("validate", ROOT / "worlds" / "town", out)


def test_spec_mistakes_are_one_line(tmp_path: Path, spec: PopulationSpec, town: World) -> None:
    bad = tmp_path / "spec.yaml"
    bad.write_text(SPEC.read_text().replace("leisure:", "leisur:"))
    with pytest.raises(SimInputError) as caught:
        load_spec(bad)
    assert str(caught.value).startswith(f"{bad}: leisur: unknown field")
    street_job = spec.occupations[1].model_copy(update={"works_at": ["street"]})
    lacking = spec.model_copy(update={"occupations": [spec.occupations[0], street_job]})
    with pytest.raises(SimInputError) as caught:
        generate(lacking, "spec.yaml", town, 5, 0)
    assert "spec.yaml: occupations[1].works_at: no area of kind street" in str(caught.value)
