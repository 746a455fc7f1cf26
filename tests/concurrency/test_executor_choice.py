"""`--executor` and `--ray-address`: a bad choice is one line naming the flag, before any work."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from sim.cli.app import main
from sim.errors import SimInputError
from sim.executor import SerialExecutor, ThreadExecutor, make_executor


def test_local_is_serial_or_threads_and_ray_takes_workers_from_concurrency() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    assert isinstance(make_executor(4, "local"), ThreadExecutor)
    if importlib.util.find_spec("ray") is None:
        pytest.skip('ray is not installed: pip install -e ".[ray]"')
    from sim.executor_ray import RayExecutor

    ray = make_executor(3, "ray", "auto")
    assert isinstance(ray, RayExecutor) and ray.workers == 3 and ray.address == "auto"


@pytest.mark.parametrize(
    ("args", "flag"),
    [((1, "gpu"), "--executor"), ((2, "local", "ray://head:10001"), "--ray-address")],
)
def test_a_bad_choice_names_its_flag(args: tuple[object, ...], flag: str) -> None:
    with pytest.raises(SimInputError, match=flag):
        make_executor(*args)  # type: ignore[arg-type]


def test_sim_run_refuses_an_unknown_executor_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "run.db"
    argv = ["sim", "run", "worlds/willow", "--lm", "fake", "--executor", "gpu", "--db", str(db)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--executor" in err and "use local or ray" in err
    assert not db.exists()
