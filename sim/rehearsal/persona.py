"""Rehearsal personas: the counterpart a person practises a conversation against.

A rehearsal persona is not a town resident (no home, no routine, no map): it is who the
counterpart is, how it talks, whether it leads the conversation or answers, what it wants from
the conversation, and what it remembers before it starts. Files are YAML; every mistake becomes a
one-line SimInputError naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sim.errors import SimInputError
from sim.world.files import check_model, read_yaml, shown

M = TypeVar("M", bound=BaseModel)

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Role = Literal["leads", "answers"]


class RehearsalPersona(BaseModel):
    """Who the counterpart is and what it wants; frozen because a session must not rewrite it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = (
        Field(description="the persona's full name, e.g. 'Sam Rivera'")
    )
    label: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z ]{0,19}$")] = Field(
        description="a short speaker label for the chat, letters only, e.g. 'host'"
    )
    summary: Line = Field(description="one line on who they are, shown by `sim rehearse --list`")
    role: Role = Field(
        description="'leads' (asks, as a host or interviewer does) or 'answers' (you lead)"
    )
    you: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z ]{0,19}$")] = Field(
        "other person",
        description="what the persona calls you, letters only, e.g. 'guest', 'candidate'",
    )
    background: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)
    ] = Field(description="a paragraph about their life and work")
    style: Line = Field(description="how they talk, in a sentence or two")
    goals: list[Line] = Field(
        min_length=1, max_length=6, description="a list of 1-6 things they want from the talk"
    )
    memories: list[Line] = Field(
        default_factory=list,
        max_length=40,
        description="a list of up to 40 seed memories, one sentence each",
    )
    scenario: Line | None = Field(
        None, description="the scenario used when `--scenario` is not given, in a sentence"
    )
    rubric: str | None = Field(
        None, description="the rubric file used when `--rubric` is not given, relative to this file"
    )

    def identity(self) -> str:
        """The persona summary that opens every rehearsal prompt."""
        return f"You are {self.name}, {self.summary} {self.background}\nHow you talk: {self.style}"


def read_model(model: type[M], path: str | Path) -> M:
    """Read and check one YAML file against `model`; the first mistake is raised as one line
    that says how many more there are."""
    path = Path(path)
    found, problems = check_model(model, read_yaml(path), shown(path))
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SimInputError(first.source, first.field, first.problem + more, first.fix)
    assert found is not None  # no problems means the model validated
    return found


def load_persona(path: str | Path) -> RehearsalPersona:
    """Read and check one persona file."""
    return read_model(RehearsalPersona, path)


def default_rubric(persona: RehearsalPersona, path: str | Path) -> Path | None:
    """The rubric file a persona names, resolved against the persona file's folder."""
    return Path(path).parent / persona.rubric if persona.rubric else None
