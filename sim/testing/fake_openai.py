"""A loopback OpenAI-compatible server that fails on purpose, for testing how runs survive it.

It answers `POST /v1/chat/completions` in the `json_schema` structured-output mode with answers
valid for the request's schema (drawn like `FakeLM`'s), except for the requests it picks to
fail: a seeded share of them, in every way a real server or proxy fails, taken in turn. It
counts what it injected, so a test can compare that with what the run counted.

    with FakeOpenAIServer(Faults(rate=0.2, seed=1)) as server:
        ...  # sim run --lm openai:x --base-url {server.url}
        server.injected  # Counter({"timeout": 2, "rate_limit": 2, ...})
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sim.llm.fake import FakeLM
from sim.llm.protocol import LMRequest, Message

# Every way a request can be made to fail, named as the run counts them.
KINDS = ("timeout", "connection", "rate_limit", "server_error", "bad_body", "empty_choices",
         "invalid", "truncated")  # fmt: skip


@dataclass(frozen=True)
class Faults:
    """Which requests fail, and how."""

    rate: float = 0.0  # share of requests that fail, chosen by a generator seeded by `seed`
    kinds: tuple[str, ...] = KINDS  # failures are taken from here in turn
    limit: int | None = None  # at most this many failures, then every request is answered
    seed: int = 0
    always: str | None = None  # every request fails this way ("auth" for HTTP 401, ...)
    start: int = 0  # the first `start` requests are answered (a server that dies mid-run)
    stall_s: float = 3.0  # how long a "timeout" holds the answer back (longer than the client)
    retry_after: str = "1"  # the Retry-After header of a 429
    echo_key: bool = False  # error bodies repeat the caller's API key, as careless servers do
    latency_s: float = 0.0  # every request waits this long first, like a remote model thinking


class FakeOpenAIServer:
    """The server on 127.0.0.1 and a free port, in a background thread, for a `with` block."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        self.injected: Counter[str] = Counter()
        self.requests = 0
        self.answered = 0
        self.in_flight = 0  # requests being handled now
        self.peak = 0  # the most requests ever handled at once
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True  # a stalled answer must not hold up shutdown
        self._server.handle_error = lambda *_: None  # type: ignore[method-assign]  # hang-ups
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    @property
    def url(self) -> str:
        """The base URL to give the client (`--base-url`)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        """Count one request as in flight (and the peak) while the block runs."""
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def pick(self) -> str | None:
        """How the next request fails (None: it is answered), counted as injected."""
        with self._lock:
            number = self.requests
            self.requests += 1
            faults, injected = self.faults, sum(self.injected.values())
            kind = faults.always if number >= faults.start else None
            draw = random.Random(f"{faults.seed}:{number}").random()
            room = number >= faults.start and (faults.limit is None or injected < faults.limit)
            if kind is None and room and draw < faults.rate:
                kind = faults.kinds[injected % len(faults.kinds)]
            if kind is None:
                self.answered += 1
            else:
                self.injected[kind] += 1
            return kind


class _Server(ThreadingHTTPServer):
    """Room for many clients connecting at once (the default backlog of 5 drops some)."""

    request_queue_size = 128


def _answer(body: dict[str, Any]) -> str:
    """What a model that follows the request's schema says (the fake model's answer)."""
    fmt = body["response_format"]["json_schema"]
    request = LMRequest(
        messages=tuple(Message(m["role"], m["content"]) for m in body["messages"]),
        schema=fmt["schema"],
        schema_name=fmt["name"],
        seed=int(body.get("seed") or 0),
    )
    return FakeLM().complete(request).text


def _completion(body: dict[str, Any], text: str, finish: str = "stop") -> dict[str, Any]:
    """A chat completion carrying `text`."""
    choice = {"index": 0, "finish_reason": finish,
              "message": {"role": "assistant", "content": text}}  # fmt: skip
    return {"id": "fake", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [choice],
            "usage": {"prompt_tokens": 20, "completion_tokens": len(text) // 4 + 1,
                      "total_tokens": 21 + len(text) // 4}}  # fmt: skip


def _handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    faults = server.faults

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers: no connection per call
        disable_nagle_algorithm = True  # else each answer's body waits 40 ms for an ACK

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def _send(self, status: int, data: bytes, kind: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, payload: dict[str, Any], **headers: str) -> None:
            self._send(status, json.dumps(payload).encode(), headers=headers)

        def _error(self, status: int, message: str, **headers: str) -> None:
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            text = f"{message} (key: {key})" if faults.echo_key else message
            self._json(status, {"error": {"message": text, "code": status}}, **headers)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if body.get("response_format", {}).get("type") != "json_schema":
                self._error(400, "only the json_schema response_format is supported")
                return
            with server.handling():
                time.sleep(faults.latency_s)
                kind = server.pick()
                self._reply(kind, body)

        def _reply(self, kind: str | None, body: dict[str, Any]) -> None:
            with contextlib.suppress(OSError):  # a client that gave up (a timeout) hears nothing
                if kind is None:
                    self._json(200, _completion(body, _answer(body)))
                else:
                    self._fail(kind, body)

        def _fail(self, kind: str, body: dict[str, Any]) -> None:
            text = _answer(body)
            if kind == "timeout":
                time.sleep(faults.stall_s)
                self._json(200, _completion(body, text))
            elif kind == "connection":
                self.close_connection = True  # hang up without a word
            elif kind == "rate_limit":
                self._error(429, "rate limit reached", **{"Retry-After": faults.retry_after})
            elif kind == "server_error":
                self._error(503, "the model is overloaded")
            elif kind == "auth":
                self._error(401, "Incorrect API key provided")
            elif kind == "bad_body":
                key = self.headers.get("Authorization", "") if faults.echo_key else ""
                self._send(200, f"<html>502 Bad Gateway {key}</html>".encode())
            elif kind == "empty_choices":
                self._json(200, {**_completion(body, text), "choices": []})
            elif kind == "invalid":
                self._json(200, _completion(body, '["not", "the", "schema"]'))
            elif kind == "truncated":
                self._json(200, _completion(body, text[: len(text) // 2], "length"))
            else:
                raise ValueError(f"unknown fault kind {kind!r}; use one of {KINDS} or auth")

    return Handler
