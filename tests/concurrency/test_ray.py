"""A seeded run on Ray workers is the run the local executor makes: digest, memories, call log.

One local Ray session (two CPUs) serves the whole module: starting Ray costs seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason='ray is not installed: pip install -e ".[ray]"')

from typer.testing import CliRunner  # noqa: E402

from sim.cli.app import app  # noqa: E402
from sim.executor import Executor, SerialExecutor  # noqa: E402
from sim.executor_ray import RayExecutor  # noqa: E402
from sim.record import TickRecord  # noqa: E402
from sim.simulation import Simulation  # noqa: E402

WORLD, TICKS = "worlds/town", 40  # 25 agents that plan, react, talk and hit the answer cache


@pytest.fixture(scope="module")
def session() -> Iterator[None]:
    """A local Ray cluster for the module (or the one this process already runs)."""
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


def _run(executor: Executor, ticks: int = TICKS) -> tuple[Simulation, list[TickRecord]]:
    sim = Simulation.build(WORLD, lm="fake", embedder="hash", seed=0, executor=executor)
    return sim, [sim.step() for _ in range(ticks)]


def _log(records: list[TickRecord]) -> list[object]:
    """What a tick records, LM calls without their timing (telemetry)."""
    calls = [
        [{k: v for k, v in c.items() if k != "latency_ms"} for c in r.lm_calls] for r in records
    ]
    return [
        [r.memories for r in records],
        [r.events for r in records],
        [r.retrievals for r in records],
        [r.conversations for r in records],
        calls,
    ]


def test_ray_workers_make_the_serial_run(session: None) -> None:
    serial, expected = _run(SerialExecutor())
    assert sum(len(r.conversations) for r in expected) >= 1  # talk is part of what is compared
    executor = RayExecutor(workers=2)
    try:
        remote, records = _run(executor)
        pids = executor.worker_pids()
    finally:
        executor.close()
    assert len(set(pids)) == 2 and os.getpid() not in pids
    backend = remote.engine.lm.lm
    assert backend.hits == backend.misses == 0  # every call was made in a worker
    assert remote.digest == serial.digest
    assert _log(records) == _log(expected)
    assert remote.engine.lm.stats == serial.engine.lm.stats
    assert remote.engine.get_state() == serial.engine.get_state()


def test_a_fork_runs_on_its_parents_workers_with_its_own_answers(session: None) -> None:
    def branch(executor: Executor) -> tuple[str, str]:
        parent, _ = _run(executor, 15)
        fork = parent.fork(seed=5)
        assert fork.engine.executor is executor
        for _ in range(10):
            parent.step()
            fork.step()
        return parent.digest, fork.digest

    executor = RayExecutor(workers=2)
    try:
        on_ray = branch(executor)
    finally:
        executor.close()
    assert on_ray == branch(SerialExecutor())


def test_sim_run_with_executor_ray_records_the_local_run(session: None, tmp_path: Path) -> None:
    def run(db: Path, *flags: str) -> str:
        args = ["run", "worlds/willow", "--lm", "fake", "--embedder", "hash", "--ticks", "30"]
        result = CliRunner().invoke(app, [*args, "--db", str(db), *flags])
        assert result.exit_code == 0, result.output
        return next(line for line in result.output.splitlines() if line.startswith("digest:"))

    local = run(tmp_path / "local.db")
    assert run(tmp_path / "ray.db", "--executor", "ray", "--concurrency", "2") == local


def test_a_replay_says_to_use_the_local_executor(session: None, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    Simulation.build("worlds/willow", lm="fake", embedder="hash", db=db).run(ticks=2)
    replay = Simulation.build(
        "worlds/willow", lm="fake", embedder="hash", replay=db, executor=RayExecutor(workers=1)
    )
    with pytest.raises(Exception, match="--executor local"):
        replay.step()


def test_an_opened_run_goes_on_on_ray_as_it_would_here(session: None, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    with Simulation.build("worlds/willow", lm="fake", embedder="hash", db=db) as sim:
        sim.run(ticks=5)
    digests = []
    for executor in (SerialExecutor(), RayExecutor(workers=1)):
        try:
            opened = Simulation.open(db, executor=executor)
            assert opened.engine.executor is executor
            opened.run(ticks=20)
            digests.append(opened.digest)
        finally:
            executor.close()
    assert digests[0] == digests[1]
