"""The storage suite, on both stores: a run written, read back, resumed, forked, viewed, guarded
by one writer, and refused in one line when it is missing or damaged.

Every test runs on a SQLite file and on a run in a real PostgreSQL server (tests/store/conftest.py);
what a user reads must not depend on the store.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from sim.errors import SimInputError
from sim.simulation import Simulation
from sim.store.engines import run_engine
from sim.store.location import RunDb, is_url, label
from sim.store.lock import holder, take_lock
from sim.store.reader import RunReader
from sim.store.tables import RetrievalRow
from sim.world.map import World
from viewer.source import RunSource

NewDb = Callable[[str], RunDb]
TICKS = 40  # long enough for conversations, reflections and a checkpoint at tick 20


def record(willow: World, db: RunDb, ticks: int = TICKS) -> str:
    """A seeded run on the fake LM, written to `db`; its digest."""
    sim = Simulation.build(willow, lm="fake", db=db, checkpoint_every=20).run(ticks=ticks)
    digest = sim.digest
    sim.close()
    return digest


def read_back(db: RunDb) -> dict[str, object]:
    """Everything a user reads from a run, as plain values."""
    reader = RunReader(db)
    try:
        checkpoint = reader.checkpoint()
        return {
            "run": (reader.run.world_name, reader.run.seed, reader.run.ticks, reader.run.digest),
            "status": reader.liveness().status,
            "memories": [m.model_dump() for m in reader.memories()],
            "counts": reader.memory_counts(),
            "conversations": reader.conversations(),
            "events": reader.events(),
            "lm": {  # latency is wall time: it differs between any two runs
                purpose: {k: v for k, v in stats.items() if k != "seconds"}
                for purpose, stats in reader.lm_stats()["by_purpose"].items()
            },
            "answers": [(key, r.text) for key, r in reader.recorded_answers()],
            "checkpoint": checkpoint[0] if checkpoint else None,
            "retrieval": reader.last_retrieval("Eleanor Hale"),
        }
    finally:
        reader.close()


def damage(db: RunDb, sql: str) -> None:
    """Change a recorded run behind the store's back."""
    if is_url(db):
        engine = run_engine(db)
        with engine.begin() as conn:
            conn.execute(text(sql))
        engine.dispose()
    else:
        with sqlite3.connect(db) as conn:
            conn.execute(sql)


def test_a_run_reads_back_the_same_from_either_store(
    willow: World, new_db: NewDb, tmp_path: Path
) -> None:
    db = new_db("written")
    digest = record(willow, db)
    got = read_back(db)
    assert got["run"] == ("Willow Lane", 0, TICKS, digest)
    assert got["status"] == "finished" and got["checkpoint"] == TICKS
    assert got["memories"] and got["events"] and got["answers"]
    assert got["retrieval"] is not None
    file = tmp_path / "reference.db"
    record(willow, file)
    assert got == read_back(file)  # row for row what the SQLite store holds


