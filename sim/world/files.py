"""Read user YAML files and turn every failure into a one-line SimInputError, never a traceback.

Shared by the world and persona loaders so both report mistakes the same way:
`file: field.path[2].name: problem (fix: ...)`. Checks collect every finding in a list of
SimInputErrors (`sim validate` prints them all); loaders raise the first with `raise_first`.
"""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from sim.clock import DAY, parse_time_of_day
from sim.errors import SimInputError

M = TypeVar("M", bound=BaseModel)
# The C loader when PyYAML was built with libyaml: generated sets have thousands of files.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_HHMM = re.compile(r"^\d{1,2}:\d{2}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def shown(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a missing file or a syntax error becomes a SimInputError."""
    source = shown(path)
    if not path.is_file():
        raise SimInputError(source, "", "file not found", "check the path; run from the repo root")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = f"YAML syntax error: {exc.problem or exc.context}"
        raise SimInputError(
            source,
            f"line {line}",
            problem,
            "check indentation and quote text that contains ':' or '#'",
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError, OSError, RecursionError) as exc:
        problem = f"cannot read YAML: {exc}".replace("\n", " ")
        raise SimInputError(source, "", problem, "save it as UTF-8 text in YAML format") from None


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Render a pydantic location as `areas[1].arenas[0].at` (dict keys as `legend['x']`)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


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
    """Seconds of day for a plain "HH:MM" (no day prefix); ValueError explains a bad value."""
    if not _HHMM.match(text.strip()):
        raise ValueError(f"expected a time like '07:30', got {text!r}")
    return parse_time_of_day(text) % DAY


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
