"""Behavioural metrics on small hand-built frames with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.experiment.metrics import (
    attendance,
    conversation_counts,
    density,
    diffusion_curve,
    knows_graph,
    knows_text,
    survey_values,
    talk_graph,
    time_at,
    visits,
)

AGENTS = ["Ada", "Bob", "Cy", "Dee"]  # Dee has no rows in any frame


def _positions() -> pd.DataFrame:
    rows = [
        ("Ada", 0, "Home:bed"),
        ("Ada", 600, "Cafe:counter"),
        ("Ada", 1200, "Cafe:kitchen"),
        ("Ada", 1800, None),  # walking between places
        ("Ada", 2400, "Cafe:counter"),
        ("Bob", 0, "Cafe:counter"),  # there from the start, no later row until he leaves
        ("Bob", 3000, "Park:lawn"),
        ("Cy", 0, "Park:lawn"),
        ("Cy", 900, "Cafe:counter"),
        ("Cy", 960, "Park:lawn"),
    ]
    frame = pd.DataFrame(
        [
            {"tick": t // 10, "time": t, "agent": a, "place": p, "action": "x", "x": 0, "y": 0}
            for a, t, p in rows
        ]
    )
    return frame.sample(frac=1, random_state=3)  # metrics must not rely on row order


def _memory(agent: str, id_: int, created: int, text: str, subjects: list[str], gen: int = 0):
    return {
        "agent": agent,
        "generation": gen,
        "id": id_,
        "tick": created // 10,
        "kind": "observation",
        "text": text,
        "created": created,
        "importance": 5,
        "depth": 0,
        "evidence": [],
        "subjects": subjects,
    }


def _survey(agent: str, tick: int, question: str, wave: str, value: float, fallback: bool):
    return {
        "wave": wave,
        "tick": tick,
        "time": tick * 10,
        "agent": agent,
        "question_id": question,
        "question": "?",
        "kind": "likert",
        "value": value,
        "label": str(value),
        "rationale": "",
        "evidence": [],
        "stateful": False,
        "fallback": fallback,
    }


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    talk = [["Ada", "Bob"], ["Bob", "Ada", "Cy"], ["Cy", "Ada"]]
    return {
        "agents": pd.DataFrame({"agent": AGENTS, "place": None, "action": "idle", "x": 0, "y": 0}),
        "positions": _positions(),
        "memories": pd.DataFrame(
            [
                _memory("Ada", 0, 100, "Maya is throwing a PARTY on Saturday", ["Bob"]),
                _memory("Ada", 1, 500, "Bob waved at me", ["Bob"]),
                _memory("Ada", 1, 500, "Bob waved at me", ["Bob"], gen=1),  # a later copy
                _memory("Bob", 0, 1000, "I heard about the party.", ["Ada", "Bob"]),
                _memory("Cy", 0, 200, "Partygoers were loud", []),  # not the word "party"
                _memory("Cy", 1, 3000, "A party!", []),
            ]
        ),
        "conversations": pd.DataFrame(
            [
                {
                    "id": i,
                    "tick": i,
                    "time": i * 10,
                    "place": "Cafe:counter",
                    "participants": people,
                    "lines": [],
                    "ended_by": "end",
                }
                for i, people in enumerate(talk)
            ]
        ),
        "surveys": pd.DataFrame(
            [
                _survey("Ada", 20, "q1", "w1", 5.0, False),
                _survey("Ada", 10, "q1", "w1", 4.0, False),  # earlier: replaced by the above
                _survey("Bob", 10, "q1", "w1", 2.0, True),  # the model never answered
                _survey("Cy", 30, "q1", "w2", 3.0, False),
                _survey("Dee", 30, "q2", "w1", 1.0, False),
            ]
        ),
    }


def _values(series: pd.Series) -> list[float]:
    assert list(series.index) == AGENTS
    return series.tolist()


def test_attendance_forward_fills_positions_into_the_window(frames) -> None:
    # Bob stands at the cafe from tick 0 with no row inside the window; Ada is walking.
    assert _values(attendance(frames, "Cafe", 1900, 2000)) == [0.0, 1.0, 0.0, 0.0]
    assert attendance(frames, "Cafe", 1900, 2000).name == "attendance"


def test_attendance_windows_are_half_open(frames) -> None:
    assert _values(attendance(frames, "Cafe", 0, 600)) == [0.0, 1.0, 0.0, 0.0]
    assert _values(attendance(frames, "Cafe", 900, 960)) == [1.0, 1.0, 1.0, 0.0]
    assert _values(attendance(frames, "Cafe", 960, 1000)) == [1.0, 1.0, 0.0, 0.0]


def test_an_arena_path_matches_exactly_and_an_area_matches_its_arenas(frames) -> None:
    assert _values(attendance(frames, "Cafe:kitchen", 0, 4000)) == [1.0, 0.0, 0.0, 0.0]
    assert _values(attendance(frames, "Park", 0, 4000)) == [0.0, 1.0, 1.0, 0.0]
    assert _values(attendance(frames, "Caf", 0, 4000)) == [0.0, 0.0, 0.0, 0.0]


def test_visits_count_arrivals_not_moves_within_the_place(frames) -> None:
    # Ada: counter -> kitchen is one stay in the cafe, then she leaves and comes back.
    assert _values(visits(frames, "Cafe")) == [2, 1, 1, 0]
    assert _values(visits(frames, "Cafe:counter")) == [2, 1, 1, 0]
    assert visits(frames, "Cafe").name == "visits"


def test_visits_in_a_window_exclude_stays_begun_before_it(frames) -> None:
    assert _values(visits(frames, "Cafe", start=1000)) == [1, 0, 0, 0]
    assert _values(visits(frames, "Cafe", start=0, end=2400)) == [1, 1, 1, 0]


def test_time_at_sums_minutes_clipped_to_the_window(frames) -> None:
    assert _values(time_at(frames, "Cafe", 0, 3600)) == [40.0, 50.0, 1.0, 0.0]
    assert _values(time_at(frames, "Cafe", 1500, 2700)) == [10.0, 20.0, 0.0, 0.0]


def test_conversation_counts_and_talk_graph(frames) -> None:
    assert _values(conversation_counts(frames)) == [3, 2, 2, 0]
    graph = talk_graph(frames)
    assert set(graph.nodes) == set(AGENTS)
    assert graph["Ada"]["Bob"]["weight"] == 2 and graph["Bob"]["Cy"]["weight"] == 1
    assert density(graph) == pytest.approx(3 / 6)


def test_knows_graph_points_from_the_rememberer_to_the_subject(frames) -> None:
    graph = knows_graph(frames)
    assert sorted(graph.edges) == [("Ada", "Bob"), ("Bob", "Ada")]  # Bob's self-mention dropped
    assert graph["Ada"]["Bob"]["weight"] == 2  # the later generation's copy counts once
    assert density(graph) == pytest.approx(2 / 12)


def test_knows_text_is_case_insensitive_whole_word_and_dated(frames) -> None:
    assert _values(knows_text(frames, "party")) == [1.0, 1.0, 1.0, 0.0]
    assert _values(knows_text(frames, "Party", at=999)) == [1.0, 0.0, 0.0, 0.0]
    assert _values(knows_text(frames, ["PARTY"], at=1000)) == [1.0, 1.0, 0.0, 0.0]
    assert _values(knows_text(frames, ["picnic", "on saturday"])) == [1.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        knows_text(frames, [])


def test_diffusion_curve_is_the_share_knowing_at_each_time(frames) -> None:
    curve = diffusion_curve(frames, "party", [0, 100, 1000, 5000])
    assert list(curve.columns) == ["time", "share"]
    assert curve["share"].tolist() == [0.0, 0.25, 0.5, 0.75]


def test_survey_values_take_the_last_answer_and_blank_fallbacks(frames) -> None:
    w1 = survey_values(frames, "q1", wave="w1")
    assert w1.name == "q1"
    assert w1["Ada"] == 5.0
    assert all(math.isnan(w1[name]) for name in ("Bob", "Cy", "Dee"))
    anywhere = survey_values(frames, "q1")
    assert (anywhere["Ada"], anywhere["Cy"]) == (5.0, 3.0)
    assert math.isnan(anywhere["Bob"]) and math.isnan(anywhere["Dee"])


def test_metrics_on_a_run_with_no_rows_are_zero(frames) -> None:
    empty = {
        **frames,
        "positions": frames["positions"].iloc[0:0],
        "memories": frames["memories"].iloc[0:0],
        "conversations": frames["conversations"].iloc[0:0],
    }
    assert _values(attendance(empty, "Cafe", 0, 100)) == [0.0] * 4
    assert _values(visits(empty, "Cafe")) == [0] * 4
    assert _values(time_at(empty, "Cafe", 0, 100)) == [0.0] * 4
    assert _values(conversation_counts(empty)) == [0] * 4
    assert _values(knows_text(empty, "party")) == [0.0] * 4
    assert density(talk_graph(empty)) == 0.0


def test_talk_degree_averages_to_the_talk_network_density() -> None:
    from sim.experiment.outcomes import talk_degree
    from sim.simulation import Simulation

    sim = Simulation.build("worlds/willow", lm="fake", seed=3).run(hours=2)
    values = talk_degree().measure(sim)
    assert set(values.index) == set(sim.agents)
    graph = talk_graph(sim.frames())
    assert abs(values.mean() - density(graph)) < 1e-12


def test_attendance_in_a_window_the_run_never_reached_is_not_measured() -> None:
    from sim.experiment.outcomes import attendance
    from sim.simulation import Simulation

    sim = Simulation.build("worlds/willow", lm="fake", seed=1).run(hours=0.25)
    later = attendance("evening", "Juniper Cafe", "day 1 18:00", "day 1 20:00").measure(sim)
    assert later.isna().all()  # not a misleading 0
    now = attendance("morning", "Juniper Cafe", "day 1 07:00", "day 1 07:15").measure(sim)
    assert now.notna().all() and set(now.unique()) <= {0.0, 1.0}
