"""Treatment-versus-control effects: difference in means, bootstrap CI, permutation p, effect size.

Simulated social outcomes are bounded, skewed and often tiny in number (a handful of agents per
arm), so nothing here assumes normality: the interval is a BCa bootstrap and the p-value a
permutation test, both from scipy. Every draw comes from `np.random.default_rng(seed)`, with the
seed of each comparison derived from the experiment seed and the comparison's identity, so a
rerun of the analysis reproduces every number exactly and adding an outcome does not move the
others.

Degenerate comparisons are common in small runs (an arm where nobody learned the fact, a replicate
with one agent), so they produce NaN or point results instead of exceptions or warnings.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from scipy import stats

from sim.rng import derive_seed

KEY = ["replicate", "condition", "unit", "outcome"]
"""The columns that identify one row of `results`; the value column is `value`."""


class Comparison(TypedDict):
    """The statistical part of an `Effect`: what `compare` measures for two samples."""

    n_treatment: int
    n_control: int
    n_pairs: int
    mean_treatment: float
    mean_control: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    effect_size: float
    effect_size_kind: str
    test: str


@dataclass(frozen=True)
class Effect:
    """One condition against the control on one outcome, pooled or within one replicate.

    Undefined numbers are NaN: CI and p with fewer than two units (or pairs), effect size when
    the outcome does not vary at all.
    """

    outcome: str
    condition: str
    control: str
    scope: str  # "pooled" or "replicate N"
    design: str  # "paired" or "independent"
    n_treatment: int
    n_control: int
    n_pairs: int  # 0 when independent
    mean_treatment: float
    mean_control: float
    difference: float  # treatment - control
    ci_low: float
    ci_high: float
    p_value: float
    effect_size: float
    effect_size_kind: str  # "d_z" (paired) or "d" (Cohen's d, pooled SD)
    test: str

    def to_json(self) -> dict[str, Any]:
        """A flat record (one row of `analyse`'s frame); NaN stays NaN."""
        return asdict(self)


def _mean(values: np.ndarray) -> float:
    """The mean, NaN for no values (np.mean would warn)."""
    return float(values.mean()) if values.size else math.nan


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Difference of means along `axis`; vectorised so scipy resamples in one call."""
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def _paired_mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean of the pairwise differences along `axis`."""
    return np.mean(x - y, axis=axis)


def _bootstrap(
    data: tuple[np.ndarray, ...],
    statistic: Callable[..., np.ndarray],
    *,
    rng: np.random.Generator,
    confidence: float,
    n_resamples: int,
) -> tuple[float, float]:
    """A BCa bootstrap interval; NaN where BCa cannot be computed (too few distinct values)."""
    with warnings.catch_warnings():
        # scipy warns and returns NaN when the resampled statistic is degenerate; NaN is the
        # honest answer and is what the caller reports.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            data,
            statistic,
            n_resamples=n_resamples,
            confidence_level=confidence,
            vectorized=True,
            method="BCa",
            rng=rng,
        )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


