"""The report folder: every file is written, says what it must, and is byte-identical on rerun."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.report import ReportSpec, write_report
from sim.experiment.stats import analyse

CONDITIONS = {"control": "No one is told anything.", "rumour": "Isabella hears about the party."}


def _results() -> pd.DataFrame:
    """Two replicates of five agents, two outcomes, with a NaN and rows out of order."""
    rng = np.random.default_rng(0)
    rows = []
    for r in (1, 2):
        for u in ["Ayesha", "Carmen", "Isabella", "Klaus", "Tom"]:
            for condition, shift in [("control", 0.0), ("rumour", 0.4)]:
                rows.append((r, condition, u, "knows party", float(rng.random() < 0.3 + shift)))
                rows.append((r, condition, u, "hours at cafe", rng.normal(1.0 + shift, 0.5)))
    frame = pd.DataFrame(rows, columns=["replicate", "condition", "unit", "outcome", "value"])
    frame.loc[3, "value"] = np.nan
    return frame.iloc[::-1].reset_index(drop=True)


def _timelines() -> pd.DataFrame:
    """Share of agents who know, every two game hours, per replicate and condition."""
    rows = [
        (r, condition, "knows party", float(h), min(1.0, h * rate * (1 + 0.1 * r)))
        for r in (1, 2)
        for condition, rate in [("control", 0.02), ("rumour", 0.08)]
        for h in range(0, 13, 2)
    ]
    return pd.DataFrame(rows, columns=["replicate", "condition", "outcome", "hours", "value"])


def _spec(failures: list[str]) -> ReportSpec:
    arms = [f"{c}-r{r}" for c in CONDITIONS for r in (1, 2)]
    return ReportSpec(
        title="Does a rumour spread the party?",
        question="Do more agents learn of the party when Isabella is told about it?",
        design="Each replicate runs both arms from the same seed and the same agents.",
        conditions=CONDITIONS,
        interventions={"rumour": ["Isabella remembers: a party at Hobbs Cafe on Friday at 5pm"]},
        control="control",
        paired=True,
        replicates=2,
        hours=12.0,
        world="willow",
        seeds={"r1": 101, "r2": 202},
        lm="fake",
        judge="text match",
        tokens={a: {"prompt": 1000, "completion": 100, "calls": 10} for a in arms},
        cost_usd=None,
        digests={a: f"digest-{a}" for a in arms},
        runs={a: f"runs/{a}.db" for a in arms},
        failures=failures,
    )


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    results = _results()
    return results, _timelines(), analyse(results, control="control", paired=True, seed=1)


def _write(out: Path, inputs: tuple, failures: list[str] | None = None) -> dict[str, Path]:
    results, timelines, effects = inputs
    manifest = {"seed": 1, "conditions": list(CONDITIONS), "experiment": "party"}
    return write_report(out, _spec(failures or []), results, timelines, effects, manifest)


def test_report_writes_every_file(tmp_path: Path, inputs: tuple) -> None:
    written = _write(tmp_path, inputs)
    names = {"report.md", "results.csv", "timelines.csv", "effects.csv", "manifest.json"}
    names |= {"outcome_by_arm.png", "diffusion.png"}
    assert {p.name for p in written.values()} == names
    assert all((tmp_path / name).stat().st_size > 0 for name in names)
    raw = pd.read_csv(tmp_path / "results.csv")
    assert list(raw.columns) == ["replicate", "condition", "unit", "outcome", "value"]
    assert raw[["replicate", "condition", "unit", "outcome"]].equals(
        raw.sort_values(["replicate", "condition", "unit", "outcome"])[
            ["replicate", "condition", "unit", "outcome"]
        ]
    )
    assert (tmp_path / "manifest.json").read_text().startswith('{\n  "conditions"')


def test_report_says_the_question_conditions_ci_and_links_the_figures(
    tmp_path: Path, inputs: tuple
) -> None:
    _write(tmp_path, inputs)
    text = (tmp_path / "report.md").read_text()
    assert "Do more agents learn of the party when Isabella is told about it?" in text
    for name, description in CONDITIONS.items():
        assert name in text and description in text
    assert "95% CI" in text and "rumour vs control" in text
    assert "replicate 2" in text and "pairs" in text
    assert "![Outcome by arm](outcome_by_arm.png)" in text
    assert "(diffusion.png)" in text
    assert "Hobbs Cafe" in text and "runs/rumour-r1.db" in text
    assert "## Failures" not in text


def test_report_lists_failures_as_excluded(tmp_path: Path, inputs: tuple) -> None:
    _write(tmp_path, inputs, failures=["rumour-r3: the LM timed out at tick 40"])
    text = (tmp_path / "report.md").read_text()
    assert "## Failures" in text and "excluded" in text
    assert "rumour-r3: the LM timed out at tick 40" in text


def test_report_is_byte_identical_on_rerun(tmp_path: Path, inputs: tuple) -> None:
    first, second = _write(tmp_path / "a", inputs), _write(tmp_path / "b", inputs)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_report_without_timelines_skips_the_diffusion_figure(tmp_path: Path, inputs: tuple) -> None:
    results, _, effects = inputs
    empty = pd.DataFrame(columns=["replicate", "condition", "outcome", "hours", "value"])
    written = _write(tmp_path, (results, empty, effects))
    assert "timeline_plot" not in written and not (tmp_path / "diffusion.png").exists()
    assert "diffusion.png" not in (tmp_path / "report.md").read_text()
