"""Each LM fault is retried, re-asked or replaced, counted by kind, and never waited on silently."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pydantic import BaseModel

from sim.llm.openai_compat import OpenAICompatLM
from sim.llm.protocol import LMAuthError, LMError, LMRequest, LMResponse, LMUnavailable, Message
from sim.llm.retry import RetryingLM, RetryPolicy
from sim.llm.structured import CallContext, StructuredLM
from sim.llm.watch import stall_notice
from sim.llm.wrappers import CachingLM
from sim.testing.fake_openai import KINDS, FakeOpenAIServer, Faults


class Mood(BaseModel):
    mood: str
    energy: int


REQUEST = LMRequest(messages=(Message("user", "hi"),), schema=Mood.model_json_schema())


class Failing:
    """Raises the queued faults in turn, then answers."""

    name = "failing"

    def __init__(self, *faults: LMError) -> None:
        self.faults = list(faults)
        self.calls = 0

    def complete(self, request: LMRequest) -> LMResponse:
        self.calls += 1
        if self.faults:
            raise self.faults.pop(0)
        return LMResponse('{"mood": "calm", "energy": 3}')


def _retrying(inner: Any, seed: int = 0, **policy: Any) -> tuple[RetryingLM, list[float]]:
    waits: list[float] = []
    return RetryingLM(inner, seed=seed, policy=RetryPolicy(**policy), sleep=waits.append), waits


def test_transient_faults_are_retried_with_growing_seeded_jitter() -> None:
    lm, waits = _retrying(Failing(LMError("x", "timeout"), LMError("y", "server_error")))
    response = lm.complete(REQUEST)
    assert response.faults == ("timeout", "server_error")
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0  # backoff doubles, jitter halves
    again, same = _retrying(Failing(LMError("x", "timeout"), LMError("y", "server_error")))
    again.complete(REQUEST)
    other, different = _retrying(Failing(LMError("x", "timeout")), seed=1)
    other.complete(REQUEST)
    assert same == waits and different[0] != waits[0]  # jitter comes from the run's seed


def test_retry_after_is_honoured_up_to_its_cap() -> None:
    lm, waits = _retrying(
        Failing(LMError("slow down", "rate_limit", 2.0), LMError("later", "rate_limit", 3600.0)),
        retry_after_cap_s=60.0,
    )
    lm.complete(REQUEST)
    assert waits == [2.0, 60.0]


def test_faults_that_waiting_cannot_fix_are_not_retried() -> None:
    for fault in (LMAuthError("HTTP 401"), LMError("HTTP 400", "http_error")):
        inner = Failing(fault)
        lm, waits = _retrying(inner)
        with pytest.raises(LMError) as raised:
            lm.complete(REQUEST)
        assert inner.calls == 1 and waits == [] and raised.value.faults == (fault.kind,)


def test_the_last_fault_carries_every_try_to_the_layer_above() -> None:
    lm, _ = _retrying(Failing(*(LMError("down", "connection") for _ in range(3))))
    with pytest.raises(LMError) as raised:
        lm.complete(REQUEST)
    assert raised.value.faults == ("connection",) * 3


def _structured(url: str, timeout: float = 5) -> StructuredLM:
    remote = OpenAICompatLM("x", base_url=url, api_key="k", timeout=timeout)
    return StructuredLM(RetryingLM(remote, sleep=lambda _: None))


def _ask(lm: StructuredLM) -> Mood:
    fallback = Mood(mood="fallback", energy=0)
    return lm.ask([Message("user", "hi")], Mood, context=CallContext("t"), fallback=fallback)


@pytest.mark.parametrize("kind", KINDS)
def test_each_fault_kind_is_classified_counted_and_survived(kind: str) -> None:
    with FakeOpenAIServer(Faults(rate=1.0, kinds=(kind,), limit=1, stall_s=1.0)) as server:
        lm = _structured(server.url, timeout=0.3)
        answer = _ask(lm)
    assert answer.mood != "fallback"  # the retry or the re-ask got a real answer
    assert lm.stats.faults == {kind: 1} == dict(server.injected)
    assert lm.stats.fallbacks == 0


def test_a_body_of_another_content_type_is_a_bad_body() -> None:
    import http.server

    class Html(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"<html>maintenance</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        lm = OpenAICompatLM("x", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
        with pytest.raises(LMError) as raised:
            lm.complete(REQUEST)
        assert raised.value.kind == "bad_body"
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_key_stops_at_once_with_the_cause_and_is_counted() -> None:
    with FakeOpenAIServer(Faults(always="auth", echo_key=True)) as server:
        lm = _structured(server.url)
        with pytest.raises(LMUnavailable, match=r"HTTP 401 \(the server refused the API key\)"):
            _ask(lm)
    assert server.requests == 1 and lm.stats.faults == {"auth": 1}


def test_a_server_that_is_down_stops_the_run_naming_the_cause() -> None:
    with FakeOpenAIServer() as server:
        url = server.url
    lm = _structured(url)
    with pytest.raises(LMUnavailable, match=r"cannot reach .*\(5 calls in a row failed\)"):
        for _ in range(3):
            _ask(lm)
    assert lm.stats.faults == {"connection": 15} and lm.stats.fallbacks == 1


def test_a_slow_call_is_announced_while_it_waits() -> None:
    notices: list[int] = []
    answered = threading.Event()

    def on_wait(seconds: int) -> None:
        notices.append(seconds)
        if len(notices) == 2:
            answered.set()  # the "model" answers after the second notice

    with stall_notice(on_wait, after=0.05, every=0.05):
        assert answered.wait(10)
    assert len(notices) == 2  # and none after the call returned


def test_no_notice_for_a_call_that_returns_in_time() -> None:
    notices: list[int] = []
    with stall_notice(notices.append, after=30):
        pass
    assert notices == []


def test_retried_faults_are_counted_once_and_noted_on_the_answer() -> None:
    records: list[Any] = []
    lm, _ = _retrying(Failing(LMError("x", "rate_limit")))
    structured = StructuredLM(CachingLM(lm), sink=records.append)
    _ask(structured)
    _ask(structured)  # the same request again: a cache hit, no fault happened this time
    assert structured.stats.faults == {"rate_limit": 1} and structured.stats.cached == 1
    assert records[0].outcome == "ok" and records[0].error == "answered after retrying: rate_limit"
    assert records[1].error == ""