def test_a_run_reopened_with_record_goes_on_to_the_digest_of_one_unbroken_run(
    willow: World, new_db: NewDb
) -> None:
    whole = record(willow, new_db("whole"))
    db = new_db("halves")
    record(willow, db, TICKS // 2)
    sim = Simulation.open(db, record=True).run(ticks=TICKS // 2)
    assert sim.digest == whole
    sim.close()
    reader = RunReader(db)
    assert reader.run.ticks == TICKS and reader.run.digest == whole
    assert len(reader.recorded_answers()) == len(RunReader(new_db("whole")).recorded_answers())
    reader.close()
    resumed = Simulation.resume(db)  # nothing left to do: it stands at its last tick
    assert resumed.tick == TICKS and resumed.digest == whole
    resumed.close()


def test_a_fork_holds_its_parents_past_and_names_it(willow: World, new_db: NewDb) -> None:
    parent = new_db("parent")
    whole = record(willow, parent)
    child = new_db("child")
    fork = Simulation.open(parent, at=20).fork(db=child).run(ticks=TICKS - 20)
    assert fork.digest == whole  # same seed, same past: the same future
    fork.close()
    reader = RunReader(child)
    assert (reader.run.parent, reader.run.fork_tick) == (label(parent), 20)
    assert reader.run.ticks == TICKS and reader.tick_digest(TICKS - 1) == whole
    first = reader.events()[0]
    reader.close()
    assert first == read_back(parent)["events"][0]  # type: ignore[index]
    grandchild = new_db("grandchild")
    again = Simulation.open(child).fork(db=grandchild).run(ticks=3)  # a fork of a fork appends
    again.close()
    assert RunReader(grandchild).run.ticks == TICKS + 3


def test_a_fork_may_live_in_the_other_store(
    willow: World, new_db: NewDb, tmp_path: Path, postgres_url: str
) -> None:
    parent = new_db("crossing")
    whole = record(willow, parent)
    other: RunDb = (
        tmp_path / "copy.db" if is_url(parent) else f"{postgres_url}?run=cross-store-fork"
    )
    fork = Simulation.open(parent, at=20).fork(db=other, overwrite=True).run(ticks=TICKS - 20)
    assert fork.digest == whole
    fork.close()


def test_the_viewer_reads_a_run_in_either_store_alike(
    willow: World, new_db: NewDb, tmp_path: Path
) -> None:
    db, file = new_db("viewed"), tmp_path / "reference.db"
    record(willow, db)
    record(willow, file)
    models = []
    for where in (db, file):
        source = RunSource(where)
        model = source.timeline()
        assert source.poll() is None  # nothing new: a finished run
        ids = [r[0] for r in source.reader.window(RetrievalRow, ["id"], -1, TICKS, ["id"])]
        models.append(
            (
                source.loaded_tick,
                [model.frame(agent, TICKS - 1) for agent in source.agents],
                source.retrieval(ids[-1]),
                source.memory_texts("Eleanor Hale", [0, 1, 999]),
                source.status(),
            )
        )
        source.close()
    assert models[0] == models[1]
    assert models[0][0] == TICKS - 1 and models[0][3][-1] == "(memory 999 not recorded yet)"


def test_one_writer_per_run_and_a_closed_run_frees_it(willow: World, new_db: NewDb) -> None:
    db = new_db("busy")
    sim = Simulation.build(willow, lm="fake", db=db).run(ticks=3)
    assert holder(db) == os.getpid()
    with pytest.raises(SimInputError, match=f"being written by process {os.getpid()}"):
        take_lock(db)
    with pytest.raises(SimInputError, match="being written by process"):
        Simulation.build(willow, lm="fake", db=db, overwrite=True)
    reader = RunReader(db)
    assert reader.liveness().status == "running" and reader.liveness().writer_pid == os.getpid()
    reader.close()
    sim.close()
    assert holder(db) is None
    with pytest.raises(SimInputError, match="already recorded"):
        Simulation.build(willow, lm="fake", db=db)
    Simulation.build(willow, lm="fake", db=db, overwrite=True).run(ticks=1).close()
    assert RunReader(db).run.ticks == 1


def test_a_missing_or_damaged_run_is_one_line_naming_it(willow: World, new_db: NewDb) -> None:
    missing = new_db("never-written")
    with pytest.raises(SimInputError) as caught:
        RunReader(missing)
    assert caught.value.line().startswith(label(missing)) and "\n" not in caught.value.line()
    db = new_db("damaged")
    record(willow, db, 5)
    damage(db, "DROP TABLE frame")
    with pytest.raises(SimInputError, match="frame") as caught:
        RunSource(db).timeline()
    assert caught.value.line().startswith(label(db))
    damage(db, "UPDATE checkpoint SET state_json = '{\"tick\": '")
    with pytest.raises(SimInputError, match="damaged: a stored row holds bad JSON"):
        Simulation.open(db)
