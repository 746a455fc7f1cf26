"""`sim run` on a server that fails on purpose: it survives, counts, stops and keeps the key."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sim.testing.fake_openai import KINDS, FakeOpenAIServer, Faults

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-LEAKME-0123456789abcdef"
Ran = subprocess.CompletedProcess[str]


def sim(*args: str, key: str = KEY) -> Ran:
    """The `sim` command in a fresh process, with the key in the environment as we advise."""
    env = {**os.environ, "OPENAI_API_KEY": key}
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "from sim.cli.app import main; main()", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip


def remote_run(url: str, db: Path, ticks: int = 5) -> Ran:
    """A few ticks of Willow Lane on the model behind `url`."""
    return sim(
        "run", "worlds/willow", "--lm", "openai:x", "--base-url", url, "--embedder", "hash",
        "--ticks", str(ticks), "--db", str(db), "--lm-timeout", "1",
    )  # fmt: skip


def dump(db: Path) -> str:
    """Every table, row and column of a run database as SQL text."""
    with sqlite3.connect(db) as con:
        return "\n".join(con.iterdump())


def stored_faults(db: Path) -> dict[str, int]:
    """The fault counts the run stored with its summary."""
    with sqlite3.connect(db) as con:
        summary = json.loads(con.execute("SELECT summary_json FROM run").fetchone()[0])
    return summary["lm"]["faults"]


def one_line(out: Ran) -> str:
    """The only non-empty line on stderr (a stop must say why in exactly one line)."""
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


@pytest.fixture(scope="module")
def flaky_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], list[str]]:
    """A run on a server that fails a fifth of its requests, every way in turn (echoing the
    key in every error): the run's file, what the server injected, and what `sim run`,
    `sim inspect` and `sim inspect --json` printed."""
    db = tmp_path_factory.mktemp("flaky") / "flaky.db"
    faults = Faults(rate=0.2, seed=0, stall_s=2.0, retry_after="0.2", echo_key=True)
    with FakeOpenAIServer(faults) as server:
        out = remote_run(server.url, db)
    assert out.returncode == 0, out.stderr
    printed = [p.stdout + p.stderr for p in (out, sim("inspect", str(db)))]
    return db, dict(server.injected), [*printed, sim("inspect", str(db), "--json").stdout]


@pytest.fixture(scope="module")
def refused_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ran]:
    """A run on a server that answers 401 with the key in the body."""
    db = tmp_path_factory.mktemp("refused") / "refused.db"
    with FakeOpenAIServer(Faults(always="auth", echo_key=True)) as server:
        return db, remote_run(server.url, db)


def test_a_run_on_a_server_failing_a_fifth_of_calls_finishes_and_counts_each_fault(
    flaky_run: tuple[Path, dict[str, int], list[str]],
) -> None:
    db, injected, (ran, inspected, _) = flaky_run
    assert set(injected) == set(KINDS)  # every kind of fault happened at least once
    counted = stored_faults(db)
    assert {k: counted.get(k, 0) for k in injected} == injected
    assert set(counted) - set(injected) <= {"rejected"}  # the gates judge real answers too
    with sqlite3.connect(db) as con:
        status, fallbacks = con.execute(
            "SELECT status, (SELECT count(*) FROM lm_call WHERE outcome = 'fallback') FROM run"
        ).fetchone()
    assert status == "finished" and fallbacks == 0
    for printed in (ran, inspected):  # the summary of `sim run`, and text `sim inspect`
        line = next(x for x in printed.splitlines() if x.startswith("LM faults: "))
        assert all(f"{n} {kind}" in line for kind, n in injected.items())


def test_inspect_json_shows_the_fault_counts(
    flaky_run: tuple[Path, dict[str, int], list[str]],
) -> None:
    _, injected, (_, _, as_json) = flaky_run
    faults = json.loads(as_json)["lm_faults"]
    assert {k: faults[k] for k in injected} == injected


def test_the_key_a_server_echoes_reaches_no_output_and_no_table(
    flaky_run: tuple[Path, dict[str, int], list[str]], refused_run: tuple[Path, Ran]
) -> None:
    (db, _, printed), (refused, out) = flaky_run, refused_run
    everything = "\n".join([*printed, out.stdout, out.stderr, dump(db), dump(refused)])
    assert "refused the API key" in everything and "(key: ***)" in everything  # it was echoed
    assert KEY not in everything and KEY[8:20] not in everything


def test_a_refused_key_stops_at_once_with_one_line(refused_run: tuple[Path, Ran]) -> None:
    db, out = refused_run
    _stopped_with_one_line(db, out, "HTTP 401 (the server refused the API key)")
    assert one_line(out).endswith("run the same command again with --overwrite")  # nothing saved
    assert stored_faults(db) == {"auth": 1}


def test_a_dead_server_stops_the_run_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "down.db"
    with FakeOpenAIServer() as server:
        url = server.url  # nothing listens there once the block ends
    out = remote_run(url, db)
    _stopped_with_one_line(db, out, "Connection refused")
    assert one_line(out).endswith("run the same command again with --overwrite")
    assert stored_faults(db) == {"connection": 15}  # 5 attempts in a row, each tried 3 times


def test_a_server_that_dies_after_the_first_tick_stops_the_run_ready_to_resume(
    tmp_path: Path,
) -> None:
    first, died = tmp_path / "first.db", tmp_path / "died.db"
    with FakeOpenAIServer() as server:
        remote_run(server.url, first, ticks=1)
    with sqlite3.connect(first) as con:  # the requests tick 0 makes (preparation included)
        asked = con.execute("SELECT count(*) FROM lm_call WHERE NOT cached").fetchone()[0]
    with FakeOpenAIServer(Faults(always="server_error", start=asked)) as server:
        out = remote_run(server.url, died, ticks=400)  # long enough to call the LM again
    _stopped_with_one_line(died, out, "HTTP 503")
    assert one_line(out).endswith(f"then: sim run --resume {died}")
    with sqlite3.connect(died) as con:
        assert con.execute("SELECT ticks FROM run").fetchone()[0] >= 1
    with FakeOpenAIServer() as server:  # the server is back: the run goes on to its target
        back = sim("run", "--resume", str(died), "--base-url", server.url)
    assert back.returncode == 0, back.stderr  # its stored ticks re-ran to their stored digest
    with sqlite3.connect(died) as con:
        assert con.execute("SELECT status, ticks FROM run").fetchone() == ("finished", 400)


def _stopped_with_one_line(db: Path, out: Ran, cause: str) -> None:
    """The run failed with one line naming `cause` and the resume command, on no fallbacks."""
    assert out.returncode == 1 and "Traceback" not in out.stderr
    line = one_line(out)
    assert line.startswith("error: the LM is unavailable: ") and cause in line
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status FROM run").fetchone()[0] == "failed"
        fallbacks = con.execute("SELECT count(*) FROM lm_call WHERE outcome = 'fallback'")
        assert fallbacks.fetchone()[0] <= 1  # it stopped instead of running on canned answers
