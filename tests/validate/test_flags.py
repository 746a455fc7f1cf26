"""Bad command lines end in one line on stderr and exit code 2, before anything is written."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app, main

ROOT = Path(__file__).resolve().parents[2]
WILLOW = ROOT / "worlds" / "willow"


def test_validate_reports_a_misspelt_field_and_a_ragged_row_together(tmp_path: Path) -> None:
    world = tmp_path / "harbour"
    shutil.copytree(WILLOW, world)
    lines = (world / "world.yaml").read_text().replace("tick_seconds:", "tick_secs:")
    lines = lines.replace("personas: ../../personas/willow", "personas: ../people").splitlines()
    row = lines.index("grid: |") + 3
    lines[row] += "#"
    (world / "world.yaml").write_text("\n".join(lines) + "\n")
    shutil.copytree(ROOT / "personas" / "willow", tmp_path / "people")
    result = CliRunner().invoke(app, ["validate", str(world)], catch_exceptions=False)
    out = result.output.strip().splitlines()
    assert result.exit_code == 2 and out[-1] == "2 problem(s) found"
    assert ": tick_secs: unknown field" in out[0]
    assert ": grid: row y=2 is 41 characters wide" in out[1]


def _main(argv: list[str], capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> str:
    mp.setattr(sys, "argv", ["sim", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    return err


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--weights", "nan,1,1"], "--weights: weights: each weight must be a number"),
        (["--weights", "1,inf,1"], "--weights: weights: each weight must be a number"),
        (["--top-k", "0"], "--top-k: top_k: 0 is out of range"),
        (["--seed", str(10**23)], "Invalid value for '--seed'"),
        (["--checkpoint-every", "-1"], "Invalid value for '--checkpoint-every'"),
        (["--hourz", "3"], "No such option: --hourz"),
    ],
)
def test_a_bad_run_flag_is_one_line_and_writes_nothing(
    flags: list[str],
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "run.db"
    argv = ["run", str(WILLOW), "--lm", "fake", "--embedder", "hash", "--db", str(db), *flags]
    assert said in _main(argv, capsys, monkeypatch)
    assert not db.exists()
