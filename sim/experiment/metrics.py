"""Behavioural metrics: plain functions of a run's frames, one value per agent.

Each per-agent metric returns a Series indexed by agent name, with every agent of
`frames["agents"]` present (0 where nothing was recorded), so metrics from different runs and
arms line up without joins. Positions are change events: an agent is where its last row put it
until its next row, so a window sees an agent who arrived before it started.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np
import pandas as pd

Frames = dict[str, pd.DataFrame]


def _agents(frames: Frames) -> pd.Index:
    """Every agent of the run, in the order of the agents frame."""
    return pd.Index(frames["agents"]["agent"], name="agent")


def _per_agent(frames: Frames, values: pd.Series, name: str, fill: float = 0) -> pd.Series:
    """`values` (indexed by agent) on the full agent index, missing agents filled."""
    out = values.reindex(_agents(frames), fill_value=fill)
    out.name = name
    return out


def _at(places: pd.Series, place: str) -> pd.Series:
    """Which rows are at `place`: an "Area:Arena" path exactly, or any arena of an area name."""
    prefix = f"{place}:"
    exact = ":" in place
    return places.map(
        lambda p: isinstance(p, str) and (p == place or (not exact and p.startswith(prefix)))
    ).astype(bool)


def _spans(frames: Frames, place: str) -> pd.DataFrame:
    """Each position row as a span [start, end) to the agent's next row, at `place` or not.

    An agent's last span lasts forever: the window's end clips it.
    """
    pos = frames["positions"].sort_values(["agent", "time", "tick"], kind="stable")
    end = pos.groupby("agent", sort=False)["time"].shift(-1).fillna(np.inf)
    return pd.DataFrame(
        {
            "agent": pos["agent"].to_numpy(),
            "start": pos["time"].to_numpy(dtype=float),
            "end": end.to_numpy(dtype=float),
            "at": _at(pos["place"], place).to_numpy(),
        }
    )


def attendance(frames: Frames, place: str, start: float, end: float) -> pd.Series:
    """1.0 if the agent was at `place` at any moment in [start, end), else 0.0."""
    s = _spans(frames, place)
    overlaps = (s["start"] < end) & ((s["end"] > start) | (s["start"] >= start))
    hit = (s["at"] & overlaps).groupby(s["agent"]).any().astype(float)
    return _per_agent(frames, hit, "attendance")


def visits(
    frames: Frames, place: str, start: float | None = None, end: float | None = None
) -> pd.Series:
    """Arrivals at `place` in [start, end): rows that are there when the previous row was not.

    An agent's first row counts as an arrival, so an agent who starts the run there has one
    visit (at the run's start); a stay begun before `start` is not a visit in the window.
    """
    s = _spans(frames, place)
    before = s.groupby("agent", sort=False)["at"].shift(1, fill_value=False).astype(bool)
    low = -np.inf if start is None else start
    high = np.inf if end is None else end
    arrived = s["at"] & ~before & (s["start"] >= low) & (s["start"] < high)
    return _per_agent(frames, arrived.groupby(s["agent"]).sum().astype(int), "visits")


def time_at(frames: Frames, place: str, start: float, end: float) -> pd.Series:
    """Game minutes spent at `place` within [start, end).

    The last recorded position holds until `end`, so pass an `end` no later than the run's end.
    """
    s = _spans(frames, place)
    overlap = (np.minimum(s["end"], end) - np.maximum(s["start"], start)).clip(lower=0)
    minutes = (overlap.where(s["at"], 0.0) / 60).groupby(s["agent"]).sum()
    return _per_agent(frames, minutes.astype(float), "time_at", fill=0.0)


def conversation_counts(frames: Frames) -> pd.Series:
    """How many conversations each agent took part in."""
    people = frames["conversations"]["participants"].map(set).explode().dropna()
    return _per_agent(frames, people.value_counts().astype(int), "conversations")


def talk_graph(frames: Frames) -> nx.Graph:
    """Who talked with whom: an edge per pair that shared a conversation, weighted by count."""
    graph = nx.Graph()
    graph.add_nodes_from(_agents(frames))
    for participants in frames["conversations"]["participants"]:
        for a, b in itertools.combinations(sorted(set(participants)), 2):
            weight = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=weight + 1)
    return graph


def _memories(frames: Frames) -> pd.DataFrame:
    """Memory rows, one per (agent, id): a later generation's row replaces an earlier one."""
    rows = frames["memories"]
    if "generation" in rows:
        rows = rows.sort_values("generation", kind="stable")
    return rows.drop_duplicates(["agent", "id"], keep="last")


def knows_graph(frames: Frames) -> nx.DiGraph:
    """Who knows of whom: an edge a -> b when a memory of a's is about b, weighted by count."""
    graph = nx.DiGraph()
    graph.add_nodes_from(_agents(frames))
    rows = _memories(frames)
    for agent, subjects in zip(rows["agent"], rows["subjects"], strict=True):
        for other in set(subjects) - {agent}:
            weight = graph.get_edge_data(agent, other, {"weight": 0})["weight"]
            graph.add_edge(agent, other, weight=weight + 1)
    return graph


def density(graph: nx.Graph) -> float:
    """Share of possible edges present (directed graphs count both directions)."""
    return float(nx.density(graph))


def _keyword_pattern(keywords: str | Iterable[str]) -> re.Pattern[str]:
    """Any keyword as a whole word, case-insensitively; keywords may hold spaces or punctuation."""
    words = [keywords] if isinstance(keywords, str) else list(keywords)
    if not words or not all(w.strip() for w in words):
        raise ValueError(f"need at least one non-empty keyword, got {keywords!r}")
    alternatives = "|".join(re.escape(w.strip()) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _first_heard(frames: Frames, keywords: str | Iterable[str]) -> pd.Series:
    """When each agent first had a memory mentioning a keyword (NaN: never)."""
    rows = _memories(frames)
    pattern = _keyword_pattern(keywords)
    mentions = rows["text"].map(lambda text: bool(pattern.search(str(text)))).astype(bool)
    hits = rows[mentions]
    first = hits.groupby("agent")["created"].min().astype(float)
    return _per_agent(frames, first, "first_heard", fill=np.nan)


def knows_text(frames: Frames, keywords: str | Iterable[str], at: float | None = None) -> pd.Series:
    """1.0 if a memory created at or before `at` mentions a keyword, else 0.0.

    A cheap proxy for knowing something (no LM call): it sees hearing, not understanding, and
    misses paraphrase; a `Knows` survey question measures the same thing through the agent.
    """
    first = _first_heard(frames, keywords)
    limit = np.inf if at is None else at
    out = (first <= limit).astype(float)
    out.name = "knows"
    return out


def diffusion_curve(
    frames: Frames, keywords: str | Iterable[str], times: Sequence[float]
) -> pd.DataFrame:
    """Share of agents who know by the text proxy at each of `times` (columns: time, share)."""
    first = _first_heard(frames, keywords).to_numpy()
    share = [float(np.mean(first <= t)) if len(first) else 0.0 for t in times]
    return pd.DataFrame({"time": list(times), "share": share})


def survey_values(frames: Frames, question_id: str, wave: str | None = None) -> pd.Series:
    """Each agent's last answer to a question (in `wave`, or any wave); NaN if none or fallback.

    Named after the question id, so several questions concatenate into a tidy frame.
    """
    rows = frames["surveys"]
    rows = rows[rows["question_id"] == question_id]
    if wave is not None:
        rows = rows[rows["wave"] == wave]
    last = rows.sort_values("tick", kind="stable").drop_duplicates("agent", keep="last")
    values = last["value"].astype(float).where(~last["fallback"].astype(bool))
    return _per_agent(
        frames, pd.Series(values.to_numpy(), index=last["agent"]), question_id, np.nan
    )
