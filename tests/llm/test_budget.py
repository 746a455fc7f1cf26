"""Spending caps: a run stops whole between ticks at its cap and goes on with a higher one."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import SimInputError
from sim.llm.budget import Budget, BudgetExceeded, price_for
from sim.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "worlds/willow", "--lm", "fake", "--embedder", "hash", "--ticks", "10"]


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    """The `sim` command in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", "from sim.cli.app import main; main()", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def digest(out: subprocess.CompletedProcess[str]) -> str:
    """The digest line a run prints."""
    return next(x.split()[-1] for x in out.stdout.splitlines() if x.startswith("digest:"))


def test_prices_come_from_the_table_or_the_flag_and_a_cost_cap_needs_one() -> None:
    assert price_for("openai:gpt-4o-mini") == (0.15, 0.60)
    assert price_for("fake") == price_for("smollm2-135m-instruct-q4_1") == (0.0, 0.0)
    assert price_for("openai:my-own-model") is None
    with pytest.raises(SimInputError, match=r"--max-cost.*no price known for openai:my-own"):
        Budget.for_lm("openai:my-own-model", max_cost=5)
    spent = {"prompt_tokens": 2_000_000, "completion_tokens": 1_000_000}  # $2 + $2 at (1, 2)
    assert Budget.for_lm("openai:my-own", max_cost=5, price=(1.0, 2.0)).exceeded(spent) is None
    over = Budget.for_lm("openai:my-own", max_cost=4, price=(1.0, 2.0)).exceeded(spent)
    assert over is not None and over.flag == "--max-cost" and "$4.0000 spent" in str(over)


@pytest.mark.parametrize("cap", [0, -3])
def test_a_cap_that_is_not_positive_is_refused(cap: int) -> None:
    with pytest.raises(SimInputError, match="--max-tokens"):
        Budget.for_lm("fake", max_tokens=cap)


def test_the_api_stops_between_ticks_at_the_cap_and_goes_on_to_the_same_digest() -> None:
    whole = Simulation.build("worlds/willow", lm="fake", embedder="hash").run(ticks=10)
    capped = Simulation.build("worlds/willow", lm="fake", embedder="hash")
    with pytest.raises(BudgetExceeded, match="tokens spent") as raised:
        capped.run(ticks=10, max_tokens=8000)
    assert raised.value.flag == "--max-tokens"
    assert capped.tick == 1 and not capped._mid_tick  # the tick that crossed the cap is whole
    capped.run(ticks=9, max_tokens=1_000_000)
    assert capped.digest == whole.digest
    capped.run(ticks=1)  # the cap was for that call only
    assert capped.tick == 11


def test_sim_run_pauses_at_the_cap_with_one_line_and_resumes_with_a_higher_one(
    tmp_path: Path,
) -> None:
    whole = sim(*RUN, "--db", str(tmp_path / "whole.db"))
    db = tmp_path / "capped.db"
    paused = sim(*RUN, "--db", str(db), "--max-tokens", "8000")
    assert paused.returncode == 3
    [line] = [x for x in paused.stderr.splitlines() if x.strip()]
    assert line.startswith("paused at day 1 07:00: ") and "the cap is 8,000" in line
    assert line.endswith(f"sim run --resume {db} --max-tokens MORE")
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status, ticks FROM run").fetchone() == ("paused", 1)
    resumed = sim("run", "--resume", str(db), "--max-tokens", "1000000")
    assert resumed.returncode == 0, resumed.stderr
    assert digest(resumed) == digest(whole)


def test_sim_run_refuses_a_cost_cap_it_cannot_price_before_writing(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    out = sim(*RUN, "--lm", "openai:my-own-model", "--max-cost", "5", "--db", str(db))
    assert out.returncode == 2 and "--price" in out.stderr and not db.exists()
