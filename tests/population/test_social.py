"""The social graph of a persona set, on a tiny hand-made set."""

from __future__ import annotations

import pytest

from sim.social import social_graph, social_summary, summary_line


def person(name: str, *rels: tuple[str, str]) -> dict:
    return {"name": name, "relationships": [{"name": n, "kind": k} for n, k in rels]}


PEOPLE = [
    person("Ann", ("Bob", "friend"), ("Zed Unknown", "friend")),
    person("Bob", ("Ann", "rival")),  # same pair, other side's word
    person("Cy", ("Ann", "coworker")),  # one-sided still makes an edge
    person("Dee"),  # isolated
    person("Eve", ("Fay", "partner")),
    person("Fay"),
]


def test_edges_exist_if_either_side_lists_the_other() -> None:
    graph = social_graph(PEOPLE)
    assert sorted(graph.nodes) == ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay"]
    assert graph.number_of_edges() == 3  # Ann-Bob, Ann-Cy, Eve-Fay; unknown names ignored
    assert graph.edges["Ann", "Bob"]["kind"] == "friend"
    assert graph.edges["Ann", "Bob"]["kinds"] == {"friend", "rival"}


def test_summary_numbers() -> None:
    summary = social_summary(social_graph(PEOPLE))
    assert summary == {
        "nodes": 6,
        "edges": 3,
        "density": pytest.approx(3 / 15, abs=1e-4),
        "components": 3,  # {Ann, Bob, Cy}, {Dee}, {Eve, Fay}
        "largest_component": 3,
        "mean_degree": 1.0,
        "kinds": {"coworker": 1, "friend": 1, "partner": 1},
    }
    line = summary_line(summary)
    assert "\n" not in line and line.startswith("social: 6 people, 3 ties")


def test_empty_set() -> None:
    summary = social_summary(social_graph([]))
    assert (summary["nodes"], summary["edges"], summary["components"]) == (0, 0, 0)
