"""Ready-made outcomes for experiment scripts, each a thin wrapper over a metric or a survey.

A custom outcome is just `Outcome("name", lambda sim: <Series per agent>)`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sim.clock import parse_time_of_day
from sim.experiment import metrics
from sim.experiment.design import Outcome
from sim.simulation import Simulation
from sim.survey.instruments import Knows, Question


def _t(text: str | int) -> int:
    return text if isinstance(text, int) else parse_time_of_day(text)


def attendance(name: str, place: str, start: str, end: str) -> Outcome:
    """1 if the agent was at `place` at any moment in [start, end), else 0; not measured (NaN)
    when the arm ended before the window began, rather than a misleading 0."""

    def measure(sim: Simulation) -> pd.Series:
        values = metrics.attendance(sim.frames(), place, _t(start), _t(end))
        return values * float("nan") if sim.now <= _t(start) else values

    return Outcome(name, measure, f"present at {place} between {start} and {end}")


def visits(name: str, place: str, start: str | None = None, end: str | None = None) -> Outcome:
    """How many times the agent arrived at `place` (in the window, if one is given)."""
    return Outcome(
        name,
        lambda sim: metrics.visits(
            sim.frames(), place, _t(start) if start else None, _t(end) if end else None
        ).astype(float),
        f"arrivals at {place}",
    )


def visits_to(name: str, places: Iterable[str]) -> Outcome:
    """Arrivals summed over several places (e.g. every shop)."""
    chosen = list(places)

    def measure(sim: Simulation) -> pd.Series:
        frames = sim.frames()
        total = sum(metrics.visits(frames, p).astype(float) for p in chosen)
        return pd.Series(total, name=name)

    return Outcome(name, measure, f"arrivals at any of {', '.join(chosen)}")


def conversations(name: str = "conversations") -> Outcome:
    """How many conversations the agent took part in."""
    return Outcome(
        name,
        lambda sim: metrics.conversation_counts(sim.frames()).astype(float),
        "conversations",
    )


def talk_degree(name: str = "talk_degree") -> Outcome:
    """The share of the others an agent talked with; its mean over agents is the density of
    the who-talked-with network."""

    def measure(sim: Simulation) -> pd.Series:
        frames = sim.frames()
        graph = metrics.talk_graph(frames)
        others = max(1, graph.number_of_nodes() - 1)
        return pd.Series({n: graph.degree(n) / others for n in graph.nodes}, name=name)

    return Outcome(name, measure, "share of the others talked with (mean: network density)")


def knows(name: str, keywords: str | list[str]) -> Outcome:
    """The cheap text-match proxy for knowing a fact, with its diffusion curve over time."""

    def timeline(sim: Simulation, times: list[int]) -> list[float]:
        curve = metrics.diffusion_curve(sim.frames(), keywords, times)
        return [float(v) for v in curve["share"]]

    return Outcome(
        name,
        lambda sim: metrics.knows_text(sim.frames(), keywords),
        f"has a memory mentioning {keywords!r}",
        timeline=timeline,
        judge="text match",
    )


def judged_knows(name: str, fact: str) -> Outcome:
    """Knowing a fact as judged by a yes/no interview that must cite a memory as evidence."""
    question = Knows(fact=fact)
    return Outcome(
        name,
        lambda sim: _values(sim.survey(question)),
        f"says yes to having heard that {fact} and cites a memory",
        judge="LM",
    )


def survey(name: str, instrument: Question) -> Outcome:
    """The agent's answer to a survey question (stateless: asking changes nothing)."""
    return Outcome(
        name, lambda sim: _values(sim.survey(instrument)), instrument.question, judge="LM"
    )


def _values(answers: pd.DataFrame) -> pd.Series:
    """Survey answers as numbers per agent (a failed answer is missing, not neutral)."""
    values = answers.set_index("agent")["value"].astype(float)
    values[answers.set_index("agent")["fallback"].astype(bool)] = float("nan")
    return values
