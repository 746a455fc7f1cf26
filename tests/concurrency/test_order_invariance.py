"""A seeded run ends on the same digest whatever order or concurrency its decisions ran in."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.executor import Executor, SerialExecutor, ShuffledExecutor, ThreadExecutor
from sim.record import TickRecord
from sim.simulation import Simulation

EXECUTORS: dict[str, Callable[[], Executor]] = {
    "serial": SerialExecutor,
    "threads-16": lambda: ThreadExecutor(16),
    "shuffled": lambda: ShuffledExecutor(SerialExecutor(), seed=7),
    "shuffled-threads-4": lambda: ShuffledExecutor(ThreadExecutor(4), seed=11),
}


def _run(world: str, ticks: int, executor: Executor, seed: int = 0) -> tuple[str, list[TickRecord]]:
    sim = Simulation.build(world, lm="fake", seed=seed)
    sim.engine.executor = executor
    try:
        records = [sim.step() for _ in range(ticks)]
    finally:
        executor.close()
    return sim.digest, records


def _calls(records: list[TickRecord]) -> list[tuple[object, ...]]:
    """The LM calls in recorded order, without timing (telemetry)."""
    return [(c["tick"], c["agent"], c["purpose"], c["request_key"], c["response"])
            for r in records for c in r.lm_calls]  # fmt: skip


@pytest.mark.parametrize(
    ("world", "ticks", "seed"), [("worlds/willow", 240, 0), ("worlds/town", 60, 0)]
)  # seeds whose agents talk early
def test_digest_and_call_log_do_not_depend_on_the_executor(
    world: str, ticks: int, seed: int
) -> None:
    digest, records = _run(world, ticks, SerialExecutor(), seed)
    assert sum(len(r.conversations) for r in records) >= 1  # talk is part of what is compared
    for name, make in EXECUTORS.items():
        other, other_records = _run(world, ticks, make(), seed)
        assert other == digest, name
        assert _calls(other_records) == _calls(records), name
        assert [r.retrievals for r in other_records] == [r.retrievals for r in records], name


def test_conversations_of_one_tick_run_together_and_keep_their_turns() -> None:
    """The town has a tick with two conversations; run at once, each keeps its own order."""
    digest, records = _run("worlds/town", 60, ThreadExecutor(16))
    busy = [r for r in records if len(r.conversations) > 1]
    assert busy, "the town's first hour has a tick with two conversations"
    for convo in busy[0].conversations:
        speakers = [who for who, _ in convo["lines"]]
        group = convo["participants"]
        assert speakers == [group[i % len(group)] for i in range(len(speakers))]
    assert digest == _run("worlds/town", 60, SerialExecutor())[0]
