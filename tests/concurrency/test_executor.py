"""Executors return results in item order, bound the work in flight, and fail cleanly."""

from __future__ import annotations

import threading
import time

import pytest

from sim.errors import SimInputError
from sim.executor import SerialExecutor, ShuffledExecutor, ThreadExecutor, make_executor
from sim.llm.fake import FakeLM
from sim.llm.structured import StructuredLM


def test_results_come_back_in_item_order_whatever_the_submission_order() -> None:
    items = list(range(50))
    for executor in (ThreadExecutor(8), ShuffledExecutor(ThreadExecutor(3), seed=1)):
        assert executor.map(lambda i: i * i, items) == [i * i for i in items]
        executor.close()


def test_shuffled_executor_submits_in_a_seeded_order_other_than_the_given_one() -> None:
    seen: list[int] = []
    ShuffledExecutor(SerialExecutor(), seed=5).map(seen.append, list(range(20)))
    again: list[int] = []
    ShuffledExecutor(SerialExecutor(), seed=5).map(again.append, list(range(20)))
    assert sorted(seen) == list(range(20)) and seen != list(range(20)) and seen == again


def test_a_failure_is_raised_after_the_items_still_running_have_stopped() -> None:
    running, finished = 0, []
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal running
        with lock:
            running += 1
        try:
            if i == 0:
                raise ValueError("agent 0 failed")
            time.sleep(0.05)
            return i
        finally:
            with lock:
                running -= 1
                finished.append(i)

    executor = ThreadExecutor(4)
    with pytest.raises(ValueError, match="agent 0 failed"):
        executor.map(work, list(range(40)))
    assert running == 0
    assert len(finished) < 40  # items not started were cancelled
    executor.close()


def test_concurrency_flag_values() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    assert make_executor(16).workers == 16
    with pytest.raises(SimInputError, match="concurrency"):
        make_executor(0)


def test_only_one_of_the_calls_in_flight_tells_that_the_model_is_slow() -> None:
    """Sixteen stalled calls print one "waiting for the LM" line, not sixteen."""
    lm = StructuredLM(FakeLM())
    lm.on_wait = print
    with lm._one_notice() as first, lm._one_notice() as second:
        assert first is print and second is None
    with lm._one_notice() as after:
        assert after is print  # the watch passes on once the watched call returned
