"""Every shipped experiment runs end to end on the fake LM, and a replay gives the same numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.errors import SimInputError
from sim.experiment.design import load_experiment
from sim.experiment.execute import run_experiment
from sim.experiment.runner import RunOptions
from sim.llm.fake import FakeLM
from sim.llm.protocol import LMError
from sim.rng import derive_seed

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["party_diffusion", "mask_policy", "framing"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_experiment_writes_a_report(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    hours = 0.25 if name != "framing" else None
    written = run_experiment(
        ROOT / "experiments" / f"{name}.py",
        RunOptions(out=out, replicates=2, lm="fake", hours=hours),
    )
    for key in ("report", "results", "effects", "manifest", "outcome_plot"):
        assert written[key].is_file(), key
    experiment = load_experiment(ROOT / "experiments" / f"{name}.py")
    results = pd.read_csv(written["results"])
    assert set(results["outcome"]) == {o.name for o in experiment.outcomes}
    assert set(results["condition"]) == set(experiment.conditions)
    assert set(results["replicate"]) == {1, 2}
    report = written["report"].read_text()
    assert "95% CI" in report and "outcome_by_arm.png" in report
    runs = sorted(p.name for p in (out / "runs").glob("*.db"))
    assert runs, "every arm keeps its run database"


def test_replay_reproduces_the_numbers_without_an_lm(tmp_path: Path) -> None:
    script = ROOT / "experiments" / "framing.py"
    first = run_experiment(script, RunOptions(out=tmp_path / "a", replicates=2, lm="fake"))
    again = run_experiment(
        script,
        RunOptions(out=tmp_path / "b", lm="embedded", replay=tmp_path / "a"),
    )
    for key in ("results", "effects", "report", "manifest", "outcome_plot"):
        assert first[key].read_bytes() == again[key].read_bytes(), key


def test_replay_of_a_directory_that_does_not_match_is_one_line(tmp_path: Path) -> None:
    first = tmp_path / "framing"
    run_experiment(ROOT / "experiments" / "framing.py", RunOptions(out=first, lm="fake"))
    with pytest.raises(SimInputError, match=r"experiment\.name"):
        run_experiment(
            ROOT / "experiments" / "mask_policy.py",
            RunOptions(out=tmp_path / "x", lm="fake", replay=first),
        )
    with pytest.raises(SimInputError, match="manifest"):
        run_experiment(
            ROOT / "experiments" / "framing.py",
            RunOptions(out=tmp_path / "y", lm="fake", replay=tmp_path),
        )


def test_a_bad_script_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("from sim import Experiment\nexperiment = 3\n")
    with pytest.raises(SimInputError, match="experiment"):
        load_experiment(script)
    script.write_text(
        "from sim import Condition, Experiment, Whisper\n"
        "from sim.experiment import outcomes\n"
        "experiment = Experiment(name='x', question='?', world='worlds/willow',\n"
        "    conditions={'control': Condition('none'),\n"
        "                't': Condition('w', [Whisper(agents=['Nobody'], text='hi')])},\n"
        "    outcomes=[outcomes.conversations()], hours=0.1)\n"
    )
    with pytest.raises(SimInputError, match="Nobody"):
        run_experiment(script, RunOptions(out=tmp_path / "o", lm="fake", replicates=1))


class _Down:
    """A backend whose server is gone: every call is a transport error."""

    name = "down"

    def complete(self, request: object) -> object:
        raise LMError("connection refused")


def test_an_lm_outage_fails_its_replicate_and_the_report_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage = derive_seed(0, "replicate", 2)

    def make_lm(spec: str, *, seed: int = 0, **_: object) -> object:
        return _Down() if seed == outage else FakeLM(seed)

    monkeypatch.setattr("sim.assembly.make_lm", make_lm)
    written = run_experiment(
        ROOT / "experiments" / "framing.py", RunOptions(out=tmp_path, replicates=2, lm="fake")
    )
    results = pd.read_csv(written["results"])
    assert set(results["replicate"]) == {1}  # the failed replicate is left out, the other kept
    report = written["report"].read_text()
    assert "replicate 2" in report and "LMUnavailable" in report and "excluded" in report


def test_parallel_replicates_give_the_same_results_as_serial(tmp_path: Path) -> None:
    script = ROOT / "experiments" / "framing.py"
    serial = run_experiment(script, RunOptions(out=tmp_path / "s", replicates=2, lm="fake"))
    parallel = run_experiment(
        script, RunOptions(out=tmp_path / "p", replicates=2, lm="fake", jobs=2)
    )
    for key in ("results", "effects", "report"):
        assert serial[key].read_bytes() == parallel[key].read_bytes(), key
