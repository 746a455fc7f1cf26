"""A damaged run file is one line naming it, never a traceback; an old one is upgraded in order."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.simulation import Simulation
from sim.store.migrations import MIGRATIONS
from sim.store.reader import RunReader
from sim.world.map import World

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "run_schema_v1.db"


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    """The `sim` command in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", "from sim.cli.app import main; main()", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, willow: World) -> Path:
    """A closed 200-tick run on the fake LM, with conversations and reflections."""
    db = tmp_path_factory.mktemp("runs") / "run.db"
    Simulation.build(willow, lm="fake", db=db, checkpoint_every=100).run(ticks=200).close()
    return db


def _sql(statement: str) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        with sqlite3.connect(db) as con:
            con.execute(statement)

    return damage


def _overwrite_pages(db: Path) -> None:
    """Random bytes over every page but the first (the schema survives, the rows do not)."""
    data = bytearray(db.read_bytes())
    rng = random.Random(7)
    data[4096:] = bytes(rng.randrange(256) for _ in range(len(data) - 4096))
    db.write_bytes(bytes(data))


DAMAGE = {
    "missing table": (_sql("DROP TABLE memory"), "no such table: memory"),
    "corrupt pages": (_overwrite_pages, "malformed"),
    "bad JSON": (_sql("UPDATE run SET personas_json = '[{not json'"), "bad JSON"),
    "checkpoint without a key": (
        _sql("UPDATE checkpoint SET state_json = json_remove(state_json, '$.world')"),
        "lacks the key 'world'",
    ),
}
COMMANDS = {
    "inspect": ["inspect", "{db}"],
    "inspect --json": ["inspect", "{db}", "--json"],
    "inspect --quality": ["inspect", "{db}", "--quality"],
    "inspect AGENT": ["inspect", "{db}", "Maya Torres"],
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_run_is_one_line_naming_the_file_in_every_inspect(
    damage: str, recorded: Path, tmp_path: Path
) -> None:
    db = tmp_path / "damaged.db"
    shutil.copy(recorded, db)
    hurt, problem = DAMAGE[damage]
    hurt(db)
    for name, args in COMMANDS.items():
        out = sim(*(a.format(db=db) for a in args))
        if out.returncode == 0 and name == "inspect --quality":
            assert out.stderr == ""  # it reads none of what was damaged
            continue
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert out.returncode == 2, (name, out.stdout[-500:], out.stderr)
        assert len(lines) == 1 and "Traceback" not in out.stderr, (name, out.stderr)
        assert lines[0].startswith(f"error: {db}: ") and problem in lines[0], (name, lines[0])


def test_resuming_from_a_checkpoint_that_lost_a_key_is_one_line(
    recorded: Path, tmp_path: Path
) -> None:
    db = tmp_path / "lost.db"
    shutil.copy(recorded, db)
    _sql("UPDATE checkpoint SET state_json = json_remove(state_json, '$.agents')")(db)
    out = sim("run", "--resume", str(db))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith(f"error: {db}: ")
    assert "lacks the key 'agents'" in out.stderr


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("DROP TABLE lm_call", "no such table: lm_call"),
        ("UPDATE run SET config_json = '{'", "bad JSON"),
    ],
)
def test_replaying_a_damaged_run_is_one_line(
    statement: str, problem: str, recorded: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source.db"
    shutil.copy(recorded, source)
    _sql(statement)(source)
    out = sim(
        "run", "worlds/willow", "--lm", "fake", "--ticks", "5",
        "--replay", str(source), "--db", str(tmp_path / "again.db"),
    )  # fmt: skip
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().startswith(f"error: {source}: ") and problem in out.stderr


def test_a_run_from_schema_version_1_is_upgraded_in_order_and_reads_as_before(
    tmp_path: Path,
) -> None:
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    with sqlite3.connect(db) as con:
        old_memories = con.execute(
            "SELECT agent, id, text FROM memory ORDER BY agent, id"
        ).fetchall()
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    reader = RunReader(db)
    try:
        assert reader.run.target_ticks == 0 and reader.run.parent == ""
        assert [(m.agent, m.id, m.text) for m in reader.memories()] == old_memories
        assert {m.generation for m in reader.memories()} == {0}
        assert reader.liveness().status == "finished"
    finally:
        reader.close()
    with sqlite3.connect(db) as con:
        applied = con.execute("SELECT version, name FROM schema_version ORDER BY version")
        assert applied.fetchall() == [(i, name) for i, (name, _) in enumerate(MIGRATIONS, 1)]
    out = sim("inspect", str(db))
    assert out.returncode == 0 and "finished" in out.stdout
    assert sim("inspect", str(db), "Maya Torres").returncode == 0


def test_a_run_from_a_newer_sim_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    shutil.copy(FIXTURE, db)
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO schema_version VALUES (99, 'from the future')")
    out = sim("inspect", str(db))
    assert out.returncode == 2 and "schema version 99 is not one this sim reads" in out.stderr
