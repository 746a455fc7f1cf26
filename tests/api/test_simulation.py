"""The public Simulation: cheap builds, seeded digests, reopening recorded runs, recorded forks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sim.simulation import Simulation
from sim.store.reader import RunReader
from sim.world.map import World
from viewer.source import RunSource


def build(world: World, seed: int = 0, **kwargs: object) -> Simulation:
    """Willow Lane on the fake LM (and so the hash embedder)."""
    return Simulation.build(world, lm="fake", seed=seed, **kwargs)  # type: ignore[arg-type]


def tick_rows(db: Path) -> list[int]:
    """The completed ticks recorded in a run database."""
    with sqlite3.connect(db) as con:
        return [t for (t,) in con.execute("SELECT tick FROM tick ORDER BY tick")]


def test_building_makes_no_lm_call_and_the_first_step_rates_seed_memories(
    willow: World,
) -> None:
    sim = build(willow)
    assert sim.lm_stats["calls"] == 0
    assert all(len(a.memory) == 0 for a in sim.agents.values())
    sim.step()
    assert sim.lm_stats["calls"] > 0
    calls = sim.frames()["lm_calls"]
    rated = calls[(calls["tick"] == 0) & (calls["decision"] == "seed memories")]
    assert set(rated["agent"]) == set(sim.agents)
    for agent in sim.agents.values():
        seeds = list(agent.persona.memories)
        assert [r.text for r in agent.memory.records][: len(seeds)] == seeds


def test_same_seed_gives_the_same_digest_and_another_seed_differs(willow: World) -> None:
    first = build(willow, seed=5).run(ticks=240).digest
    assert build(willow, seed=5).run(ticks=240).digest == first
    assert build(willow, seed=6).run(ticks=240).digest != first


def test_open_a_closed_run_comes_back_at_its_last_tick(willow: World, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    sim = build(willow, seed=2, db=db).run(ticks=150)
    sim.close()
    opened = Simulation.open(db)
    assert opened.tick == sim.tick == 150
    assert opened.digest == sim.digest
    assert opened.engine.get_state() == sim.engine.get_state()
    assert opened.recorder is None
    opened.run(ticks=10)
    assert tick_rows(db) == list(range(150))  # opened without record=True: nothing written


def test_open_with_record_appends_the_same_ticks_the_original_would_run(
    willow: World, tmp_path: Path
) -> None:
    db = tmp_path / "run.db"
    sim = build(willow, seed=2, db=db).run(ticks=150)
    sim.close()
    resumed = Simulation.open(db, record=True).run(ticks=60)
    resumed.close()
    sim.run(ticks=60)
    assert resumed.digest == sim.digest
    assert tick_rows(db) == list(range(210))
    reader = RunReader(db)
    try:
        assert reader.run.ticks == 210
        assert reader.run.status == "finished"
        assert reader.run.digest == sim.digest
    finally:
        reader.close()


def test_fork_with_db_records_the_parent_past_and_names_the_parent(
    willow: World, tmp_path: Path
) -> None:
    parent_db = tmp_path / "parent.db"
    parent = build(willow, seed=3, db=parent_db).run(ticks=120)
    fork = parent.fork(db=tmp_path / "fork.db").run(ticks=30)
    fork.close()
    reader = RunReader(tmp_path / "fork.db")
    try:
        assert reader.run.parent == str(parent_db)
        assert reader.run.fork_tick == 120
        assert reader.run.ticks == 150
    finally:
        reader.close()
    assert tick_rows(tmp_path / "fork.db") == list(range(150))
    assert tick_rows(parent_db) == list(range(120))  # the parent's file is not touched
    source = RunSource(tmp_path / "fork.db")
    try:
        assert source.timeline() is not None
        assert source.loaded_tick == 149
    finally:
        source.close()


def test_fork_of_an_unrecorded_run_writes_the_past_from_its_log(
    willow: World, tmp_path: Path
) -> None:
    parent = build(willow, seed=3).run(ticks=100)
    early = parent.snapshot()
    parent.run(ticks=50)
    fork = parent.fork(at=early, db=tmp_path / "fork.db").run(ticks=20)
    fork.close()
    reader = RunReader(tmp_path / "fork.db")
    try:
        assert reader.run.parent == "(in memory)"
        assert reader.run.fork_tick == 100
    finally:
        reader.close()
    assert tick_rows(tmp_path / "fork.db") == list(range(120))
    reopened = Simulation.open(tmp_path / "fork.db")
    assert reopened.tick == 120
    assert reopened.digest == fork.digest


def test_an_opened_run_knows_its_past_and_its_forks_keep_it(willow: World, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    run = build(willow, seed=5, db=db, checkpoint_every=60)
    run.run(ticks=180)
    whole = run.frames()
    run.close()
    opened = Simulation.open(db, at=120)
    past = opened.frames()
    for name in ("positions", "memories", "events", "lm_calls"):
        expected = whole[name][whole[name]["tick"] < 120].reset_index(drop=True)
        assert len(past[name]) == len(expected), name
    assert (past["positions"]["tick"] < 120).all()
    branch = opened.fork(db=tmp_path / "branch.db").run(ticks=10)
    branch.close()
    assert tick_rows(tmp_path / "branch.db") == list(range(130))
    reader = RunReader(tmp_path / "branch.db")
    try:
        assert reader.run.parent == str(db) and reader.run.fork_tick == 120
    finally:
        reader.close()
    # the branch from tick 120 continues exactly as the original run did from there
    with sqlite3.connect(db) as con:
        original = dict(con.execute("SELECT tick, digest FROM tick WHERE tick < 130"))
    with sqlite3.connect(tmp_path / "branch.db") as con:
        assert dict(con.execute("SELECT tick, digest FROM tick")) == original


def test_a_panel_asks_the_same_question_at_each_wave(willow: World) -> None:
    from sim.survey.instruments import Likert

    sim = build(willow, seed=1)
    answers = sim.panel(Likert("I feel at home on Willow Lane."), at=["07:30", "08:00"])
    assert list(answers.groupby("wave").size()) == [3, 3]
    assert sorted(set(answers["wave"])) == ["day 1 07:30", "day 1 08:00"]
    assert sim.time_label == "day 1 08:00"


def test_an_interview_the_model_cannot_answer_is_an_error_not_a_canned_answer(
    willow: World, tmp_path: Path
) -> None:
    import pytest

    from sim.llm.protocol import LMError, LMUnavailable

    class Down:
        name = "down"

        def complete(self, request: object) -> object:
            raise LMError("connection refused")

    build(willow, seed=1, db=tmp_path / "r.db").run(ticks=5).close()
    opened = Simulation.open(tmp_path / "r.db", lm=Down())  # type: ignore[arg-type]
    with pytest.raises(LMUnavailable):
        opened.interview("Maya Torres", "How are you?")