def mean_ci(
    values: Sequence[float] | np.ndarray,
    *,
    seed: int,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> tuple[float, float]:
    """A bootstrap CI of the mean of `values` (NaNs dropped), for error bars.

    Fewer than two values give NaN; identical values give the value itself on both ends.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size < 2:
        return math.nan, math.nan
    if np.ptp(x) == 0:
        return float(x[0]), float(x[0])
    return _bootstrap(
        (x,),
        np.mean,
        rng=np.random.default_rng(seed),
        confidence=confidence,
        n_resamples=n_resamples,
    )


def _permutation_p(
    t: np.ndarray, c: np.ndarray, *, paired: bool, rng: np.random.Generator, n_resamples: int
) -> float:
    """Two-sided permutation p of the mean difference (exact when resamples cover all cases)."""
    result = stats.permutation_test(
        (t, c),
        _paired_mean_difference if paired else _mean_difference,
        permutation_type="samples" if paired else "independent",
        vectorized=True,
        n_resamples=n_resamples,
        alternative="two-sided",
        rng=rng,
    )
    return float(result.pvalue)


def compare(
    treatment: Sequence[float] | np.ndarray,
    control: Sequence[float] | np.ndarray,
    *,
    paired: bool,
    seed: int,
    n_resamples: int = 2000,
    confidence: float = 0.95,
) -> Comparison:
    """Treatment minus control: means, bootstrap CI, permutation p and a standardised effect.

    Args:
        treatment: One value per unit; NaN marks a missing value and is dropped.
        control: Same; when `paired`, aligned with `treatment` (pair i is treatment[i],
            control[i]) and a pair with NaN on either side is dropped.
        paired: Units were measured under both arms (same agents, same replicate), so the
            comparison is on the per-pair differences and permutes within pairs.
        seed: Seeds the one generator behind every random draw of this comparison.
        n_resamples: Bootstrap and permutation resamples.
        confidence: Confidence level of the interval.

    Returns:
        The fields of `Effect` that describe the comparison. The effect size is d_z (mean over SD
        of the differences) when paired and Cohen's d with the pooled SD otherwise.

    Raises:
        ValueError: `paired` with samples of different lengths.
    """
    t = np.asarray(treatment, dtype=float)
    c = np.asarray(control, dtype=float)
    if paired:
        if t.shape != c.shape:
            raise ValueError(f"paired samples differ in length: {t.size} and {c.size}")
        keep = ~(np.isnan(t) | np.isnan(c))
        t, c = t[keep], c[keep]
    else:
        t, c = t[~np.isnan(t)], c[~np.isnan(c)]
    difference = _mean(t) - _mean(c)
    parts = Comparison(
        n_treatment=int(t.size),
        n_control=int(c.size),
        n_pairs=int(t.size) if paired else 0,
        mean_treatment=_mean(t),
        mean_control=_mean(c),
        difference=difference,
        ci_low=math.nan,
        ci_high=math.nan,
        p_value=math.nan,
        effect_size=math.nan,
        effect_size_kind="d_z" if paired else "d",
        test="paired permutation" if paired else "permutation",
    )
    if min(t.size, c.size) < 2:
        return parts
    rng = np.random.default_rng(seed)
    if paired:
        data: tuple[np.ndarray, ...] = (t - c,)
        statistic: Callable[..., np.ndarray] = np.mean
        constant = bool(np.ptp(data[0]) == 0)
        spread = float(data[0].std(ddof=1))
    else:
        data, statistic = (t, c), _mean_difference
        constant = bool(np.ptp(t) == 0 and np.ptp(c) == 0)
        pooled_var = ((t.size - 1) * t.var(ddof=1) + (c.size - 1) * c.var(ddof=1)) / (
            t.size + c.size - 2
        )
        spread = math.sqrt(pooled_var)
    if constant:
        parts["ci_low"] = parts["ci_high"] = difference
        parts["p_value"] = (
            1.0
            if difference == 0
            else _permutation_p(t, c, paired=paired, rng=rng, n_resamples=n_resamples)
        )
        return parts
    parts["ci_low"], parts["ci_high"] = _bootstrap(
        data, statistic, rng=rng, confidence=confidence, n_resamples=n_resamples
    )
    parts["p_value"] = _permutation_p(t, c, paired=paired, rng=rng, n_resamples=n_resamples)
    parts["effect_size"] = difference / spread if spread > 0 else math.nan
    return parts


def _check(results: pd.DataFrame, control: str) -> None:
    """Reject frames that break the results contract, naming what is wrong."""
    missing = [col for col in [*KEY, "value"] if col not in results.columns]
    if missing:
        raise ValueError(f"results lack columns {missing}")
    if control not in set(results["condition"]):
        raise ValueError(f"control condition {control!r} has no results")
    duplicated = results.duplicated(KEY)
    if duplicated.any():
        first = results.loc[duplicated, KEY].iloc[0].to_dict()
        raise ValueError(f"results hold more than one row for {first}")


def _arms(
    frame: pd.DataFrame, condition: str, control: str, replicates: list[int], *, paired: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Treatment and control values of one outcome, ordered by (replicate, unit).

    Ordering by the key (not by row order) keeps the resampling, and so every number,
    independent of how the rows were shuffled. Paired arms are aligned on (replicate, unit) and
    units seen in only one arm are left out.
    """
    scoped = frame[frame["replicate"].isin(replicates)]

    def arm(name: str) -> pd.Series:
        rows = scoped[scoped["condition"] == name]
        return rows.set_index(["replicate", "unit"])["value"].astype(float).sort_index()

    t, c = arm(condition), arm(control)
    if paired:
        joined = pd.concat([t, c], axis=1, keys=["t", "c"], join="inner").sort_index()
        return joined["t"].to_numpy(), joined["c"].to_numpy()
    return t.to_numpy(), c.to_numpy()


def analyse(
    results: pd.DataFrame,
    *,
    control: str,
    paired: bool,
    seed: int,
    n_resamples: int = 2000,
) -> pd.DataFrame:
    """Every non-control condition against `control` on every outcome, pooled and per replicate.

    Args:
        results: Columns replicate, condition, unit, outcome, value; one row per unit, outcome,
            condition and replicate.
        control: The condition every other condition is compared with.
        paired: Pair treatment and control values by (replicate, unit).
        seed: Experiment seed; each comparison's seed is derived from it and from the
            comparison's outcome, condition, control and scope.
        n_resamples: Bootstrap and permutation resamples per comparison.

    Returns:
        One `Effect.to_json()` row per comparison, ordered by outcome, condition, then the pooled
        row followed by replicates in ascending order.

    Raises:
        ValueError: Missing columns, an unknown control, or duplicated rows.
    """
    _check(results, control)
    rows = []
    for outcome in sorted(results["outcome"].unique()):
        frame = results[results["outcome"] == outcome]
        for condition in sorted(set(frame["condition"]) - {control}):
            in_arms = frame["condition"].isin([condition, control])
            replicates = sorted(int(r) for r in frame.loc[in_arms, "replicate"].unique())
            scopes = [("pooled", replicates)] + [(f"replicate {r}", [r]) for r in replicates]
            for scope, reps in scopes:
                t, c = _arms(frame, condition, control, reps, paired=paired)
                parts = compare(
                    t,
                    c,
                    paired=paired,
                    seed=derive_seed(seed, outcome, condition, control, scope),
                    n_resamples=n_resamples,
                )
                effect = Effect(
                    outcome=str(outcome),
                    condition=str(condition),
                    control=control,
                    scope=scope,
                    design="paired" if paired else "independent",
                    **parts,
                )
                rows.append(effect.to_json())
    return pd.DataFrame(rows, columns=[f.name for f in fields(Effect)])
