"""Typed LM calls: ask for a pydantic model, get one back, always.

Small models often emit broken or truncated JSON. Cognition must keep running regardless, so
`StructuredLM.ask` retries with a shifted seed and finally returns a caller-supplied fallback,
recording every attempt so runs can be audited and replayed. Every fault is counted by kind, and
when the model is down (not merely wrong) the run stops instead of going on with fallbacks.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, Literal, TypeVar

import pydantic

from sim.llm.protocol import (
    LanguageModel,
    LMAuthError,
    LMError,
    LMRequest,
    LMResponse,
    LMUnavailable,
    Message,
)
from sim.llm.shapes import shape_key
from sim.llm.watch import OutageMonitor, stall_notice
from sim.quality.checks import enum_values
from sim.types import JSON

T = TypeVar("T", bound=pydantic.BaseModel)
Outcome = Literal["ok", "invalid", "truncated", "rejected", "error", "fallback"]

_FENCE = re.compile(r"```(?:json)?", re.IGNORECASE)


@dataclass(frozen=True)
class CallContext:
    """Why a call was made, recorded with it so the log explains each decision."""

    purpose: str
    agent: str | None = None
    tick: int = 0
    decision: str = ""  # what the answer fed, e.g. "next action" or "reply to Bob"


@dataclass
class LMCallRecord:
    """One attempt at a call (or the fallback that replaced a failed call), as stored."""

    purpose: str
    agent: str | None
    tick: int
    decision: str
    attempt: int
    request_key: str
    request: dict[str, Any]
    response: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    outcome: Outcome
    cached: bool
    error: str
    faults: tuple[str, ...] = ()  # the transport faults this attempt met (retried tries)

    def to_json(self) -> dict[str, Any]:
        """JSON-shaped form, written out: `asdict` deep-copies the request and its schema, which
        cost more than the rest of a call on a fast model. The request dict is this record's
        own; the schema inside it is shared (`schema_of`) and must not be changed."""
        return {
            "purpose": self.purpose,
            "agent": self.agent,
            "tick": self.tick,
            "decision": self.decision,
            "attempt": self.attempt,
            "request_key": self.request_key,
            "request": self.request,
            "response": self.response,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_ms": self.latency_ms,
            "outcome": self.outcome,
            "cached": self.cached,
            "error": self.error,
            "faults": self.faults,
        }


@dataclass
class LMStats:
    """Running totals. `calls` counts attempts sent to the model; ok/fallbacks count `ask`s.

    `faults` counts every fault by kind (`sim.llm.protocol.FAULT_KINDS`), the HTTP tries that
    were retried before an answer included.
    """

    calls: int = 0
    ok: int = 0
    invalid: int = 0
    truncated: int = 0
    rejected: int = 0  # schema-valid answers that failed a quality gate
    errors: int = 0
    fallbacks: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    faults: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.faults = dict(self.faults)  # never shared with the state it was restored from

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return asdict(self)

    def add_faults(self, kinds: Sequence[str]) -> None:
        """Count each fault of `kinds` once."""
        for kind in kinds:
            self.faults[kind] = self.faults.get(kind, 0) + 1


@dataclass
class _Attempt(Generic[T]):
    """What one attempt produced: its classification, and the parsed value when it succeeded."""

    outcome: Outcome
    response: LMResponse = field(default_factory=lambda: LMResponse(text=""))
    error: str = ""
    value: T | None = None
    faults: tuple[str, ...] = ()  # every fault this attempt met, retried HTTP tries included


_SCHEMAS: weakref.WeakKeyDictionary[type[pydantic.BaseModel], dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)
_BY_SHAPE: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()  # see `shape_key`
SHAPES_HELD = 2048
_SCHEMAS_LOCK = threading.Lock()


def schema_of(output: type[pydantic.BaseModel]) -> dict[str, Any]:
    """`output.model_json_schema()`, made once per class (do not change the dict).

    Building it costs milliseconds, a large share of a call's own CPU; prompts with choices
    make their class per call, and live only as long as it is used. Such a class gets the
    schema of the last class of the same shape (`sim.llm.shapes.shape_key`).
    """
    with _SCHEMAS_LOCK:
        schema = _SCHEMAS.get(output)
    if schema is not None:
        return schema
    shape = shape_key(output)  # a class made anew per call is most often shaped like an old one
    with _SCHEMAS_LOCK:
        schema = _BY_SHAPE.get(shape) if shape is not None else None
    if schema is None:
        schema = output.model_json_schema()
    with _SCHEMAS_LOCK:
        _SCHEMAS[output] = schema
        if shape is not None:
            _BY_SHAPE[shape] = schema
            _BY_SHAPE.move_to_end(shape)
            while len(_BY_SHAPE) > SHAPES_HELD:
                _BY_SHAPE.popitem(last=False)
    return schema


_CHOICES: weakref.WeakKeyDictionary[type[pydantic.BaseModel], frozenset[str]] = (
    weakref.WeakKeyDictionary()
)


def choices_of(output: type[pydantic.BaseModel]) -> frozenset[str]:
    """Every string `output`'s schema offers as a choice (`enum`/`const`), found once per class:
    the quality gate lets them through on every answer, as picked rather than written."""
    with _SCHEMAS_LOCK:
        found = _CHOICES.get(output)
    if found is None:
        found = frozenset(enum_values(schema_of(output)))
        with _SCHEMAS_LOCK:
            _CHOICES[output] = found
    return found


def extract_json(text: str) -> str:
    """The outermost `{...}` in `text` after dropping markdown code fences (models add both)."""
    text = _FENCE.sub("", text)
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text.strip()


class StructuredLM:
    """Validated, retried, recorded calls that return pydantic models and never fail."""

    def __init__(
        self,
        lm: LanguageModel,
        *,
        max_attempts: int = 3,
        sink: Callable[[LMCallRecord], None] | None = None,
        timer: Callable[[], float] = time.perf_counter,
        monitor: OutageMonitor | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.lm = lm
        self.max_attempts = max_attempts
        self.monitor = monitor or OutageMonitor()
        self._failing = 0
        self.sink = sink
        self.timer = timer  # telemetry only: latency never influences behaviour
        self.on_wait: Callable[[int], None] | None = None  # told the seconds a slow call waits
        self.stats = LMStats()
        # Decisions may ask from several threads at once (`sim.executor`): the totals, the
        # outage monitor and the failure streak are shared, so they change under this lock.
        self._lock = threading.Lock()
        self._noticing = False  # a call in flight is watched for stalls (see `_one_notice`)

    def ask(
        self,
        messages: Sequence[Message],
        output: type[T],
        *,
        context: CallContext,
        fallback: T | Callable[[], T],
        check: Callable[[T], str | None] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        seed: int = 0,
        sink: Callable[[LMCallRecord], None] | None = None,
    ) -> T:
        """Ask for an `output` instance; after `max_attempts` failures return the fallback.

        `sink` hears this call's records instead of the default sink (a decision's own context).
        Attempt i uses seed + i so a retry can differ. Invalid, truncated and `LMError` answers
        are retried; anything else (e.g. a replay that diverged) propagates. `LMUnavailable`
        is raised when the model is down (see `OutageMonitor`) or refuses the key.
        """
        schema = schema_of(output)
        errors: list[str] = []
        for attempt in range(self.max_attempts):
            request = LMRequest(
                messages=tuple(messages),
                schema=schema,
                schema_name=output.__name__,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed + attempt,
            )
            started = self.timer()
            result = self._attempt(request, output, check)
            latency_ms = (self.timer() - started) * 1000
            self._emit(sink, context, attempt, request, result, latency_ms)
            with self._lock:
                self._count(result)
                down = self.monitor.record(result.outcome == "error", result.error[:300])
                if result.value is not None:
                    self._failing = 0
            if down:
                raise LMUnavailable(down)
            if result.value is not None:
                return result.value
            errors.append(f"{result.outcome}: {result.error}")
        value = fallback() if callable(fallback) else fallback
        summary = " | ".join(errors)[:2000]
        used = _Attempt(
            "fallback", LMResponse(value.model_dump_json(), model=self.lm.name), summary
        )
        self._emit(sink, context, self.max_attempts, request, used, 0.0)
        with self._lock:
            self.stats.fallbacks += 1
            self._failing = self._failing + 1 if all(e.startswith("error") for e in errors) else 0
        return value

    @property
    def failing(self) -> int:
        """Asks in a row that failed on every attempt with a backend error (0 after a success)."""
        return self._failing

    def _attempt(
        self, request: LMRequest, output: type[T], check: Callable[[T], str | None] | None = None
    ) -> _Attempt[T]:
        """Run one attempt and classify it; `check` can reject a schema-valid answer."""
        try:
            response = self._complete(request)
        except LMAuthError as exc:  # a refused key: no retry or fallback can help
            with self._lock:
                self.stats.add_faults(exc.faults)
            raise LMUnavailable(str(exc)[:500]) from exc
        except LMError as exc:
            return _Attempt("error", error=str(exc)[:1000], faults=exc.faults)
        retried = () if response.cached else response.faults
        if response.finish_reason == "length":
            # Even if it parses, a cut-off answer may have lost fields the model meant to fill.
            return _Attempt("truncated", response, "output hit max_tokens", faults=retried)
        if response.finish_reason == "error":
            failed = (*retried, "error")
            return _Attempt("error", response, "backend reported an error", faults=failed)
        try:
            value = output.model_validate_json(extract_json(response.text))
        except pydantic.ValidationError as exc:
            summary = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
                for e in exc.errors()
            )
            return _Attempt("invalid", response, summary[:1000], faults=retried)
        reason = check(value) if check is not None else None
        if reason:
            return _Attempt("rejected", response, reason[:1000], faults=retried)
        note = f"answered after retrying: {', '.join(retried)}" if retried else ""
        return _Attempt("ok", response, note, value=value, faults=retried)

    def _complete(self, request: LMRequest) -> LMResponse:
        """The model's answer, watched for stalls when someone listens (`on_wait`)."""
        if self.on_wait is None:  # nobody to tell: no watcher, no lock
            return self.lm.complete(request)
        with self._one_notice() as on_wait, stall_notice(on_wait):
            return self.lm.complete(request)

    @contextmanager
    def _one_notice(self) -> Iterator[Callable[[int], None] | None]:
        """`on_wait` for one of the calls in flight at a time, None for the others: sixteen
        concurrent slow calls make one "waiting" line, not sixteen."""
        with self._lock:
            mine = self.on_wait is not None and not self._noticing
            self._noticing = self._noticing or mine
        try:
            yield self.on_wait if mine else None
        finally:
            if mine:
                with self._lock:
                    self._noticing = False

    def _count(self, result: _Attempt[T]) -> None:
        """Add one attempt to the running totals (the caller holds the lock)."""
        response = result.response
        self.stats.calls += 1
        self.stats.ok += result.outcome == "ok"
        self.stats.invalid += result.outcome == "invalid"
        self.stats.truncated += result.outcome == "truncated"
        self.stats.rejected += result.outcome == "rejected"
        self.stats.errors += result.outcome == "error"
        self.stats.cached += response.cached
        self.stats.prompt_tokens += response.prompt_tokens
        self.stats.completion_tokens += response.completion_tokens
        answered = result.outcome in ("invalid", "truncated", "rejected")  # a faulty answer
        self.stats.add_faults((*result.faults, *([result.outcome] if answered else [])))

    def _emit(
        self,
        sink: Callable[[LMCallRecord], None] | None,
        context: CallContext,
        attempt: int,
        request: LMRequest,
        result: _Attempt[T],
        latency_ms: float,
    ) -> None:
        """Hand the record of one attempt (or of the fallback) to `sink` or the default one."""
        sink = sink or self.sink
        if sink is None:
            return
        response = result.response
        sink(
            LMCallRecord(
                purpose=context.purpose,
                agent=context.agent,
                tick=context.tick,
                decision=context.decision,
                attempt=attempt,
                request_key=request.key(),
                request=request.to_json(),
                response=response.text,
                model=response.model or self.lm.name,
                prompt_tokens=response.prompt_tokens,
                completion_tokens=response.completion_tokens,
                latency_ms=latency_ms,
                outcome=result.outcome,
                cached=response.cached,
                error=result.error,
                faults=result.faults,
            )
        )
