"""Rubrics: what a good conversation looks like, as weighted criteria with anchored levels.

Anchors (what a 1, a 3 and a 5 look like) are what keep an LM judge's scores comparable across
attempts: the judge places the transcript against written descriptions instead of a vibe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sim.rehearsal.persona import read_model

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
ANCHORS = (1, 3, 5)  # the levels every criterion must describe; 2 and 4 are optional


class Criterion(BaseModel):
    """One thing the judge scores from 1 to 5, with what the levels look like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident = Field(description="a short lowercase id, e.g. 'clarity'")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = (
        Field(description="the criterion's name as shown in reports, e.g. 'Clarity'")
    )
    weight: float = Field(1.0, gt=0, le=10, description="a weight above 0 and at most 10")
    description: Text = Field(description="what the criterion is about, in a sentence")
    levels: dict[int, Text] = Field(
        description="a mapping of levels to what they look like: 1, 3 and 5 required, 2 and 4 "
        "optional"
    )

    @field_validator("levels")
    @classmethod
    def _anchored(cls, levels: dict[int, str]) -> dict[int, str]:
        """Levels 1, 3 and 5 must be described, and no level lies outside 1..5."""
        outside = sorted(k for k in levels if not 1 <= k <= 5)
        if outside:
            raise ValueError(f"levels must be 1 to 5, got {outside}")
        missing = [k for k in ANCHORS if k not in levels]
        if missing:
            raise ValueError(f"levels {missing} are not described (1, 3 and 5 are required)")
        return dict(sorted(levels.items()))


class Rubric(BaseModel):
    """A named set of criteria; the overall score is their weighted mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] = (
        Field(description="the rubric's name, e.g. 'Podcast guest'")
    )
    summary: Text = Field(description="one line on what it judges, shown by `sim rehearse --list`")
    criteria: list[Criterion] = Field(
        min_length=1, max_length=10, description="a list of 1-10 criteria"
    )

    @field_validator("criteria")
    @classmethod
    def _unique(cls, criteria: list[Criterion]) -> list[Criterion]:
        """Criterion ids name columns in reports, so they must differ."""
        ids = [c.id for c in criteria]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"criterion ids must differ, {repeated} repeats")
        return criteria


def load_rubric(path: str | Path) -> Rubric:
    """Read and check one rubric file; the first mistake is raised as one line."""
    return read_model(Rubric, path)
