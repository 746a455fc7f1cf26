"""OpenAICompatLM against a loopback fake server that supports only some structured-output modes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import BaseModel

from sim.errors import SimInputError
from sim.llm.fake import FakeLM
from sim.llm.openai_compat import OpenAICompatLM
from sim.llm.protocol import LMError, LMRequest, Message
from sim.llm.structured import CallContext, StructuredLM


class Mood(BaseModel):
    mood: str
    energy: int


@dataclass
class ServerState:
    """What the fake server accepts and what it saw."""

    accepted: set[str]
    reject_status: int = 500
    reject_message: str = "Unsupported response_format type"
    finish_reason: str = "stop"
    seen_modes: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)


def _mode_of(body: dict[str, Any]) -> str:
    """Classify a request the way the backend's modes differ."""
    fmt = body.get("response_format")
    if fmt is None:
        return "prompt"
    if fmt["type"] == "json_schema":
        return "json_schema"
    return "json_object_schema" if "schema" in fmt else "json_object"


def _schema_of(body: dict[str, Any], mode: str) -> dict[str, Any]:
    """Where each mode carries the schema: response_format, or the system message."""
    fmt = body.get("response_format") or {}
    if mode == "json_schema":
        return fmt["json_schema"]["schema"]
    if mode == "json_object_schema":
        return fmt["schema"]
    system = body["messages"][0]["content"]
    return json.loads(system[system.index("{") :])


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            mode = _mode_of(body)
            state.seen_modes.append(mode)
            state.bodies.append(body)
            if mode not in state.accepted:
                error = {"code": state.reject_status, "message": state.reject_message}
                self._reply(state.reject_status, {"error": error})
                return
            # Answer like a model that follows the schema it was given.
            request = LMRequest(messages=(), schema=_schema_of(body, mode), seed=body["seed"])
            text = FakeLM().complete(request).text
            self._reply(
                200,
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": state.finish_reason,
                            "message": {"role": "assistant", "content": text},
                        }
                    ],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                },
            )

    return Handler


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start fake servers on 127.0.0.1 (random ports); all are shut down after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(state: ServerState) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        servers.append(server)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _ask(lm: OpenAICompatLM, seed: int = 0) -> Mood:
    structured = StructuredLM(lm, max_attempts=1)
    fallback = Mood(mood="fallback", energy=-1)
    return structured.ask(
        [Message("user", "How do you feel?")],
        Mood,
        context=CallContext("t"),
        fallback=fallback,
        seed=seed,
    )


def test_falls_back_to_llama_cpp_style_mode_and_remembers_it(serve: Any) -> None:
    state = ServerState(accepted={"json_object_schema"})
    lm = OpenAICompatLM("local", base_url=serve(state), api_key="k")
    first = _ask(lm)
    assert first.mood != "fallback"
    assert lm.working_mode == "json_object_schema"
    assert state.seen_modes == ["json_schema", "json_object_schema"]
    body = state.bodies[-1]
    assert (body["seed"], body["max_tokens"], body["temperature"]) == (0, 256, 0.7)
    second = _ask(lm, seed=1)
    assert second.mood != "fallback"
    assert state.seen_modes == ["json_schema", "json_object_schema", "json_object_schema"]


def test_prompt_mode_carries_schema_in_the_system_message(serve: Any) -> None:
    state = ServerState(accepted={"prompt"}, reject_status=400)
    lm = OpenAICompatLM("local", base_url=serve(state))
    assert _ask(lm).mood != "fallback"
    assert state.seen_modes == ["json_schema", "json_object_schema", "json_object", "prompt"]
    messages = state.bodies[-1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert '"energy"' in messages[0]["content"]


def test_strict_json_schema_server_is_used_directly(serve: Any) -> None:
    state = ServerState(accepted={"json_schema"})
    lm = OpenAICompatLM("gpt", base_url=serve(state))
    response = lm.complete(
        LMRequest(
            messages=(Message("user", "hi"),), schema=Mood.model_json_schema(), schema_name="Mood"
        )
    )
    Mood.model_validate_json(response.text)
    assert (response.prompt_tokens, response.completion_tokens) == (11, 7)
    assert response.model == "openai:gpt"
    fmt = state.bodies[0]["response_format"]
    assert fmt["json_schema"]["name"] == "Mood" and fmt["json_schema"]["strict"] is False


def test_length_finish_reason_is_mapped(serve: Any) -> None:
    state = ServerState(accepted={"json_schema"}, finish_reason="length")
    lm = OpenAICompatLM("m", base_url=serve(state))
    request = LMRequest(messages=(Message("user", "hi"),), schema=Mood.model_json_schema())
    assert lm.complete(request).finish_reason == "length"


def test_errors_unrelated_to_the_mode_do_not_fall_through(serve: Any) -> None:
    state = ServerState(accepted=set(), reject_status=401, reject_message="invalid api key")
    lm = OpenAICompatLM("m", base_url=serve(state))
    with pytest.raises(LMError, match="401"):
        lm.complete(LMRequest(messages=(Message("user", "hi"),), schema=Mood.model_json_schema()))
    assert state.seen_modes == ["json_schema"]
    assert lm.working_mode is None


def test_explicit_mode_is_the_only_one_tried(serve: Any) -> None:
    state = ServerState(accepted={"json_object_schema"}, reject_status=400)
    lm = OpenAICompatLM("m", base_url=serve(state), mode="json_schema")
    with pytest.raises(LMError):
        lm.complete(LMRequest(messages=(Message("user", "hi"),), schema=Mood.model_json_schema()))
    assert state.seen_modes == ["json_schema"]


def test_connection_errors_raise_without_trying_other_modes() -> None:
    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lm = OpenAICompatLM("m", base_url=f"http://127.0.0.1:{port}/v1", timeout=2)
    with pytest.raises(LMError):
        lm.complete(LMRequest(messages=(Message("user", "hi"),), schema=Mood.model_json_schema()))
    assert lm.working_mode is None


def test_unknown_mode_is_a_user_error() -> None:
    with pytest.raises(SimInputError, match="mode"):
        OpenAICompatLM("m", base_url="http://127.0.0.1:1/v1", mode="xml")


class _Garbage(BaseHTTPRequestHandler):
    """A server that answers 200 with a body that is not JSON (a proxy's error page, say)."""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"<html>502 Bad Gateway</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_body_that_is_not_json_is_an_lm_error_not_a_crash() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        lm = OpenAICompatLM("m", base_url=url, mode="json_schema")
        with pytest.raises(LMError, match="not valid JSON"):
            lm.complete(
                LMRequest(messages=(Message("user", "hi"),), schema=Mood.model_json_schema())
            )
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_key_stops_at_once_and_never_reaches_the_record(serve: Any) -> None:
    from sim.llm.protocol import LMUnavailable
    from sim.llm.structured import CallContext, StructuredLM

    secret = "sk-test-0123456789abcdef"
    state = ServerState(
        accepted=set(), reject_status=401, reject_message=f"invalid api key {secret}"
    )
    records: list[Any] = []
    lm = StructuredLM(
        OpenAICompatLM("m", base_url=serve(state), api_key=secret), sink=records.append
    )
    with pytest.raises(LMUnavailable) as raised:
        lm.ask(
            [Message("user", "hi")],
            Mood,
            context=CallContext("t"),
            fallback=Mood(mood="calm", energy=1),
        )
    assert len(state.bodies) == 1  # no retry, no second mode
    assert secret not in str(raised.value) and "***" in str(raised.value)
    assert all(secret not in json.dumps(r.to_json()) for r in records)
