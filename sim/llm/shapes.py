"""Answer classes built once per distinct definition, not once per call.

Prompts that offer choices (places, actions, times) build their answer class from them with
`pydantic.create_model`, which costs about a millisecond, more than the rest of a call on a
fast model; and a new class also misses `schema_of`'s cache, which costs as much again. The
same choices recur call after call, so `answer_model` hands back the class it built for the
same name and fields. Choices keep their order in the key: a schema lists them in that order,
and the order is part of the prompt.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, get_args, get_origin

import pydantic
from pydantic.fields import FieldInfo

MODELS_HELD = 2048  # distinct answer classes kept; a town's prompts make a few hundred
_OWN_SCHEMA = ("__get_pydantic_json_schema__", "model_json_schema")  # hooks a shape cannot see

_PLAIN = frozenset({str, int, float, bool, bytes})  # exactly these types, not subclasses

_MODELS: OrderedDict[Hashable, type[pydantic.BaseModel]] = OrderedDict()
_LOCK = threading.Lock()


def _key(value: Any) -> Hashable:
    """A hashable key that tells apart every field definition pydantic would build differently.

    `Literal["a", "b"] == Literal["b", "a"]` in Python, so type arguments are keyed in order;
    plain values carry their type (`Literal[1]` and `Literal[True]` are equal too).
    """
    if type(value) in _PLAIN:  # a Literal's choices: keyed before the slower checks below
        return (type(value), value)
    if isinstance(value, FieldInfo):
        return ("field", repr(value))
    if isinstance(value, tuple):
        return ("tuple", *(_key(v) for v in value))
    origin = get_origin(value)
    if origin is not None:
        return ("generic", _key(origin), *(_key(a) for a in get_args(value)))
    if isinstance(value, type) or value is Ellipsis or value is None:
        return value
    return (type(value), value)


def answer_model(name: str, **fields: Any) -> type[pydantic.BaseModel]:
    """`pydantic.create_model(name, **fields)`, the same class for the same definition.

    The class may be shared by many calls, so callers must not change it.
    """
    key = (name, tuple((field, _key(spec)) for field, spec in fields.items()))
    with _LOCK:
        model = _MODELS.get(key)
        if model is not None:
            _MODELS.move_to_end(key)
            return model
    model = pydantic.create_model(name, **fields)
    with _LOCK:
        model = _MODELS.setdefault(key, model)  # a race keeps the first one built
        _MODELS.move_to_end(key)
        while len(_MODELS) > MODELS_HELD:
            _MODELS.popitem(last=False)
    return model


def shape_key(model: type[pydantic.BaseModel]) -> Hashable | None:
    """What `model.model_json_schema()` is made of (names, docstrings, config, fields, nested
    models by their own shape), so that classes built anew per call, alike but not the same
    object, can share one schema; None for a class that makes its own schema."""
    return _shape(model, frozenset())


def _shape(model: type[pydantic.BaseModel], outer: frozenset[type]) -> Hashable | None:
    if model in outer:  # a model that contains itself: named, not unrolled
        return ("recursive", model.__module__, model.__qualname__)
    if any(hook in vars(model) for hook in _OWN_SCHEMA):
        return None
    inner = outer | {model}
    fields = []
    for name, info in model.model_fields.items():
        annotation = _annotation(info.annotation, inner)
        if annotation is None:
            return None
        fields.append((name, annotation, repr(info)))
    config = repr(sorted(model.model_config.items(), key=lambda kv: kv[0]))
    return ("model", model.__module__, model.__qualname__, model.__doc__, config, tuple(fields))


def _annotation(value: Any, outer: frozenset[type]) -> Hashable | None:
    """`_key` of an annotation, with the models inside it keyed by their shape."""
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
        return _shape(value, outer)
    origin = get_origin(value)
    if origin is None:
        return _key(value)
    args = [_annotation(a, outer) for a in get_args(value)]
    if any(a is None for a in args):
        return None
    return ("generic", _key(origin), *args)
