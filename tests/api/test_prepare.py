"""Preparing the agents: progress, and a stop that leaves nothing half-done."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console

from sim import Simulation
from sim.progress import run_with_progress
from sim.world.map import World


def test_progress_counts_seed_memories_and_a_stop_midway_is_resumed_cleanly(
    willow: World,
) -> None:
    whole = Simulation.build(willow, lm="fake", seed=2)
    heard: list[tuple[int, int]] = []
    whole.prepare(lambda done, total: heard.append((done, total)))
    total = heard[-1][1]
    assert [t for _, t in heard] == [total] * 3 and heard[-1][0] == total  # one call per agent

    def stop_after_first(done: int, total: int) -> None:
        raise KeyboardInterrupt

    cut = Simulation.build(willow, lm="fake", seed=2)
    with pytest.raises(KeyboardInterrupt):
        cut.prepare(stop_after_first)
    assert not cut.engine.prepared
    cut.prepare()  # goes on: the agent already rated is not rated twice
    for name, agent in cut.agents.items():
        assert [r.text for r in agent.memory.records] == [
            r.text for r in whole.agents[name].memory.records
        ]
    whole.run(ticks=5)
    cut.run(ticks=5)
    assert [len(a.memory) for a in cut.agents.values()] == [
        len(a.memory) for a in whole.agents.values()
    ]


def test_ctrl_c_during_preparation_leaves_a_true_status_and_no_checkpoint(
    willow: World, tmp_path: Path
) -> None:
    db = tmp_path / "prep.db"
    sim = Simulation.build(willow, lm="fake", seed=2, db=db)
    with pytest.raises(KeyboardInterrupt):
        run_with_progress(sim, 10, Console(file=io.StringIO()), lambda: True)
    sim.close("interrupted")
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status FROM run").fetchone() == ("interrupted",)
        assert con.execute("SELECT COUNT(*) FROM checkpoint").fetchone() == (0,)
        assert con.execute("SELECT COUNT(*) FROM tick").fetchone() == (0,)
