"""Write an experiment's report folder: report.md, the CSVs behind it, the manifest and figures.

Everything written is a pure function of the inputs (no timestamps, rows sorted by key, PNGs
without a software stamp), so two runs of the same experiment can be compared with `diff` and a
changed number always means a changed result.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.plots import format_p, outcome_plot, timeline_plot
from sim.experiment.stats import KEY

OUTCOME_PNG = "outcome_by_arm.png"
TIMELINE_PNG = "diffusion.png"


@dataclass
class ReportSpec:
    """What the report says about the experiment beyond its numbers.

    Attributes:
        title: Report heading.
        question: The question the experiment answers, in one or two sentences.
        design: A sentence describing the design.
        conditions: Condition name -> description.
        interventions: Condition -> human-readable intervention lines.
        control: The control condition.
        paired: Whether units were compared with themselves across arms.
        replicates: Replicates per condition.
        hours: Game hours each arm ran.
        world: The world the arms ran in.
        seeds: Label (e.g. "r1") -> seed.
        lm: The language model that drove the agents.
        judge: What judged the outcomes ("text match" or a model name).
        tokens: Arm label -> {"prompt": n, "completion": n, "calls": n}.
        cost_usd: Total cost, None when unknown (a local model).
        digests: Arm label -> digest of the run.
        runs: Arm label -> run database path, relative to the report folder.
        failures: Arms or replicates that failed, each with its reason; they are excluded.
    """

    title: str
    question: str
    design: str
    conditions: dict[str, str]
    interventions: dict[str, list[str]]
    control: str
    paired: bool
    replicates: int
    hours: float
    world: str
    seeds: dict[str, int]
    lm: str
    judge: str
    tokens: dict[str, dict[str, int]]
    cost_usd: float | None
    digests: dict[str, str]
    runs: dict[str, str]
    failures: list[str]


def _num(x: float) -> str:
    """Three decimals, or 'n/a' for a number that could not be computed."""
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def _cell(value: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    """A markdown table as lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _effect_rows(effects: pd.DataFrame, *, with_scope: bool) -> list[list[object]]:
    """One table row per effect: n, means, difference, CI, p and effect size."""
    rows: list[list[object]] = []
    for e in effects.itertuples(index=False):
        n = f"{e.n_pairs} pairs" if e.design == "paired" else f"{e.n_treatment} / {e.n_control}"
        ci = "n/a" if math.isnan(e.ci_low) else f"[{_num(e.ci_low)}, {_num(e.ci_high)}]"
        size = (
            "n/a" if math.isnan(e.effect_size) else f"{_num(e.effect_size)} ({e.effect_size_kind})"
        )
        row: list[object] = [e.outcome, f"{e.condition} vs {e.control}"]
        row += [e.scope] if with_scope else []
        row += [n, _num(e.mean_treatment), _num(e.mean_control), _num(e.difference), ci]
        row += [format_p(e.p_value), size]
        rows.append(row)
    return rows


def _results_section(effects: pd.DataFrame, paired: bool) -> list[str]:
    """Pooled effects, then the same comparisons within each replicate."""
    header = ["outcome", "condition vs control", "n", "mean treatment", "mean control"]
    header += ["difference", "95% CI", "p", "effect size"]
    if effects.empty:
        return ["## Results", "", "No comparison could be made: there are no results.", ""]
    pooled = effects[effects["scope"] == "pooled"]
    per_rep = effects[effects["scope"] != "pooled"]
    tests = ", ".join(sorted(set(effects["test"])))
    n_note = "pairs of (replicate, unit)" if paired else "treatment units / control units"
    lines = ["## Results", "", "Pooled over all replicates:", ""]
    lines += _table(header, _effect_rows(pooled, with_scope=False))
    lines += ["", "Within each replicate:", ""]
    lines += _table([*header[:2], "scope", *header[2:]], _effect_rows(per_rep, with_scope=True))
    lines += [
        "",
        f"Difference = treatment mean − control mean. n: {n_note}. 95% CI: BCa bootstrap. "
        f"p: two-sided {tests} test of the mean difference. Effect size: d_z is the mean "
        "difference over the SD of the differences; d is Cohen's d with the pooled SD. "
        "n/a: too few units, or an outcome that did not vary.",
        "",
    ]
    return lines


def _token_section(spec: ReportSpec) -> list[str]:
    """Tokens and calls per arm with a total, and the cost."""
    keys = ["calls", "prompt", "completion"]
    rows: list[list[object]] = []
    for arm in sorted(spec.tokens):
        rows.append([arm, *(spec.tokens[arm].get(k, 0) for k in keys)])
    rows.append(["**total**", *(sum(spec.tokens[a].get(k, 0) for a in spec.tokens) for k in keys)])
    cost = "not known" if spec.cost_usd is None else f"${spec.cost_usd:.2f}"
    lines = ["## Tokens and cost", ""]
    lines += _table(["arm", "calls", "prompt tokens", "completion tokens"], rows)
    return [*lines, "", f"Cost: {cost}.", ""]


