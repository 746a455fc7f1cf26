"""Concurrent calls to an OpenAI-compatible server: bounded in flight, rate limits honoured."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sim.assembly import load_town
from sim.executor import ThreadExecutor
from sim.llm.openai_compat import OpenAICompatLM
from sim.llm.retry import RetryingLM
from sim.llm.structured import CallContext, StructuredLM
from sim.prompts.importance import rate_one
from sim.simulation import Simulation
from sim.testing.fake_openai import FakeOpenAIServer, Faults

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_never_has_more_calls_in_flight_than_its_concurrency() -> None:
    """The first tick of eight townsfolk (seed memories, day plans) through the server."""
    world, people = load_town(ROOT / "worlds" / "town", None)
    with FakeOpenAIServer(Faults(latency_s=0.005)) as server:
        digests = {}
        for concurrency in (1, 4):
            sim = Simulation.build(world, people[:8], lm="openai:fake", base_url=server.url,
                                   embedder="hash", seed=2, concurrency=concurrency)  # fmt: skip
            server.peak = 0
            sim.step()
            sim.engine.executor.close()
            assert server.peak == concurrency  # the bound is reached, never passed
            digests[concurrency] = sim.digest
    assert digests[1] == digests[4]


def test_a_429_with_retry_after_is_honoured_by_each_thread() -> None:
    faults = Faults(rate=1.0, kinds=("rate_limit",), limit=4, retry_after="0.2")
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)
        time.sleep(seconds)

    with FakeOpenAIServer(faults) as server:
        remote = OpenAICompatLM("fake", base_url=server.url, mode="json_schema")
        lm = StructuredLM(RetryingLM(remote, sleep=sleep))
        call = rate_one("I am Ada.", "The bakery caught fire.")

        def ask(i: int) -> int:
            context = CallContext("importance", f"agent {i}")
            return lm.ask(call.messages, call.output, context=context, fallback=call.fallback,
                          seed=i).value  # fmt: skip

        answers = ThreadExecutor(8).map(ask, list(range(8)))
    assert all(1 <= a <= 10 for a in answers)
    assert waits == [0.2] * 4  # each rate-limited try waited what the server asked
    assert server.injected["rate_limit"] == 4
    assert lm.stats.faults == {"rate_limit": 4}
    assert lm.stats.ok == 8 and lm.stats.fallbacks == 0
