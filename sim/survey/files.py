"""Survey files: YAML with a `name:` and a `questions:` list, read into a `Survey`.

Every mistake surfaces as one `SimInputError` naming the file and the field
(`party.yaml: questions[2].points: ...`), never a traceback, as for world and persona files.
Questions are validated one by one against their own kind rather than through the tagged union,
so error paths read `questions[2].points` instead of pydantic's `questions.2.likert.points`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import SimInputError
from sim.survey.instruments import INSTRUMENTS, Question, Survey
from sim.world.files import check_model, read_yaml, shown

_TOP = ("name", "questions")
_EXAMPLE = "e.g. `- {kind: likert, question: 'I feel safe here.'}`"


def load_survey(path: str | Path) -> Survey:
    """Read and validate a survey file; the first mistake is raised as one line."""
    path = Path(path)
    source = shown(path)
    data = read_yaml(path)  # refuses duplicate keys, oversized files and hostile values
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise SimInputError(
            source, "", f"expected a mapping with `name:` and `questions:`, got {got}", _EXAMPLE
        )
    for key in data:
        if key not in _TOP:
            raise SimInputError(
                source, str(key), "unknown field", f"remove it; allowed: {', '.join(_TOP)}"
            )
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise SimInputError(source, "name", f"expected a non-empty text, got {name!r}", "")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise SimInputError(source, "questions", "expected a non-empty list of questions", _EXAMPLE)
    items = [_question(item, source, f"questions[{i}]") for i, item in enumerate(questions)]
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in first:
            raise SimInputError(
                source,
                f"questions[{i}].id",
                f"duplicate question id {item.id!r} (first at questions[{first[item.id]}])",
                "give one of them its own `id:`",
            )
        first[item.id] = i
    return Survey(name=name, questions=items)


def survey_from(obj: Survey | Question | Sequence[Question] | str | Path) -> Survey:
    """Whatever a caller has (a survey, one question, a list, or a file path) as a `Survey`."""
    if isinstance(obj, Survey):
        return obj
    if isinstance(obj, str | Path):
        return load_survey(obj)
    if isinstance(obj, Question):
        return Survey(name=obj.id, questions=(obj,))
    return Survey(name="survey", questions=tuple(obj))


def _question(item: Any, source: str, where: str) -> Question:
    """One question validated against the model of its `kind`."""
    kinds = ", ".join(INSTRUMENTS)
    if not isinstance(item, dict):
        raise SimInputError(source, where, f"expected a mapping, got {item!r}", _EXAMPLE)
    kind = item.get("kind")
    if kind is None:
        raise SimInputError(
            source, f"{where}.kind", "required field is missing", f"add one of: {kinds}"
        )
    model = INSTRUMENTS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise SimInputError(
            source, f"{where}.kind", f"unknown kind {kind!r}", f"use one of: {kinds}"
        )
    found, problems = check_model(model, item, source, where)
    if problems:
        raise problems[0]
    assert found is not None  # no problems means the model validated
    return found