def _markdown(spec: ReportSpec, effects: pd.DataFrame, figures: dict[str, str]) -> str:
    """The whole report.md text; `figures` maps alt text to the image file beside it."""
    design = (
        "paired (each unit compared with itself across arms, within a replicate)"
        if spec.paired
        else "independent groups"
    )
    lines = [f"# {spec.title}", "", "## Question", "", spec.question, "", "## Design", ""]
    lines += [spec.design, "", f"- Comparison: {design}", f"- Control: {spec.control}"]
    lines += [f"- Replicates: {spec.replicates}", f"- Game hours per arm: {spec.hours:g}"]
    lines += [f"- World: {spec.world}", "", "Conditions:", ""]
    lines += _table(
        ["condition", "role", "description"],
        [
            [name, "control" if name == spec.control else "treatment", text]
            for name, text in spec.conditions.items()
        ],
    )
    lines += ["", "## Interventions", ""]
    for name in spec.conditions:
        lines += [f"**{name}**", ""]
        lines += [f"- {item}" for item in spec.interventions.get(name, [])] or ["- none"]
        lines += [""]
    lines += ["## Seeds", ""]
    lines += _table(["label", "seed"], [[k, spec.seeds[k]] for k in sorted(spec.seeds)])
    lines += ["", "## Language model and judge", "", f"- LM: {spec.lm}", f"- Judge: {spec.judge}"]
    lines += ["", *_token_section(spec)]
    if spec.failures:
        lines += ["## Failures", "", "These failed and are excluded from every table and figure:"]
        lines += [""] + [f"- {f}" for f in spec.failures] + [""]
    lines += _results_section(effects, spec.paired)
    if figures:
        lines += ["## Figures", ""]
        lines += [line for alt, name in figures.items() for line in (f"![{alt}]({name})", "")]
    lines += ["## Runs", ""]
    arms = sorted(set(spec.runs) | set(spec.digests))
    if arms:
        runs = {a: f"[{path}]({path})" for a, path in spec.runs.items()}
        rows = [[a, spec.digests.get(a, "n/a"), runs.get(a, "not kept")] for a in arms]
        lines += _table(["arm", "digest", "run database"], rows)
    else:
        lines += ["No run databases were kept."]
    return "\n".join(lines) + "\n"


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    """A CSV with Unix line ends and no index, so the bytes depend on the data only."""
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def write_report(
    out: Path,
    spec: ReportSpec,
    results: pd.DataFrame,
    timelines: pd.DataFrame,
    effects: pd.DataFrame,
    manifest: dict[str, Any],
) -> dict[str, Path]:
    """Write the report folder for one experiment.

    Args:
        out: The folder; created if missing.
        spec: What the report says about the experiment.
        results: Columns replicate, condition, unit, outcome, value.
        timelines: Columns replicate, condition, outcome, hours, value; may be empty.
        effects: `analyse(results, ...)`.
        manifest: Written as manifest.json (sorted keys) for machines to read back.

    Returns:
        Name -> path of each file written: report, results, effects, manifest, outcome_plot,
        and, when `timelines` has rows, timelines and timeline_plot.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    raw = results.sort_values(KEY, kind="mergesort").reset_index(drop=True)[[*KEY, "value"]]
    written["results"] = _csv(raw, out / "results.csv")
    written["effects"] = _csv(effects, out / "effects.csv")
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    written["manifest"] = manifest_path
    figures: dict[str, str] = {}
    if not raw.empty:
        outcome_plot(raw, effects, out / OUTCOME_PNG, control=spec.control)
        written["outcome_plot"], figures["Outcome by arm"] = out / OUTCOME_PNG, OUTCOME_PNG
    if not timelines.empty:
        tkey = ["replicate", "condition", "outcome", "hours"]
        rows = timelines.sort_values(tkey, kind="mergesort").reset_index(drop=True)
        written["timelines"] = _csv(rows[[*tkey, "value"]], out / "timelines.csv")
        timeline_plot(rows, out / TIMELINE_PNG, control=spec.control)
        written["timeline_plot"], figures["Outcomes over game hours"] = (
            out / TIMELINE_PNG,
            TIMELINE_PNG,
        )
    report = out / "report.md"
    report.write_text(_markdown(spec, effects, figures), "utf-8")
    written["report"] = report
    return written
