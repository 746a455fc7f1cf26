"""The effect statistics: coverage, false positives, hand-checked effect sizes, degenerate input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.experiment.stats import analyse, compare, mean_ci

DRAWS = 200
N = 20
TRUE_DIFFERENCE = 0.5


def _draw(rng: np.random.Generator, shift: float, *, paired: bool) -> tuple[np.ndarray, ...]:
    """Treatment and control of N units; paired units share a per-unit baseline."""
    if paired:
        baseline = rng.normal(0.0, 1.0, N)
        return baseline + shift + rng.normal(0.0, 0.7, N), baseline + rng.normal(0.0, 0.7, N)
    return rng.normal(shift, 1.0, N), rng.normal(0.0, 1.0, N)


@pytest.mark.parametrize("paired", [True, False])
def test_ci_covers_a_known_difference_about_95_percent_of_the_time(paired: bool) -> None:
    rng = np.random.default_rng(11)
    covered = 0
    for i in range(DRAWS):
        t, c = _draw(rng, TRUE_DIFFERENCE, paired=paired)
        effect = compare(t, c, paired=paired, seed=i, n_resamples=500)
        covered += effect["ci_low"] <= TRUE_DIFFERENCE <= effect["ci_high"]
    assert 0.89 <= covered / DRAWS <= 0.99


@pytest.mark.parametrize("paired", [True, False])
def test_a_versus_a_rejects_at_about_the_nominal_rate(paired: bool) -> None:
    rng = np.random.default_rng(12)
    rejected = 0
    for i in range(DRAWS):
        t, c = _draw(rng, 0.0, paired=paired)
        rejected += compare(t, c, paired=paired, seed=i, n_resamples=500)["p_value"] < 0.05
    assert 0.01 <= rejected / DRAWS <= 0.10


def test_cohens_d_uses_the_pooled_sd() -> None:
    # means 3 and 1; variances 1 and 1 -> pooled SD 1 -> d = 2
    effect = compare([2.0, 3.0, 4.0], [0.0, 1.0, 2.0], paired=False, seed=0)
    assert effect["difference"] == pytest.approx(2.0)
    assert effect["effect_size"] == pytest.approx(2.0)
    assert effect["effect_size_kind"] == "d"
    assert effect["n_pairs"] == 0


def test_d_z_is_mean_difference_over_sd_of_differences() -> None:
    # differences 1, 2, 3: mean 2, SD 1 -> d_z = 2
    effect = compare([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], paired=True, seed=0)
    assert effect["effect_size"] == pytest.approx(2.0)
    assert effect["effect_size_kind"] == "d_z"
    assert effect["n_pairs"] == 3


def test_same_seed_gives_identical_numbers() -> None:
    rng = np.random.default_rng(3)
    t, c = rng.normal(size=15), rng.normal(size=15)
    assert compare(t, c, paired=False, seed=5) == compare(t, c, paired=False, seed=5)


@pytest.mark.parametrize("paired", [True, False])
def test_a_single_unit_gives_a_point_estimate_without_ci_or_p(paired: bool) -> None:
    effect = compare([1.0], [0.0], paired=paired, seed=0)
    assert effect["difference"] == 1.0
    assert math.isnan(effect["ci_low"]) and math.isnan(effect["ci_high"])
    assert math.isnan(effect["p_value"]) and math.isnan(effect["effect_size"])


@pytest.mark.parametrize("paired", [True, False])
def test_no_values_give_nan_without_warnings(paired: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        effect = compare([], [], paired=paired, seed=0)
    assert math.isnan(effect["difference"]) and effect["n_treatment"] == 0


@pytest.mark.parametrize("paired", [True, False])
def test_zero_variance_gives_a_point_ci_and_no_effect_size(paired: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = compare([1.0] * 4, [1.0] * 4, paired=paired, seed=0)
        shifted = compare([1.0] * 6, [0.0] * 6, paired=paired, seed=0)
    assert (same["ci_low"], same["ci_high"], same["p_value"]) == (0.0, 0.0, 1.0)
    assert math.isnan(same["effect_size"])
    assert (shifted["ci_low"], shifted["ci_high"]) == (1.0, 1.0)
    assert shifted["p_value"] < 0.05
    assert math.isnan(shifted["effect_size"])


def test_paired_drops_pairs_with_a_missing_side() -> None:
    effect = compare([np.nan, 1.0, 2.0, 3.0], [0.0, np.nan, 1.0, 1.0], paired=True, seed=0)
    assert effect["n_pairs"] == 2
    assert effect["difference"] == pytest.approx(1.5)


def test_independent_drops_missing_values_per_arm() -> None:
    effect = compare([np.nan, 1.0, 3.0], [0.0, 2.0, np.nan, 4.0], paired=False, seed=0)
    assert (effect["n_treatment"], effect["n_control"]) == (2, 3)
    assert effect["difference"] == pytest.approx(0.0)


def test_paired_samples_must_align() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        compare([1.0, 2.0], [1.0], paired=True, seed=0)


def test_mean_ci_handles_small_and_constant_samples() -> None:
    assert all(math.isnan(x) for x in mean_ci([1.0], seed=0))
    assert mean_ci([2.0, 2.0, np.nan], seed=0) == (2.0, 2.0)
    low, high = mean_ci([0.0, 1.0, 2.0, 3.0, 4.0], seed=0)
    assert low < 2.0 < high


def _results(rng: np.random.Generator, replicates: int = 3, units: int = 8) -> pd.DataFrame:
    """Two outcomes, a control and two treatments; each unit has its own baseline."""
    rows = []
    for r in range(1, replicates + 1):
        for u in range(units):
            base = rng.normal()
            for condition, shift in [("control", 0.0), ("rumour", 0.8), ("notice", 0.3)]:
                for outcome in ["knows", "visits"]:
                    value = base + shift + rng.normal(0, 0.3)
                    rows.append((r, condition, f"agent {u}", outcome, value))
    return pd.DataFrame(rows, columns=["replicate", "condition", "unit", "outcome", "value"])


def test_analyse_gives_pooled_then_each_replicate_per_outcome_and_condition() -> None:
    results = _results(np.random.default_rng(1))
    effects = analyse(results, control="control", paired=True, seed=7, n_resamples=300)
    scopes = ["pooled", "replicate 1", "replicate 2", "replicate 3"]
    expected = [
        (o, c, s) for o in ["knows", "visits"] for c in ["notice", "rumour"] for s in scopes
    ]
    keys = effects[["outcome", "condition", "scope"]].itertuples(index=False, name=None)
    assert list(keys) == expected
    assert set(effects["control"]) == {"control"} and set(effects["design"]) == {"paired"}
    pooled = effects[effects["scope"] == "pooled"]
    assert (pooled["n_pairs"] == 24).all()
    again = analyse(results, control="control", paired=True, seed=7, n_resamples=300)
    pd.testing.assert_frame_equal(effects, again)


def test_paired_analysis_pairs_by_replicate_and_unit_whatever_the_row_order() -> None:
    results = _results(np.random.default_rng(2), replicates=2, units=5)
    shuffled = results.sample(frac=1.0, random_state=4).reset_index(drop=True)
    effects = analyse(results, control="control", paired=True, seed=3, n_resamples=300)
    reshuffled = analyse(shuffled, control="control", paired=True, seed=3, n_resamples=300)
    pd.testing.assert_frame_equal(effects, reshuffled)
    # The paired difference is the mean of per-(replicate, unit) differences.
    knows = results[results["outcome"] == "knows"].set_index(["replicate", "unit", "condition"])
    wide = knows["value"].unstack("condition")
    row = effects[
        (effects["outcome"] == "knows")
        & (effects["condition"] == "rumour")
        & (effects["scope"] == "pooled")
    ].iloc[0]
    diffs = wide["rumour"] - wide["control"]
    assert row["difference"] == pytest.approx(diffs.mean())
    assert row["effect_size"] == pytest.approx(diffs.mean() / diffs.std(ddof=1))


def test_independent_analysis_reports_arm_sizes_and_no_pairs() -> None:
    results = _results(np.random.default_rng(3), replicates=2, units=4)
    effects = analyse(results, control="control", paired=False, seed=3, n_resamples=300)
    assert (effects["n_pairs"] == 0).all() and set(effects["effect_size_kind"]) == {"d"}
    pooled = effects[effects["scope"] == "pooled"]
    assert (pooled["n_treatment"] == 8).all() and (pooled["n_control"] == 8).all()


def test_analyse_rejects_duplicate_rows_and_an_unknown_control() -> None:
    results = _results(np.random.default_rng(4), replicates=1, units=2)
    with pytest.raises(ValueError, match="more than one row"):
        analyse(pd.concat([results, results.head(1)]), control="control", paired=True, seed=0)
    with pytest.raises(ValueError, match="no results"):
        analyse(results, control="baseline", paired=True, seed=0)
