"""The one protocol every language-model backend implements."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any, Literal, Protocol, runtime_checkable

FinishReason = Literal["stop", "length", "error"]

# What can go wrong on the way to an answer. The first six pass with time, so they are retried
# (with backoff) before the call counts as failed; the rest are not helped by waiting.
TRANSIENT = ("timeout", "connection", "rate_limit", "server_error", "bad_body", "empty_choices")
FAULT_KINDS = (*TRANSIENT, "auth", "http_error", "error", "invalid", "truncated", "rejected")


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class LMRequest:
    """A request for one JSON answer that must follow `schema` (a JSON Schema object)."""

    messages: tuple[Message, ...]
    schema: dict[str, Any]
    schema_name: str = "answer"
    max_tokens: int = 256
    temperature: float = 0.7
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-shaped form, as stored with the run."""
        return {
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "schema": self.schema,
            "schema_name": self.schema_name,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
        }

    def key(self) -> str:
        """Stable hash of everything that determines the answer: the cache and replay key.

        The hash of `to_json()` dumped with sorted keys, the dump put together field by field
        (in sorted order) so that the schema, the same for many calls, is dumped once.
        """
        messages = ",".join(
            f'{{"content":{_string(m.content)},"role":{_string(m.role)}}}' for m in self.messages
        )
        blob = (
            f'{{"max_tokens":{_number(self.max_tokens)},"messages":[{messages}],'
            f'"schema":{_schema_text(self.schema)},"schema_name":{_string(self.schema_name)},'
            f'"seed":{_number(self.seed)},"temperature":{_number(self.temperature)}}}'
        )
        return hashlib.sha256(blob.encode()).hexdigest()


_SCHEMA_TEXTS: dict[int, tuple[dict[str, Any], str]] = {}  # id -> (the schema held, its dump)
_SCHEMA_TEXTS_HELD = 512
_SCHEMA_TEXTS_LOCK = threading.Lock()  # requests are keyed from several threads at once


def _dump(value: Any) -> str:
    """The canonical JSON of `value`: sorted keys, no spaces (what request keys hash)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _string(value: Any) -> str:
    """`_dump` of a string without the encoder's setup: the same C function quotes it."""
    return encode_basestring_ascii(value) if type(value) is str else _dump(value)


def _number(value: Any) -> str:
    """`_dump` of a number, without the encoder's setup for plain ints and finite floats
    (whose JSON is their repr)."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)
    return _dump(value)


def _schema_text(schema: dict[str, Any]) -> str:
    """`_dump(schema)`, remembered for the last few hundred schemas (by identity: a schema is
    not changed once it is in a request; the entry holds it, so its id is not reused)."""
    with _SCHEMA_TEXTS_LOCK:
        held = _SCHEMA_TEXTS.get(id(schema))
    if held is not None and held[0] is schema:
        return held[1]
    text = _dump(schema)
    with _SCHEMA_TEXTS_LOCK:
        if len(_SCHEMA_TEXTS) >= _SCHEMA_TEXTS_HELD:
            del _SCHEMA_TEXTS[next(iter(_SCHEMA_TEXTS))]  # the oldest
        _SCHEMA_TEXTS[id(schema)] = (schema, text)
    return text


@dataclass(frozen=True)
class LMResponse:
    """The raw text a backend returned and what it cost."""

    text: str
    finish_reason: FinishReason = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""
    cached: bool = False  # answered from a cache or a recorded run, not by the model
    faults: tuple[str, ...] = ()  # kinds of the failed tries retried before this answer


@runtime_checkable
class LanguageModel(Protocol):
    """A backend: turns a request into raw text. Validation and retries live above it."""

    @property
    def name(self) -> str:
        """Model identifier recorded with every call."""
        ...

    def complete(self, request: LMRequest) -> LMResponse:
        """Answer one request; raise `LMError` for transport failures."""
        ...


class LMUnavailable(RuntimeError):
    """The backend failed on every attempt of several calls in a row: an outage, a wrong key or
    a dead server. The run stops here rather than go on with canned answers."""


class LMError(RuntimeError):
    """A backend could not produce an answer (transport failure, server error).

    `kind` is one of `FAULT_KINDS`; `retry_after` is the wait in seconds a server asked for;
    `faults` holds the kinds of every try that failed on the way here, this one last.
    """

    def __init__(self, message: str, kind: str = "error", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.faults: tuple[str, ...] = (kind,)

    @property
    def transient(self) -> bool:
        """Whether trying the same request again after a wait may succeed."""
        return self.kind in TRANSIENT


class LMAuthError(LMError):
    """The server refused the credentials (HTTP 401 or 403): retrying cannot help."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "auth")
