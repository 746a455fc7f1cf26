"""The out-of-the-box default really works: a few ticks on the embedded SmolLM2 and MiniLM."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli.app import app
from sim.store.reader import RunReader

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.embedded
def test_default_models_run_a_few_ticks(tmp_path: Path) -> None:
    # One persona keeps the test short: her seed memories are still rated by the real model.
    maya = yaml.safe_load((ROOT / "personas/willow/maya.yaml").read_text())
    maya["relationships"] = []
    maya["memories"] = maya["memories"][:4]
    people = tmp_path / "people"
    people.mkdir()
    (people / "maya.yaml").write_text(yaml.safe_dump(maya))
    db = tmp_path / "run.db"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(ROOT / "worlds/willow"),
            "--personas",
            str(people),
            "--ticks",
            "3",
            "--db",
            str(db),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    reader = RunReader(db)
    assert reader.run.lm == "smollm2-135m-instruct-q4_1"
    assert reader.run.embedder == "all-MiniLM-L6-v2"
    stats = reader.lm_stats()
    assert stats["ok"] >= 1  # her first block's steps
    # She follows her usual day at once and revises it 5-30 game minutes in, after 3 ticks.
    assert reader.events("plan_day", "Maya Torres")
    # The small model's importance ratings come from the anchored scale, with no LM call.
    assert "decompose" in stats["by_purpose"]
    assert "rate_importance" not in stats["by_purpose"]
    kinds = reader.memory_counts()["Maya Torres"]
    assert kinds["observation"] == 4 and kinds["plan"] >= 2
    assert reader.run.status == "finished"
