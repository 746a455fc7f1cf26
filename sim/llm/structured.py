"""Typed LM calls: ask for a pydantic model, get one back, always.

Small models often emit broken or truncated JSON. Cognition must keep running regardless, so
`StructuredLM.ask` retries with a shifted seed and finally returns a caller-supplied fallback,
recording every attempt so runs can be audited and replayed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
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

    def to_json(self) -> dict[str, Any]:
        """JSON-shaped form."""
        return asdict(self)


@dataclass
class LMStats:
    """Running totals. `calls` counts attempts sent to the model; ok/fallbacks count `ask`s."""

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

    def to_json(self) -> dict[str, int]:
        """JSON-shaped form."""
        return asdict(self)


@dataclass
class _Attempt(Generic[T]):
    """What one attempt produced: its classification, and the parsed value when it succeeded."""

    outcome: Outcome
    response: LMResponse = field(default_factory=lambda: LMResponse(text=""))
    error: str = ""
    value: T | None = None


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
        outage_after: int = 3,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.lm = lm
        self.max_attempts = max_attempts
        self.outage_after = outage_after  # asks in a row failing on every attempt: an outage
        self._failing = 0
        self.sink = sink
        self.timer = timer  # telemetry only: latency never influences behaviour
        self.stats = LMStats()

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
    ) -> T:
        """Ask for an `output` instance; after `max_attempts` failures return the fallback.

        Attempt i uses seed + i so a retry can differ. Invalid, truncated and `LMError` answers
        are retried; anything else (e.g. a replay that diverged) propagates.
        """
        schema = output.model_json_schema()
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
            self._count(result)
            self._emit(context, attempt, request, result, latency_ms)
            if result.value is not None:
                self._failing = 0
                return result.value
            errors.append(f"{result.outcome}: {result.error}")
        value = fallback() if callable(fallback) else fallback
        self.stats.fallbacks += 1
        summary = " | ".join(errors)[:2000]
        used = _Attempt(
            "fallback", LMResponse(value.model_dump_json(), model=self.lm.name), summary
        )
        self._emit(context, self.max_attempts, request, used, 0.0)
        self._failing = self._failing + 1 if all(e.startswith("error") for e in errors) else 0
        if self.outage_after and self._failing >= self.outage_after:
            raise LMUnavailable(
                f"{self.lm.name} failed on every attempt of {self._failing} calls in a row "
                f"(last: {errors[-1][:300]})"
            )
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
            response = self.lm.complete(request)
        except LMAuthError as exc:  # a refused key: no retry or fallback can help
            raise LMUnavailable(str(exc)[:500]) from exc
        except LMError as exc:
            return _Attempt("error", error=str(exc)[:1000])
        if response.finish_reason == "length":
            # Even if it parses, a cut-off answer may have lost fields the model meant to fill.
            return _Attempt("truncated", response, "output hit max_tokens")
        if response.finish_reason == "error":
            return _Attempt("error", response, "backend reported an error")
        try:
            value = output.model_validate_json(extract_json(response.text))
        except pydantic.ValidationError as exc:
            summary = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
                for e in exc.errors()
            )
            return _Attempt("invalid", response, summary[:1000])
        reason = check(value) if check is not None else None
        if reason:
            return _Attempt("rejected", response, reason[:1000])
        return _Attempt("ok", response, value=value)

    def _count(self, result: _Attempt[T]) -> None:
        """Add one attempt to the running totals."""
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

    def _emit(
        self,
        context: CallContext,
        attempt: int,
        request: LMRequest,
        result: _Attempt[T],
        latency_ms: float,
    ) -> None:
        """Hand the record of one attempt (or of the fallback) to the sink."""
        if self.sink is None:
            return
        response = result.response
        self.sink(
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
            )
        )
