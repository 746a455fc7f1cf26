"""The population spec: marginal distributions a generated persona set must reproduce.

A spec lists weighted options (age bands, occupations, household types, free-form attributes
such as political leaning) plus Big Five means. Unknown fields are errors, like world files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sim.errors import SimInputError
from sim.world.files import parse_hhmm, raise_first, read_yaml, shown, validate
from sim.world.spec import AreaKind

BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")


def _check_shift(text: str) -> str:
    """Work hours stay within one day so the routine can list them in order."""
    parts = text.split("-")
    if len(parts) != 2 or parse_hhmm(parts[0]) >= parse_hhmm(parts[1]):
        raise ValueError(f"expected hours like '09:00-17:00' ending after they start, got {text!r}")
    if parse_hhmm(parts[1]) > parse_hhmm("22:30"):
        raise ValueError(f"work must end by 22:30 so people sleep before midnight, got {text!r}")
    return text


Shift = Annotated[str, AfterValidator(_check_shift)]
Ages = tuple[Annotated[int, Field(ge=0, le=120)], Annotated[int, Field(ge=0, le=120)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    """One value of a free-form attribute (e.g. political_leaning: moderate) and its share."""

    value: str = Field(description="the value stored in the persona's attributes")
    weight: float = Field(gt=0, description="its share of people, a positive number")
    about: str = Field("", description="a third-person phrase for the background, e.g. 'votes'")
    says: list[str] = Field(
        default_factory=list, description="first-person memories; each person gets one of them"
    )
    min_age: int = Field(
        0, ge=0, le=120, description="youngest age that can hold it, e.g. 21 for a degree"
    )


class AgeBand(_Strict):
    """People aged min..max (inclusive) and their share."""

    min: int = Field(ge=0, le=120, description="youngest age in the band")
    max: int = Field(ge=0, le=120, description="oldest age in the band")
    weight: float = Field(gt=0, description="share of people in this band, a positive number")


class Occupation(_Strict):
    """A job (or no job) and where in the world it is done."""

    title: str = Field(description="what the persona does, e.g. 'barista'")
    weight: float = Field(gt=0, description="share of people, a positive number")
    works_at: list[AreaKind] = Field(
        default_factory=list, description="area kinds of possible workplaces; [] for none"
    )
    activity: str = Field(max_length=40, description="what they do in work hours, a short phrase")
    hours: Shift = Field("09:00-17:00", description="work hours like '09:00-17:00'")
    ages: Ages = Field((0, 120), description="[min, max]: age bands fully inside may hold it")
    requires: dict[str, list[str]] = Field(
        default_factory=dict, description="attribute -> allowed values, e.g. education: [...]"
    )
    says: list[str] = Field(default_factory=list, description="first-person memories")
    places: list[str] = Field(
        default_factory=list,
        description="words naming fitting workplaces or rooms, e.g. [pharmacy, dispensary]",
    )
    speaks_for: list[str] = Field(
        default_factory=list,
        description="attributes whose memories this job's own replace, e.g. [education]",
    )


class Household(_Strict):
    """A kind of household; its weight is the share of *people* living in one."""

    type: str = Field(description="a label stored in attributes.household, e.g. 'couple'")
    weight: float = Field(gt=0, description="share of people living like this")
    adults: int = Field(1, ge=1, le=6, description="how many generated personas live together")
    bond: Literal["partner", "family", "roommate"] = Field(
        "partner", description="how the adults are related: partner, family or roommate"
    )
    kids: tuple[int, int] = Field((0, 0), description="[min, max] children (not personas)")
    ages: Ages = Field((0, 120), description="[min, max]: age bands fully inside may live so")
    says: list[str] = Field(default_factory=list, description="first-person memories")


class Trait(_Strict):
    """A Big Five score's distribution: normal, clipped to 0..1."""

    mean: float = Field(0.5, ge=0, le=1, description="average score, 0..1")
    sd: float = Field(0.15, ge=0, le=0.5, description="standard deviation, 0..0.5")


class BigFiveSpec(_Strict):
    """Distributions of the five scores."""

    openness: Trait = Field(default_factory=Trait, description="{mean, sd}")
    conscientiousness: Trait = Field(default_factory=Trait, description="{mean, sd}")
    extraversion: Trait = Field(default_factory=Trait, description="{mean, sd}")
    agreeableness: Trait = Field(default_factory=Trait, description="{mean, sd}")
    neuroticism: Trait = Field(default_factory=Trait, description="{mean, sd}")


class PopulationSpec(_Strict):
    """The whole spec file."""

    name: str = Field(description="what population this describes")
    world: str | None = Field(None, description="default world, relative to this file")
    ages: list[AgeBand] = Field(min_length=1, description="a list of {min, max, weight}")
    occupations: list[Occupation] = Field(min_length=1, description="a list of occupations")
    households: list[Household] = Field(min_length=1, description="a list of household kinds")
    big_five: BigFiveSpec = Field(default_factory=BigFiveSpec, description="trait -> {mean, sd}")
    attributes: dict[str, list[Option]] = Field(
        default_factory=dict, description="attribute name -> a list of {value, weight, about, says}"
    )
    leisure: list[AreaKind] = Field(
        default_factory=lambda: ["cafe", "park", "bar", "library"],
        description="area kinds where people spend lunch and evenings",
    )
    concerns: list[str] = Field(
        min_length=1, description="phrases for current_status, e.g. 'worried about rent'"
    )


def load_spec(path: str | Path) -> tuple[PopulationSpec, Path]:
    """Read and check a spec file; returns it with its path (for the relative `world`)."""
    path = Path(path)
    source = shown(path)
    spec = validate(PopulationSpec, read_yaml(path), source)
    raise_first(_cross_check(spec, source))
    return spec, path


def _cross_check(spec: PopulationSpec, source: str) -> list[SimInputError]:
    """Checks across fields: bands in order, `requires` naming real attributes and values."""
    problems = []
    for i, band in enumerate(spec.ages):
        if band.min > band.max:
            problems.append(
                SimInputError(source, f"ages[{i}]", "min is above max", "swap min and max")
            )
    for i, job in enumerate(spec.occupations):
        for attr in job.speaks_for:
            if attr not in spec.attributes:
                problems.append(
                    SimInputError(
                        source,
                        f"occupations[{i}].speaks_for",
                        f"no attribute named {attr!r}",
                        "declare it in attributes",
                    )
                )
        for attr, allowed in job.requires.items():
            values = [o.value for o in spec.attributes.get(attr, [])]
            field = f"occupations[{i}].requires[{attr!r}]"
            if not values:
                problems.append(
                    SimInputError(
                        source, field, f"no attribute named {attr!r}", "declare it in attributes"
                    )
                )
            for value in allowed:
                if values and value not in values:
                    problems.append(
                        SimInputError(
                            source,
                            field,
                            f"{value!r} is not a value of {attr!r}",
                            f"use one of: {', '.join(values)}",
                        )
                    )
    for i, kind in enumerate(spec.households):
        if kind.bond == "partner" and kind.adults > 2:
            problems.append(
                SimInputError(
                    source,
                    f"households[{i}].bond",
                    "partners come in twos",
                    "use adults: 2, or bond: roommate",
                )
            )
        if kind.kids[0] > kind.kids[1]:
            problems.append(
                SimInputError(source, f"households[{i}].kids", "min is above max", "swap them")
            )
    return problems
