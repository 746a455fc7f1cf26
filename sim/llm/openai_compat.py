"""Any OpenAI-compatible chat server (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio...).

Servers disagree on how to ask for structured output, so the backend knows several "modes" and, in
"auto", probes them from strictest to loosest, remembering the first one the server accepts.
Whatever comes back is only text here; validating it against the schema is the layer above's job.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any

import openai

from sim.errors import SimInputError
from sim.llm.protocol import FinishReason, LMAuthError, LMError, LMRequest, LMResponse, Message

MODES = ("json_schema", "json_object_schema", "json_object", "prompt")

# An API error with one of these statuses whose message mentions one of these words most likely
# means "this server does not support that response_format", so the next mode is worth a try.
_UNSUPPORTED_STATUSES = frozenset({400, 404, 415, 422, 500, 501})
_UNSUPPORTED_HINTS = (
    "response_format",
    "json_schema",
    "json_object",
    "schema",
    "grammar",
    "not supported",
    "unsupported",
    "not implemented",
)


def _schema_instruction(request: LMRequest) -> str:
    """The schema spelled out for modes where the server cannot enforce it."""
    schema = json.dumps(request.schema, separators=(",", ":"))
    return (
        "Reply with one JSON object and nothing else. "
        f"It must be valid for this JSON Schema ({request.schema_name}): {schema}"
    )


def _with_schema_instruction(request: LMRequest) -> list[Message]:
    """Messages with the schema instruction merged into the (single) leading system message.

    Merging rather than adding a second system message keeps strict chat templates happy.
    """
    messages = list(request.messages)
    instruction = _schema_instruction(request)
    if messages and messages[0].role == "system":
        messages[0] = Message("system", f"{messages[0].content}\n\n{instruction}")
    else:
        messages.insert(0, Message("system", instruction))
    return messages


def _request_body(request: LMRequest, mode: str) -> dict[str, Any]:
    """Arguments for `chat.completions.create` in the given structured-output mode."""
    enforced = mode in ("json_schema", "json_object_schema")
    messages = request.messages if enforced else _with_schema_instruction(request)
    body: dict[str, Any] = {
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "seed": request.seed,
    }
    if mode == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": False},
        }
    elif mode == "json_object_schema":
        body["response_format"] = {"type": "json_object", "schema": request.schema}
    elif mode == "json_object":
        body["response_format"] = {"type": "json_object"}
    return body


def _looks_unsupported(exc: openai.APIStatusError) -> bool:
    """Whether a server error most likely rejects the structured-output mode itself."""
    text = f"{exc.message} {exc.body}".lower()
    return exc.status_code in _UNSUPPORTED_STATUSES and any(h in text for h in _UNSUPPORTED_HINTS)


class OpenAICompatLM:
    """Chat completions over HTTP with the strictest structured-output mode the server accepts."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: str = "auto",
        timeout: float = 60,
    ) -> None:
        if mode != "auto" and mode not in MODES:
            raise SimInputError(
                "--lm",
                "mode",
                f"unknown structured-output mode {mode!r}",
                f"use auto or one of {', '.join(MODES)}",
            )
        self.model = model
        self.mode = mode
        self.timeout = timeout
        self._working_mode: str | None = None if mode == "auto" else mode
        # Local servers ignore the key, but the client refuses to start without one.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        # The client's own retries are off: `RetryingLM` retries, so every fault is counted and
        # a rejected mode fails fast while probing.
        self._client = openai.OpenAI(
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
            api_key=key,
            timeout=timeout,
            max_retries=0,
        )

    def _redact(self, text: str) -> str:
        """Error texts are stored with the run: a server that echoes the key must not leak it.

        Keys shorter than 8 characters are placeholders for local servers, not secrets, and
        replacing them would garble the text.
        """
        key = self._client.api_key
        return text.replace(key, "***") if len(key) >= 8 and key != "not-needed" else text

    @property
    def name(self) -> str:
        """Model identifier recorded with every call."""
        return f"openai:{self.model}"

    @property
    def working_mode(self) -> str | None:
        """The structured-output mode the server accepted (None until one call succeeded)."""
        return self._working_mode

    def complete(self, request: LMRequest) -> LMResponse:
        """Send the request, falling through modes while the server rejects them."""
        if self._working_mode is not None:
            return self._send(request, self._working_mode)
        rejected: list[str] = []
        for mode in MODES:
            try:
                response = self._send(request, mode)
            except _ModeRejected as exc:
                rejected.append(f"{mode}: {exc}")
                continue
            self._working_mode = mode
            return response
        raise LMError(
            f"{self.name}: server rejected every structured-output mode ({'; '.join(rejected)})"
        )

    def _send(self, request: LMRequest, mode: str) -> LMResponse:
        """One HTTP call; raises _ModeRejected when probing may continue, else LMError."""
        try:
            # `post` is what `chat.completions.create` calls, less its walk of the whole body
            # against the parameter types, and the parsed body is read here rather than built
            # into the SDK's models: together much of the client's CPU per call, which
            # bounds how many concurrent calls one interpreter keeps in flight
            # (bench/concurrency.py).
            result = self._client.post(
                "/chat/completions",
                body={"model": self.model, **_request_body(request, mode)},
                cast_to=object,  # the parsed body as it came: no models built
            )
        except openai.APIStatusError as exc:
            if self._working_mode is None and mode != MODES[-1] and _looks_unsupported(exc):
                raise _ModeRejected(self._redact(f"HTTP {exc.status_code} {exc.message}")) from exc
            raise self._status_error(exc) from exc
        except openai.APITimeoutError as exc:
            raise self._error(f"no answer within {self.timeout:g} s", "timeout") from exc
        except openai.APIConnectionError as exc:
            where = f"cannot reach {self._client.base_url} ({_root(exc)})"
            raise self._error(where, "connection") from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            # A body that is not JSON escapes the client as a ValueError.
            what = f"the server's answer was not valid JSON ({exc})"
            raise self._error(what, "bad_body") from exc
        return self._response(result)

    def _response(self, result: Any) -> LMResponse:
        """The answer in a chat completion body."""
        if not isinstance(result, dict) or not isinstance(result.get("choices", []), list):
            raise self._error("the server's answer was not a chat completion", "bad_body")
        if not result.get("choices"):
            raise self._error("the answer had no choices", "empty_choices")
        choice = result["choices"][0]
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("content") or "", str):
            raise self._error("the answer's first choice holds no message", "bad_body")
        reason: FinishReason = "length" if choice.get("finish_reason") == "length" else "stop"
        usage = result.get("usage") if isinstance(result.get("usage"), dict) else {}
        return LMResponse(
            text=message.get("content") or "",
            finish_reason=reason,
            prompt_tokens=_count(usage.get("prompt_tokens")),
            completion_tokens=_count(usage.get("completion_tokens")),
            model=self.name,
        )

    def _error(self, what: str, kind: str, retry_after: float | None = None) -> LMError:
        """An LMError of `kind` whose text names the model and holds no key."""
        return LMError(self._redact(f"{self.name}: {what}"), kind, retry_after)

    def _status_error(self, exc: openai.APIStatusError) -> LMError:
        """An HTTP error status as the fault it is."""
        status, said = exc.status_code, _server_says(exc)
        if status in (401, 403):
            refused = f"{self.name}: HTTP {status} (the server refused the API key): {said}"
            return LMAuthError(self._redact(refused))
        if status == 429:
            return self._error(f"HTTP 429 (rate limited): {said}", "rate_limit",
                               _retry_after(exc.response.headers))  # fmt: skip
        kind = "server_error" if status >= 500 else "http_error"
        return self._error(f"HTTP {status}: {said}", kind)


def _count(value: Any) -> int:
    """A token count from `usage`, 0 when the server left it out."""
    return value if isinstance(value, int) else 0


def _server_says(exc: openai.APIStatusError) -> str:
    """The message in an error body (`{"error": {"message": ...}}`), or the client's summary."""
    said = exc.body.get("message") if isinstance(exc.body, dict) else None
    return said if isinstance(said, str) and said else exc.message


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a `Retry-After` (or `retry-after-ms`) header asks for; None when absent or a date."""
    for header, scale in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            seconds = float(headers.get(header, "")) / scale
        except ValueError:
            continue
        if math.isfinite(seconds):
            return seconds
    return None


def _root(exc: BaseException) -> str:
    """The innermost cause of a connection failure, e.g. "[Errno 111] Connection refused"."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return str(exc) or type(exc).__name__


class _ModeRejected(LMError):
    """The server refused a structured-output mode; the next mode may still work."""
