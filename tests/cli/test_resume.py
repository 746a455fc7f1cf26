"""Resume: a run killed at any moment continues to the same digest as one never interrupted."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.errors import SimInputError
from sim.simulation import Simulation
from sim.world.map import World

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "worlds/willow", "--lm", "fake", "--embedder", "hash", "--checkpoint-every", "100"]


def sim_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The `sim` command in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from sim.cli.app import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def digest(out: str) -> str:
    """The digest line a finished run prints."""
    return next(line.split()[-1] for line in out.splitlines() if line.startswith("digest:"))


def stored_ticks(db: Path) -> int:
    """Ticks committed so far (0 while the file is not there yet)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            row = con.execute("SELECT ticks FROM run").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row else 0


def crash(sim: Simulation) -> None:
    """What a killed process leaves behind: the file as last committed, and no lock held."""
    assert sim.recorder is not None and sim.recorder.engine is not None
    sim.recorder.engine.dispose()
    sim.recorder.lock.release()


def signal_after(
    db: Path, ticks: int, total: int, sig: signal.Signals, *, resume: bool = False
) -> subprocess.Popen[bytes]:
    """Start `sim run` writing `db` (or `--resume` it), and send `sig` once `ticks` ticks are
    stored."""
    args = (
        ["run", "--resume", str(db)] if resume else [*RUN, "--ticks", str(total), "--db", str(db)]
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", "from sim.cli.app import main; main()", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while stored_ticks(db) < ticks and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    return proc


def test_a_run_killed_with_sigkill_again_and_again_resumes_to_the_same_digest(
    tmp_path: Path,
) -> None:
    whole = sim_cli(*RUN, "--ticks", "700", "--db", str(tmp_path / "whole.db"))
    assert whole.returncode == 0, whole.stderr
    db = tmp_path / "killed.db"
    kills = sorted(random.Random(7).sample(range(60, 660), 3))  # seeded "random" moments
    for i, at in enumerate(kills):  # the first kill hits `sim run`, the others its resumes
        signal_after(db, at, 700, signal.SIGKILL, resume=i > 0).wait()
        killed_at = stored_ticks(db)
        assert at <= killed_at < 700, (at, killed_at)
    resumed = sim_cli("run", "--resume", str(db))
    assert resumed.returncode == 0, resumed.stderr
    assert digest(resumed.stdout) == digest(whole.stdout)
    with sqlite3.connect(db) as con:
        ticks = [t for (t,) in con.execute("SELECT tick FROM tick ORDER BY tick")]
        status = con.execute("SELECT status FROM run").fetchone()[0]
        memories = con.execute("SELECT COUNT(*), COUNT(DISTINCT agent || ':' || id) FROM memory")
        total, distinct = memories.fetchone()
    assert ticks == list(range(700)) and status == "finished"
    assert total == distinct  # no memory written twice
    with sqlite3.connect(tmp_path / "whole.db") as con:
        whole_memories = con.execute("SELECT COUNT(*) FROM memory").fetchone()[0]
    assert total == whole_memories  # and none missing


def test_resume_in_process_matches_the_uninterrupted_run(willow: World, tmp_path: Path) -> None:
    whole = Simulation.build(willow, lm="fake", seed=4).run(ticks=330)
    db = tmp_path / "r.db"
    crashed = Simulation.build(willow, lm="fake", seed=4, db=db, checkpoint_every=100)
    assert crashed.recorder is not None
    crashed.recorder.set_target(330)
    crashed.run(ticks=250)
    crash(crashed)  # never closed: as if the process died after tick 249
    resumed = Simulation.resume(db)
    assert resumed.tick == 250 and resumed.target_ticks == 330
    resumed.run(ticks=resumed.target_ticks - resumed.tick)
    assert resumed.digest == whole.digest
    resumed.close()


def test_a_run_killed_before_its_second_checkpoint_resumes_from_the_seed_checkpoint(
    willow: World, tmp_path: Path
) -> None:
    whole = Simulation.build(willow, lm="fake", seed=9).run(ticks=140)
    db = tmp_path / "early.db"
    crashed = Simulation.build(willow, lm="fake", seed=9, db=db, checkpoint_every=360)
    crashed.run(ticks=128)  # only the tick-0 checkpoint, taken right after the seed ratings
    crash(crashed)
    resumed = Simulation.resume(db)
    assert resumed.tick == 128
    resumed.run(ticks=12)
    assert resumed.digest == whole.digest
    resumed.close()


def test_resume_refuses_a_run_that_does_not_reproduce(willow: World, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    crashed = Simulation.build(willow, lm="fake", seed=4, db=db, checkpoint_every=100)
    crashed.run(ticks=150)
    crash(crashed)
    with sqlite3.connect(db) as con:  # the recording no longer matches what the code does
        con.execute("UPDATE tick SET digest = 'x' WHERE tick = 149")
    with pytest.raises(SimInputError, match="did not reproduce"):
        Simulation.resume(db)


def test_sigterm_stops_between_ticks_with_a_true_status(tmp_path: Path) -> None:
    db = tmp_path / "term.db"
    proc = signal_after(db, 150, 20000, signal.SIGTERM)
    assert proc.wait(timeout=60) == 130  # stopped, not finished: scripts can tell
    with sqlite3.connect(db) as con:
        status, ticks, run_digest = con.execute("SELECT status, ticks, digest FROM run").fetchone()
        last = con.execute("SELECT tick, digest FROM tick ORDER BY tick DESC LIMIT 1").fetchone()
        checkpoint = con.execute("SELECT MAX(tick) FROM checkpoint").fetchone()[0]
    assert status == "interrupted"
    assert last == (ticks - 1, run_digest)  # the recorded digest is the last stored tick's
    assert checkpoint == ticks  # the final checkpoint is of that whole tick


def test_a_dead_server_stops_the_run_with_one_line_and_a_failed_status(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = tmp_path / "dead.db"
    url = f"http://127.0.0.1:{port}/v1"
    out = sim_cli(
        "run", "worlds/willow", "--lm", "openai:m", "--base-url", url, "--embedder", "hash",
        "--ticks", "5", "--db", str(db),
    )  # fmt: skip
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "LM is unavailable" in errors[0] and "Traceback" not in out.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status FROM run").fetchone()[0] == "failed"


def test_sigint_mid_run_resumes_to_the_uninterrupted_digest(tmp_path: Path) -> None:
    whole = sim_cli(*RUN, "--ticks", "400", "--db", str(tmp_path / "whole.db"))
    db = tmp_path / "int.db"
    proc = signal_after(db, 170, 400, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    stopped_at = stored_ticks(db)
    assert 0 < stopped_at < 400
    resumed = sim_cli("run", "--resume", str(db))
    assert resumed.returncode == 0, resumed.stderr
    assert digest(resumed.stdout) == digest(whole.stdout)


def test_sigint_while_preparing_leaves_a_true_status_and_resume_starts_afresh(
    tmp_path: Path,
) -> None:
    from sim.testing.fake_openai import FakeOpenAIServer, Faults

    with FakeOpenAIServer(Faults(latency_s=0.4)) as server:  # 15 seed ratings: about 6 s
        run = ["run", "worlds/willow", "--lm", "openai:m", "--base-url", server.url,
               "--embedder", "hash", "--ticks", "20"]  # fmt: skip
        whole = sim_cli(*run, "--db", str(tmp_path / "whole.db"))
        assert whole.returncode == 0, whole.stderr
        db = tmp_path / "prep.db"
        proc = subprocess.Popen(
            [sys.executable, "-c", "from sim.cli.app import main; main()", *run, "--db", str(db)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the run row is written; the seed memories are being rated
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and "Traceback" not in err
        assert "stopped while preparing" in out
        with sqlite3.connect(db) as con:
            status, ticks = con.execute("SELECT status, ticks FROM run").fetchone()
            calls = con.execute("SELECT COUNT(*) FROM lm_call").fetchone()[0]
        assert (status, ticks, calls) == ("interrupted", 0, 0)  # true, and nothing half-saved
        resumed = sim_cli("run", "--resume", str(db), "--base-url", server.url)
    assert resumed.returncode == 0, resumed.stderr
    assert "starts again" in resumed.stdout
    assert digest(resumed.stdout) == digest(whole.stdout)
