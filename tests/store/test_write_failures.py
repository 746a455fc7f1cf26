"""A full disk or a read-only database stops the run with one line; what was committed stays
whole, and `sim run --resume` goes on from it to the digest of a run never stopped."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from sim.cli.app import main
from sim.store import engines as engines_module
from sim.store import recorder as recorder_module
from sim.store.reader import RunReader

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "worlds/willow", "--lm", "fake", "--embedder", "hash", "--checkpoint-every", "100"]
sys.path.insert(0, str(ROOT / "tests" / "cli"))
from test_resume import digest, sim_cli  # noqa: E402


def sim_here(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """`sim` in this process (so a test can break its disk): exit code, stdout, stderr."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "argv", ["sim", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    return int(exit_.value.code or 0), out.out, out.err


def with_page_limit(pages: int) -> Any:
    """`sqlite_engine` whose files cannot grow past `pages` pages: SQLite's own "disk is full"."""
    plain = engines_module.sqlite_engine

    def limited(path: Path, *, readonly: bool = False) -> Engine:
        engine = plain(path, readonly=readonly)

        @event.listens_for(engine, "connect")
        def _limit(conn: Any, _record: Any) -> None:
            conn.execute(f"PRAGMA max_page_count = {pages}")

        return engine

    return limited


def test_a_full_disk_stops_the_run_with_one_line_and_it_resumes_to_the_same_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, whole, _ = sim_here(
        [*RUN, "--ticks", "300", "--db", str(tmp_path / "w.db")], capsys, monkeypatch
    )
    assert code == 0
    db = tmp_path / "full.db"
    monkeypatch.setattr(engines_module, "sqlite_engine", with_page_limit(120))
    code, _, err = sim_here([*RUN, "--ticks", "300", "--db", str(db)], capsys, monkeypatch)
    monkeypatch.undo()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert "the disk is full" in lines[0] and f"sim run --resume {db}" in lines[0]
    reader = RunReader(db)
    try:
        saved, status = reader.run.ticks, reader.liveness().status
        last = reader.last_tick()
    finally:
        reader.close()
    assert 100 < saved < 300 and last is not None and last.tick == saved - 1
    assert status in ("failed", "stopped")  # never "running" with nobody writing
    resumed = sim_cli("run", "--resume", str(db))
    assert resumed.returncode == 0, resumed.stderr
    assert digest(resumed.stdout) == digest(whole)


def test_a_database_that_turns_read_only_stops_the_run_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ro.db"
    plain = recorder_module.RunRecorder.write_tick

    def refuse_after_tick_150(self: Any, record: Any, checkpoint: Any = None) -> None:
        if record.tick == 150:  # from now on SQLite refuses every write to the file
            with self.engine.connect() as con:
                con.exec_driver_sql("PRAGMA query_only = 1")
        plain(self, record, checkpoint)

    monkeypatch.setattr(recorder_module.RunRecorder, "write_tick", refuse_after_tick_150)
    code, _, err = sim_here([*RUN, "--ticks", "300", "--db", str(db)], capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "read-only" in err and "150 ticks are saved" in err
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*), MAX(tick) FROM tick").fetchone() == (150, 149)
    reader = RunReader(db)
    try:
        assert reader.liveness().status == "stopped"  # its status could not be written
    finally:
        reader.close()


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders unwritable for this process: by mode bits, or for root (whom mode
    bits do not stop) by the immutable attribute; skip when neither can be had."""
    root = os.geteuid() == 0
    if root and shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: nothing can make a file read-only to root")
    done: list[Path] = []
    try:
        for path in paths:
            if root:
                made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
                if made.returncode:
                    pytest.skip(f"running as root and chattr +i failed: {made.stderr.strip()}")
            else:
                path.chmod(0o555 if path.is_dir() else 0o444)
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            if root:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            else:
                path.chmod(0o755 if path.is_dir() else 0o644)


def test_resuming_a_read_only_copy_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "stopped.db"
    assert sim_cli(*RUN, "--ticks", "120", "--db", str(db)).returncode == 0
    folder = tmp_path / "readonly"
    folder.mkdir()
    copy = folder / "copy.db"
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as con:
        con.execute("UPDATE run SET status = 'running', target_ticks = 200")
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    with read_only(copy, folder):
        out = sim_cli("run", "--resume", str(copy))
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert out.returncode == 2 and len(lines) == 1 and "Traceback" not in out.stderr
        assert "writable" in lines[0]  # the fix says what to change
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert sim_cli("run", "--resume", str(copy)).returncode == 0
