"""`sim validate` and `sim schema`: every mistake in a world and its personas, and the file formats.

Loaders stop at the first mistake so a run never starts on bad input; `validate` runs the same
checks but lists every finding, one line each, so a user fixes a file in one pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from sim.errors import SimInputError
from sim.persona import Persona, check_personas
from sim.world.map import check_world
from sim.world.spec import WorldSpec

SCHEMAS: dict[str, type[BaseModel]] = {"world": WorldSpec, "persona": Persona}


@dataclass(frozen=True)
class Report:
    """What `validate_files` found: every problem, and counts for the all-clear line."""

    problems: list[SimInputError]
    areas: int
    arenas: int
    personas: int
    personas_checked: bool

    def summary(self) -> str:
        """`ok: ...` when clean, else how many problems were listed."""
        if self.problems:
            return f"{len(self.problems)} problem(s) found"
        text = f"ok: {self.areas} areas, {self.arenas} arenas, {self.personas} personas"
        if not self.personas_checked:
            text += " (no persona set: pass PERSONAS or add `personas:` to world.yaml)"
        return text


def validate_files(world_path: Path, personas_path: Path | None) -> Report:
    """Check the world and the persona set (default: the world's) and collect every problem.

    Persona places are checked against the places the world declares even when its grid is
    broken, so one pass finds mistakes in both.
    """
    check = check_world(world_path)
    problems = list(check.problems)
    places = check.places
    chosen = personas_path
    missing = any(p.field == "personas" for p in problems)  # already said, relative to the world
    if chosen is None and check.spec is not None and check.spec.personas and not missing:
        chosen = check.file.parent / check.spec.personas
    people: list[Persona] = []
    if chosen is not None:
        people, found = check_personas(chosen, places)
        problems += found
    return Report(
        problems=problems,
        areas=len(places.areas) if places else 0,
        arenas=len(places.arenas) if places else 0,
        personas=len(people),
        personas_checked=chosen is not None,
    )


def validate(world_path: Path, personas_path: Path | None) -> int:
    """Print each problem on its own line, then the summary; the exit status (0 clean, 2 not)."""
    report = validate_files(world_path, personas_path)
    for problem in report.problems:
        print(problem.line())
    print(report.summary())
    return 2 if report.problems else 0


def schema_text(kind: str) -> str:
    """The JSON Schema of a file format, as committed under docs/schemas/."""
    if kind not in SCHEMAS:
        raise SimInputError(
            "schema", "kind", f"no file format named {kind!r}", f"use one of: {', '.join(SCHEMAS)}"
        )
    return json.dumps(SCHEMAS[kind].model_json_schema(), indent=2, ensure_ascii=False) + "\n"
