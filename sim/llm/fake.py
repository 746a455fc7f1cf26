"""Test doubles: a schema-driven random answerer and a scripted one.

`FakeLM` lets the whole engine run offline and deterministically (every answer is valid for the
request's schema, drawn from an RNG seeded by the request), and `ScriptedLM` lets tests dictate
exact answers, including broken ones, to exercise validation and retries.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from sim.llm.protocol import LMError, LMRequest, LMResponse
from sim.rng import generator

# A small fixed vocabulary so generated strings read like (very dull) prose and stay short.
_WORDS = (
    "the", "a", "quiet", "morning", "walk", "to", "market", "talk", "with", "friend", "about",
    "plans", "coffee", "park", "work", "home", "read", "book", "garden", "lunch", "meet", "cat",
    "party", "music", "paint", "letter", "river", "bread", "town", "square", "rain", "sunny",
)  # fmt: skip

_KINDS = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
_MAX_DEPTH = 12  # guards recursive `$ref` schemas: past this depth, optional parts are skipped


def _approx_tokens(text: str) -> int:
    """Rough token count (4 characters per token) so fake runs still report costs."""
    return max(1, len(text) // 4)


class _SchemaSampler:
    """Draws a random JSON value valid for a JSON Schema (the subset pydantic emits)."""

    def __init__(self, root: dict[str, Any], rng: np.random.Generator) -> None:
        self.root = root
        self.rng = rng

    def sample(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """Return a value valid for `schema`."""
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self._choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.sample(self._pick_branch(schema[key], depth), depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self._resolve(part))
            return self.sample(merged, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = self._choice([k for k in kind if k != "null"] or ["null"])
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        if kind not in _KINDS:
            raise ValueError(f"FakeLM cannot generate JSON Schema type {kind!r}")
        return getattr(self, f"_{kind}")(schema, depth)

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow local `#/...` references such as pydantic's `#/$defs/Name`."""
        while "$ref" in schema:
            node: Any = self.root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                if part:
                    node = node[part]
            schema = node
        return schema

    def _choice(self, options: Sequence[Any]) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def _pick_branch(self, branches: list[dict[str, Any]], depth: int) -> dict[str, Any]:
        """Pick a branch; deep in recursive schemas prefer `null` so generation terminates."""
        if depth >= _MAX_DEPTH:
            for branch in branches:
                if self._resolve(branch).get("type") == "null":
                    return branch
        return self._choice(branches)

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        required = set(schema.get("required", ()))
        out: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            optional = name not in required
            if optional and (depth >= _MAX_DEPTH or self.rng.random() < 0.5):
                continue
            out[name] = self.sample(sub, depth + 1)
        return out

    def _array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0 if depth >= _MAX_DEPTH else 1))
        high = int(schema.get("maxItems", max(low, 4)))
        if depth >= _MAX_DEPTH:
            high = low
        count = int(self.rng.integers(low, high + 1))
        items = schema.get("items", {"type": "string"})
        return [self.sample(items, depth + 1) for _ in range(count)]

    def _string(self, schema: dict[str, Any], depth: int) -> str:
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", 10_000))
        words = [self._choice(_WORDS) for _ in range(int(self.rng.integers(1, 7)))]
        while len(" ".join(words)) < low:
            words.append(self._choice(_WORDS))
        text = " ".join(words)[:high]
        stripped = text.rstrip()
        return stripped if len(stripped) >= low else text

    @staticmethod
    def _bounds(schema: dict[str, Any], span: float) -> tuple[float, bool, float, bool]:
        """(low, low_exclusive, high, high_exclusive); a missing side sits `span` from the other."""
        low_excl = "minimum" not in schema and "exclusiveMinimum" in schema
        high_excl = "maximum" not in schema and "exclusiveMaximum" in schema
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is None:
            low = 0.0 if high is None else high - span
        if high is None:
            high = low + span
        return float(low), low_excl, float(high), high_excl

    def _integer(self, schema: dict[str, Any], depth: int) -> int:
        low, low_excl, high, high_excl = self._bounds(schema, 10)
        lo, hi = int(np.ceil(low)), int(np.floor(high))
        lo += int(low_excl and lo == low)
        hi -= int(high_excl and hi == high)
        return int(self.rng.integers(lo, max(lo, hi) + 1))

    def _number(self, schema: dict[str, Any], depth: int) -> float:
        low, _, high, _ = self._bounds(schema, 1.0)
        value = round(float(self.rng.uniform(low, high)), 3)
        if not low < value < high and low < high:
            value = (low + high) / 2  # rounding reached an edge that may be exclusive
        return value

    def _boolean(self, schema: dict[str, Any], depth: int) -> bool:
        return bool(self.rng.random() < 0.5)

    def _null(self, schema: dict[str, Any], depth: int) -> None:
        return None


class FakeLM:
    """Deterministic stand-in for a model: answers with a random instance of the request's schema.

    The randomness is seeded by (seed, request key), so the same request always gets the same
    answer, which keeps offline runs reproducible and replayable.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    @property
    def name(self) -> str:
        """Model identifier recorded with every call."""
        return "fake"

    def complete(self, request: LMRequest) -> LMResponse:
        """Return compact JSON valid for `request.schema`."""
        sampler = _SchemaSampler(request.schema, generator(self.seed, "fake-lm", request.key()))
        text = json.dumps(sampler.sample(request.schema), separators=(",", ":"))
        prompt = sum(len(m.content) for m in request.messages)
        return LMResponse(
            text=text,
            finish_reason="stop",
            prompt_tokens=max(1, prompt // 4),
            completion_tokens=_approx_tokens(text),
            model=self.name,
        )


class ScriptedLM:
    """Returns queued answers in order and records the requests, so tests can script exchanges."""

    def __init__(self, answers: Iterable[str | LMResponse]) -> None:
        self.answers: deque[str | LMResponse] = deque(answers)
        self.requests: list[LMRequest] = []

    @property
    def name(self) -> str:
        """Model identifier recorded with every call."""
        return "scripted"

    def complete(self, request: LMRequest) -> LMResponse:
        """Pop the next scripted answer; a bare string becomes a clean "stop" response."""
        self.requests.append(request)
        if not self.answers:
            raise LMError("ScriptedLM has no answers left")
        answer = self.answers.popleft()
        if isinstance(answer, LMResponse):
            return answer
        return LMResponse(
            text=answer,
            finish_reason="stop",
            prompt_tokens=_approx_tokens(" ".join(m.content for m in request.messages)),
            completion_tokens=_approx_tokens(answer),
            model=self.name,
        )
