"""`--db postgresql://...` from the command line: a bad URL or a server that cannot be reached is
one line naming --db with exit 2, a password is never printed, and a run recorded on a server
is inspected and resumed like a file."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from sim.errors import SimInputError
from sim.experiment.design import load_experiment
from sim.experiment.execute import run_experiment
from sim.experiment.runner import RunOptions
from sim.store.location import label, with_run
from sim.store.reader import RunReader

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "worlds/willow", "--lm", "fake", "--embedder", "hash"]
sys.path.insert(0, str(ROOT / "tests" / "cli"))
from test_resume import sim_cli  # noqa: E402

UNREACHABLE = "postgresql://sim:s3cret-pw@127.0.0.1:1/sims?run=town"  # nothing listens on port 1


def refused(*args: str) -> str:
    """The one line a refused command prints on stderr (exit 2, no traceback)."""
    out = sim_cli(*args)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2 and len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert "s3cret-pw" not in out.stdout + out.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("db", "expected"),
    [
        ("postgresql://sim@127.0.0.1:1/sims", "names no run (fix: add ?run=NAME"),
        ("postgresql://sim@127.0.0.1:1/sims?run=a/b", "'a/b' is not a run name"),
        ("postgresql://sim@127.0.0.1:1/?run=town", "names no database"),
        ("mysql://sim:s3cret-pw@127.0.0.1/sims?run=town", "mysql:// is not a store sim knows"),
    ],
)
def test_a_bad_url_is_one_line_naming_the_flag(db: str, expected: str) -> None:
    line = refused(*RUN, "--ticks", "1", "--db", db)
    assert line.startswith("error: --db:") and expected in line


def test_a_server_that_cannot_be_reached_is_one_line_without_the_password() -> None:
    for args in (
        [*RUN, "--ticks", "1", "--db", UNREACHABLE],
        ["inspect", UNREACHABLE],
        ["run", "--resume", UNREACHABLE],
        ["view", UNREACHABLE, "--screenshot", "/dev/null"],
    ):
        line = refused(*args)
        assert "--db: url: cannot reach postgresql://sim:***@127.0.0.1:1/sims?run=town" in line
        assert "fix: start the server" in line


def test_a_run_on_the_server_is_recorded_inspected_and_resumed(
    server_run: Callable[[str], str],
) -> None:
    db = server_run("cli")
    first = sim_cli(*RUN, "--ticks", "30", "--db", db)
    assert first.returncode == 0, first.stderr
    again = refused(*RUN, "--ticks", "30", "--db", db)
    assert "a run is already recorded under this name" in again
    summary = json.loads(sim_cli("inspect", db, "--json").stdout)
    assert summary["ticks"] == 30 and summary["status"] == "finished"
    assert summary["db"] == label(db)  # as given, less any password
    resumed = sim_cli("run", "--resume", db)
    assert resumed.returncode == 0, resumed.stderr
    assert "0 ticks to go" in resumed.stdout
    missing = refused("inspect", db.replace("run=cli-", "run=never-"))
    assert "no run named 'never-" in missing


def test_an_experiment_records_its_arms_as_runs_on_the_server(
    server_run: Callable[[str], str], tmp_path: Path
) -> None:
    script = ROOT / "experiments" / "mask_policy.py"
    db = server_run("exp")
    name = db.rsplit("run=", 1)[1]
    options = {"replicates": 1, "lm": "fake", "hours": 0.25}
    served = run_experiment(script, RunOptions(out=tmp_path / "pg", db=db, **options))
    filed = run_experiment(script, RunOptions(out=tmp_path / "files", **options))
    assert served["results"].read_text() == filed["results"].read_text()
    assert not list((tmp_path / "pg" / "runs").glob("*.db"))
    report = served["report"].read_text()
    arms = [line for line in report.splitlines() if f"run={name}-" in line]
    assert arms, report
    for arm in load_experiment(script).conditions:
        reader = RunReader(with_run(db, f"{name}-{arm}-r1"))
        assert reader.run.ticks > 0 and reader.run.status == "finished"
        reader.close()


def test_an_experiment_on_the_server_replays_from_it(
    server_run: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = ROOT / "experiments" / "mask_policy.py"
    db = server_run("exp")
    options = {"replicates": 1, "lm": "fake", "hours": 0.25}
    first = run_experiment(script, RunOptions(out=tmp_path / "pg", db=db, **options))
    again = server_run("again")
    replay = RunOptions(out=tmp_path / "replay", db=again, replay=tmp_path / "pg", lm="fake")
    replayed = run_experiment(script, replay)
    assert replayed["results"].read_text() == first["results"].read_text()
    # No --db: the arms are read from the URLs the manifest names, which show no password; the
    # driver takes it from PGPASSWORD, as the docs advise.
    password = make_url(db).password
    if password:
        monkeypatch.setenv("PGPASSWORD", password)
    alone = RunOptions(out=tmp_path / "alone", replay=tmp_path / "pg", lm="fake")
    assert run_experiment(script, alone)["results"].read_text() == first["results"].read_text()
    with pytest.raises(SimInputError, match="record over the arm it replays"):
        run_experiment(script, RunOptions(out=tmp_path / "x", db=db, replay=tmp_path / "pg"))
