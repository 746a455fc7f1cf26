"""`sim inspect RUN --quality [--recall]`: the run's text quality against the first-hour targets.

Model output is printed as plain text (never as rich markup): a small model writes `[/]` too.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sim.quality.recall import DEFAULT_QUESTIONS, PASS_SHARE, persona_recall
from sim.quality.report import QualityReport
from sim.quality.score import score_run
from sim.store.location import RunDb

SHOWN_EXAMPLES = 3
_VERDICT = {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "[dim]n/a[/]"}


def quality(
    db: RunDb,
    *,
    recall: bool,
    as_json: bool,
    console: Console,
    questions: int = DEFAULT_QUESTIONS,
) -> QualityReport:
    """Score the run (and ask the persona-fact battery with `recall`), then print the report."""
    report = score_run(db)
    if recall:
        report = report.with_recall(persona_recall(db, questions=questions))
    if as_json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print_report(report, console)
    return report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def print_report(report: QualityReport, console: Console) -> None:
    """Per-purpose table, headline figures with PASS/FAIL, and a few offending texts."""
    run = report.run
    console.print(
        f"[bold]Text quality[/] of {escape(report.db)}: {escape(run['world'])}, "
        f"{run['game_hours']} game hours, LM {escape(run['lm'])}, {report.texts} texts written"
    )
    table = Table(title="Per purpose (ok LM answers)")
    for name in ("purpose", "ok", "texts", "leaked", "3-gram rep.", "English", "non-English"):
        table.add_column(name, justify="left" if name[0] in "pn" else "right")
    for p in report.purposes.values():
        table.add_row(
            p.purpose,
            str(p.answers),
            str(p.texts),
            str(p.leaked),
            str(p.repeated),
            _pct(p.english_share),
            Text(", ".join(w for w, _ in p.unknown.most_common(5))),
        )
    console.print(table)

    outcomes = ", ".join(f"{n} {k}" for k, n in report.outcomes.items())
    console.print(f"LM outcomes: {outcomes}", markup=False)
    histogram = " ".join(f"{k}:{n}" for k, n in report.importance.items()) or "none"
    console.print(f"importance of observations (rating:count): {histogram}", markup=False)
    console.print(
        f"memories with template or markup leakage: {report.memories_leaked} of "
        f"{report.memories}; plan steps judged with {report.embedder} at similarity >= "
        f"{report.step_threshold}",
        markup=False,
    )

    targets = Table(title="Targets (issue 8)")
    for name in ("figure", "this run", "target", ""):
        targets.add_column(name)
    for t in report.headline():
        targets.add_row(t.label, t.shown, t.target, _VERDICT[t.passed])
    console.print(targets)

    for check, examples in report.examples.items():
        console.print(f"[bold]{escape(check)}[/] (examples)")
        for e in examples[:SHOWN_EXAMPLES]:
            console.print(f"  [{e.purpose}] {e.text!r}  <- {e.why}", markup=False)
    if report.recall is not None:
        r = report.recall
        console.print(
            f"[bold]Persona facts[/]: {r.recalled} of {r.asked} recalled ({_pct(r.share)}; "
            f"passes at {_pct(PASS_SHARE)}), {r.fallbacks} left unanswered (fallback)"
        )
        for a in r.answers:
            mark = "yes" if a.recalled else "no "
            canned = "  (fallback)" if a.fallback else ""
            said = f"  {mark} {a.agent}: {a.question} -> {a.answer!r}{canned}"
            console.print(said, markup=False)
            if a.about_other is not None:
                console.print(f"      about {a.about_other}, not the person asked", markup=False)
            elif not a.recalled:
                console.print(f"      expected any of: {', '.join(a.expected)}", markup=False)
