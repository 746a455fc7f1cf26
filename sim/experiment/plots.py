"""Figures for an experiment report: outcome by arm, and diffusion over game hours.

Figures are built on `matplotlib.figure.Figure` and rendered by Agg without pyplot: nothing
opens a window, nothing changes matplotlib's global backend for the rest of the process, and no
figure stays registered in pyplot's global list. Sizes and dpi are fixed and the PNG carries no
"Software" stamp, so identical data give identical bytes and a report can be diffed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.experiment.stats import mean_ci

DPI = 100
PANEL = (4.4, 3.6)  # inches per panel
MIN_WIDTH = 6.4  # inches; room for the two-line figure title above a single panel
COLUMNS = 3
CI_SEED = 20240611  # error bars are a display aid; one fixed seed keeps them stable
CONTROL_COLOUR = "#7f7f7f"
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]


def format_p(p: float) -> str:
    """A p-value to three decimals, floored at <0.001; shared by figures and report tables."""
    return "n/a" if math.isnan(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _grid(n: int, title: str) -> tuple[Figure, list[Axes]]:
    """A figure of `n` panels in rows of at most COLUMNS, with the spare panels hidden."""
    cols = min(n, COLUMNS)
    rows = math.ceil(n / cols)
    width = max(PANEL[0] * cols, MIN_WIDTH)
    fig = Figure(figsize=(width, PANEL[1] * rows + 0.7), dpi=DPI, layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for spare in axes[n:]:
        spare.set_visible(False)
    fig.suptitle(title, fontsize=12)
    return fig, axes[:n]


def _save(fig: Figure, path: Path) -> Path:
    """Write a PNG without the version stamp that would change bytes across matplotlib versions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _colours(conditions: list[str], control: str | None) -> dict[str, str]:
    """Grey for the control, then a fixed palette in condition order."""
    others = [c for c in conditions if c != control]
    colours = {c: COLOURS[i % len(COLOURS)] for i, c in enumerate(others)}
    if control is not None:
        colours[control] = CONTROL_COLOUR
    return colours


def _order(conditions: Iterable[object], control: str) -> list[str]:
    """The control first, then the other conditions alphabetically."""
    names = sorted({str(c) for c in conditions} - {control})
    return [control, *names]


def _control_label(name: str) -> str:
    """The control's tick label, marked as the control unless its name already says so."""
    return name if "control" in name.lower() else f"{name}\n(control)"


def _effect_label(effects: pd.DataFrame, outcome: str, condition: str) -> str:
    """A tick-label line with the pooled difference and p, or '' when none was computed."""
    row = effects[
        (effects["outcome"] == outcome)
        & (effects["condition"] == condition)
        & (effects["scope"] == "pooled")
    ]
    if row.empty or pd.isna(row["difference"].iloc[0]):
        return ""
    diff, p = float(row["difference"].iloc[0]), float(row["p_value"].iloc[0])
    return f"\nΔ {diff:+.3f}, p {format_p(p)}"


def outcome_plot(results: pd.DataFrame, effects: pd.DataFrame, path: Path, *, control: str) -> Path:
    """Mean of each outcome per condition with 95% bootstrap CIs and replicate means as dots.

    Each outcome gets a panel; the control sits first (in grey) so every treatment is read
    against it, and each treatment's tick label carries its pooled difference and p from
    `effects`.

    Args:
        results: The experiment's results frame (replicate, condition, unit, outcome, value).
        effects: `analyse`'s frame; only its pooled rows are used.
        path: Where the PNG goes.
        control: The control condition.

    Returns:
        `path`.
    """
    outcomes = sorted(str(o) for o in results["outcome"].unique())
    order = _order(results["condition"].unique(), control)
    colours = _colours(order, control)
    fig, axes = _grid(
        len(outcomes), "Outcome by arm\nbar: mean with 95% bootstrap CI; dots: replicate means"
    )
    for ax, outcome in zip(axes, outcomes, strict=True):
        frame = results[(results["outcome"] == outcome) & results["value"].notna()]
        if frame.empty:  # e.g. a time window the arms never reached
            ax.text(0.5, 0.5, "not measured in this run", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")  # fmt: skip
        for x, condition in enumerate(order):
            values = frame.loc[frame["condition"] == condition]
            if values.empty:
                continue
            mean = float(values["value"].mean())
            low, high = mean_ci(values["value"].to_numpy(), seed=CI_SEED)
            ax.bar(x, mean, width=0.6, color=colours[condition], alpha=0.35)
            if not math.isnan(low):
                ax.errorbar(
                    x,
                    mean,
                    yerr=[[mean - low], [high - mean]],
                    fmt="o",
                    color=colours[condition],
                    ecolor="black",
                    capsize=5,
                    markersize=6,
                    zorder=3,
                )
            per_rep = values.groupby("replicate")["value"].mean().sort_index()
            offsets = np.linspace(-0.18, 0.18, len(per_rep)) if len(per_rep) > 1 else [0.0]
            ax.scatter(
                np.asarray(offsets) + x + 0.05,
                per_rep.to_numpy(),
                s=14,
                color="black",
                alpha=0.7,
                zorder=4,
            )
        labels = [
            _control_label(c) if c == control else c + _effect_label(effects, outcome, c)
            for c in order
        ]
        ax.set_xticks(range(len(order)), labels, fontsize=9)
        ax.set_title(outcome)
        ax.set_xlabel("condition")
        ax.set_ylabel(outcome)
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def timeline_plot(timelines: pd.DataFrame, path: Path, *, control: str | None = None) -> Path:
    """Each outcome over game hours: the mean across replicates per condition, with a min-max band.

    Args:
        timelines: Columns replicate, condition, outcome, hours, value.
        path: Where the PNG goes.
        control: The control condition, if any: drawn first and in grey, as in `outcome_plot`,
            so a condition has the same colour in both figures.

    Returns:
        `path`.
    """
    outcomes = sorted(str(o) for o in timelines["outcome"].unique())
    conditions = timelines["condition"].unique()
    order = sorted(str(c) for c in conditions) if control is None else _order(conditions, control)
    colours = _colours(order, control)
    fig, axes = _grid(
        len(outcomes), "Outcomes over game hours\nline: mean across replicates; band: min to max"
    )
    for ax, outcome in zip(axes, outcomes, strict=True):
        frame = timelines[(timelines["outcome"] == outcome) & timelines["value"].notna()]
        for condition in order:
            rows = frame[frame["condition"] == condition]
            if rows.empty:
                continue
            summary = rows.groupby("hours")["value"].agg(["mean", "min", "max"]).sort_index()
            hours = summary.index.to_numpy(dtype=float)
            colour = colours[condition]
            ax.plot(hours, summary["mean"], color=colour, label=condition, linewidth=2)
            ax.fill_between(hours, summary["min"], summary["max"], color=colour, alpha=0.2)
        ax.set_title(outcome)
        ax.set_xlabel("game hours since the arm began")
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=9)
    return _save(fig, path)
