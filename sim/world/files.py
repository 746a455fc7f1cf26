"""Read user YAML files and turn every failure into a one-line SimInputError, never a traceback.

Shared by the world and persona loaders so both report mistakes the same way:
`file: field.path[2].name: problem (fix: ...)`. Checks collect every finding in a list of
SimInputErrors (`sim validate` prints them all); loaders raise the first with `raise_first`.
"""

from __future__ import annotations

import difflib
import inspect
import re
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from sim.clock import DAY, parse_time_of_day
from sim.errors import SimInputError
from sim.yamlsafe import field_path, read_yaml, shown

M = TypeVar("M", bound=BaseModel)
_ALL_CHOICES = 30  # longer lists give the nearest choices, not all of them
_HHMM = re.compile(r"^\d{1,2}:\d{2}$")
__all__ = [
    "arena_problem",
    "check_model",
    "field_path",
    "parse_hhmm",
    "raise_first",
    "read_yaml",
    "shown",
    "suggest",
    "validate",
]


def validate(model: type[M], data: Any, source: str, prefix: str = "") -> M:
    """Validate `data` against `model`, raising the first problem as one line."""
    found, problems = check_model(model, data, source, prefix)
    raise_first(problems)
    assert found is not None  # no problems means the model validated
    return found


def check_model(
    model: type[M], data: Any, source: str, prefix: str = ""
) -> tuple[M | None, list[SimInputError]]:
    """Validate `data` against `model`: the model, or None and one problem per pydantic error."""
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        problem = f"expected a mapping of fields, got {got}"
        return None, [SimInputError(source, prefix.rstrip("."), problem, _fields_fix(model))]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_to_input_error(model, e, source, prefix) for e in exc.errors()]


def raise_first(problems: list[SimInputError]) -> None:
    """Loaders stop at the first problem (one line) but say how many more `sim validate` lists."""
    if not problems:
        return
    first = problems[0]
    if len(problems) == 1:
        raise first
    more = f" (and {len(problems) - 1} more problem(s): `sim validate` lists them all)"
    raise SimInputError(first.source, first.field, first.problem + more, first.fix)


def parse_hhmm(text: str) -> int:
    """Seconds of day for a plain "HH:MM" or "H:MM" (no day prefix); ValueError explains why not."""
    if not _HHMM.match(text.strip()):
        raise ValueError(f"expected a time like '07:30', got {text!r}")
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day: use 00:00 to 23:59")
    return parse_time_of_day(text) % DAY


def suggest(value: str, options: Sequence[str]) -> str:
    """The fix for `value` that is not one of `options`: the close ones, else all or the nearest."""
    if not options:
        return "there is nothing to choose from"
    by_lower = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.lower(), list(by_lower), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(by_lower[c]) for c in close) + "?"
    if len(options) <= _ALL_CHOICES:
        return "use one of: " + ", ".join(options)

    def likeness(option: str) -> float:
        return difflib.SequenceMatcher(None, value.lower(), option.lower()).ratio()

    nearest = sorted(options, key=likeness, reverse=True)[:10]
    return f"use one of the {len(options)} choices; the nearest are: " + ", ".join(nearest)


def arena_problem(
    value: str, arenas: Sequence[str], where: str, also: Sequence[str] = ()
) -> tuple[str, str]:
    """(problem, fix) for `value` where an 'Area:Arena' path (or one of `also`) is needed.

    The common slips get their own words: an area named instead of one of its arenas, and an
    arena named without its area.
    """
    inside = [p for p in arenas if p.split(":", 1)[0] == value]
    if inside:
        return (
            f"{value!r} is an area, but an arena inside it is needed, written 'Area:Arena'",
            "use one of: " + ", ".join(inside),
        )
    named = [p for p in arenas if p.split(":", 1)[-1] == value]
    if named:
        return (
            f"{value!r} is an arena name without its area",
            "write it as " + " or ".join(repr(p) for p in named),
        )
    others = ", ".join(also) + " or " if also else ""
    problem = f"{value!r} is not {others}an 'Area:Arena' declared in {where}"
    return problem, suggest(value, [*also, *arenas])


def _to_input_error(
    model: type[BaseModel], error: ErrorDetails, source: str, prefix: str
) -> SimInputError:
    """One pydantic error as one line, with the field's description as the fix."""
    loc = tuple(error["loc"])
    owner, info = _field_at(model, loc)
    kind = error["type"]
    msg = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        allowed = ", ".join(owner.model_fields) if owner else ""
        problem, fix = "unknown field", f"remove it or fix the spelling; allowed: {allowed}"
    elif kind == "missing":
        problem = "required field is missing"
        fix = f"add it: {info.description}" if info and info.description else "add it"
    else:
        value = error.get("input")
        plain = kind == "value_error" or isinstance(value, dict | list)
        problem = msg if plain else f"{msg}, got {value!r}"
        fix = f"expected {info.description}" if info and info.description else ""
    return SimInputError(source, field_path(loc, prefix), problem, fix)


def _field_at(
    model: type[BaseModel], loc: tuple[int | str, ...]
) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Follow `loc` through nested models: (model owning the last name, that field's info)."""
    owner: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int) or owner is None:
            continue
        if part not in owner.model_fields:
            return owner, None
        info = owner.model_fields[part]
        nested = _model_in(info.annotation)
        if nested is None:
            return owner, info
        owner = nested
    return owner, info


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside an annotation such as `list[ObjectSpec] | None`, if any."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_fix(model: type[BaseModel]) -> str:
    required = [name for name, f in model.model_fields.items() if f.is_required()]
    return f"write `field: value` lines; required: {', '.join(required)}"
