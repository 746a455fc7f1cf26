"""The session report: attempts side by side, scores per criterion, a plot, and each transcript.

Like the experiment figures, the plot is drawn on a bare `Figure` with Agg (no pyplot, no
window) and saved without a version stamp, so the same session gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from sim.rehearsal.judge import Score, overall
from sim.rehearsal.partner import Partner
from sim.rehearsal.rubric import Rubric
from sim.rehearsal.session import Attempt

DPI = 100
CELL = 70  # characters of a line shown in the side-by-side table


def write_report(
    out: Path, partner: Partner, rubric: Rubric, attempts: list[Attempt], lm: str
) -> Path:
    """Write `report.md` (and `scores.png` when an attempt was judged) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    judged = [a for a in attempts if a.scores]
    plot = _plot(out / "scores.png", rubric, judged) if judged else None
    p = partner.persona
    parts = [
        f"# Rehearsal with {p.name} ({p.label}): {rubric.name}\n",
        f"Scenario: {partner.scenario}\n",
        f"Model: {lm}. Attempts: {len(attempts)}, judged: {len(judged)}. Agenda: "
        + "; ".join(partner.agenda)
        + "\n",
        "## Scores by attempt\n",
        _score_table(rubric, judged) if judged else "No attempt was judged (no answers yet).\n",
    ]
    if plot is not None:
        parts.append(f"![Scores per criterion across attempts]({plot.name})\n")
    if len(judged) >= 2:
        parts.append(_changes(rubric, judged[0], judged[-1]))
    parts.append(_side_by_side(partner, attempts))
    parts.extend(_attempt(partner, a) for a in attempts)
    path = out / "report.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _mark(score: Score) -> str:
    """A score as shown in tables: unsupported ones carry a '?'."""
    return f"{score.score}" if score.supported else f"{score.score}?"


def _score_table(rubric: Rubric, judged: list[Attempt]) -> str:
    head = "| Criterion (weight) | " + " | ".join(f"Attempt {a.number}" for a in judged) + " |"
    rows = [head, "|---" * (len(judged) + 1) + "|"]
    for c in rubric.criteria:
        cells = [_mark(s) for a in judged for s in a.scores if s.criterion == c.id]
        rows.append(f"| {c.name} (x{c.weight:g}) | " + " | ".join(cells) + " |")
    totals = [overall(a.scores) for a in judged]
    rows.append("| **Weighted mean** | " + " | ".join(
        f"**{t:.2f}**" if t is not None else "n/a" for t in totals) + " |")  # fmt: skip
    note = (
        "\nA `?` marks an unsupported score: the judge's quote does not occur in the "
        "transcript, so the score has no evidence behind it.\n"
    )
    return "\n".join(rows) + "\n" + note


def _changes(rubric: Rubric, first: Attempt, last: Attempt) -> str:
    """What moved between the first and the last judged attempt."""
    lines = [f"## What changed from attempt {first.number} to attempt {last.number}\n"]
    before = {s.criterion: s for s in first.scores}
    for s in last.scores:
        old = before[s.criterion]
        delta = s.score - old.score
        verdict = "improved" if delta > 0 else "fell" if delta < 0 else "held"
        lines.append(f"- {s.name}: {old.score} -> {s.score} ({verdict})")
    return "\n".join(lines) + "\n"


def _side_by_side(partner: Partner, attempts: list[Attempt]) -> str:
    """Your line at each turn, one column per attempt."""
    most = max((a.turns for a in attempts), default=0)
    if not most:
        return ""
    rows = [
        "## Your answers side by side\n",
        "| Turn | " + " | ".join(f"Attempt {a.number}" for a in attempts) + " |",
        "|---" * (len(attempts) + 1) + "|",
    ]
    for turn in range(1, most + 1):
        cells = []
        for a in attempts:
            said = [ln.text for ln in a.lines if ln.speaker == "you" and ln.turn == turn]
            cells.append(_cell(said[0]) if said else "")
        rows.append(f"| {turn} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    short = text if len(text) <= CELL else text[: CELL - 3] + "..."
    return short.replace("|", "/")


def _attempt(partner: Partner, attempt: Attempt) -> str:
    lines = [f"## Attempt {attempt.number} ({attempt.origin})\n"]
    for line in attempt.lines:
        who = f"{partner.persona.name} ({partner.persona.label})"
        lines.append(f"**{who if line.speaker == 'persona' else 'You'}:** {line.text}\n")
    if attempt.scores:
        lines.append(f"### Feedback (after {attempt.scored_turns} of your lines)\n")
        for s in attempt.scores:
            evidence = f'"{s.quote}"' if s.quote else "(no quote)"
            flag = "" if s.supported else " **unsupported: not found in the transcript**"
            lines.append(f"- **{s.name}: {s.score}/5**. Evidence: {evidence}{flag}. "
                         f"Try: {s.improvement}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _plot(path: Path, rubric: Rubric, judged: list[Attempt]) -> Path:
    """Scores per criterion across attempts; hollow markers are unsupported scores."""
    from matplotlib.figure import Figure  # slow to import: only a judged session draws

    fig = Figure(figsize=(6.0, 3.4), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    numbers = [a.number for a in judged]
    for i, c in enumerate(rubric.criteria):
        scores = [next(s for s in a.scores if s.criterion == c.id) for a in judged]
        offset = (i - (len(rubric.criteria) - 1) / 2) * 0.04  # keep equal scores visible
        xs = [n + offset for n in numbers]
        (drawn,) = ax.plot(xs, [s.score for s in scores], "-", label=c.name, alpha=0.8)
        for x, s in zip(xs, scores, strict=True):
            face = drawn.get_color() if s.supported else "white"
            ax.plot([x], [s.score], "o", color=drawn.get_color(), markerfacecolor=face, ms=7)
    ax.set(xlabel="attempt", ylabel="score", ylim=(0.5, 5.5), xticks=numbers, yticks=range(1, 6))
    ax.set_title(f"{rubric.name}: scores per criterion (hollow: unsupported)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path
