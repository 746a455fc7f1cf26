"""The social graph of a persona set: who knows whom, from the personas' relationships.

Relationships are written one-sided in persona files, so an edge exists when either side
lists the other; its `kinds` keep every side's word (a friend may call them a rival).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import networkx as nx

from sim.types import JSON


def social_graph(personas: Iterable[JSON]) -> nx.Graph:
    """Nodes are persona names; an edge's `kind` is the first listed, `kinds` all of them."""
    people = list(personas)
    graph = nx.Graph()
    graph.add_nodes_from(p["name"] for p in people)
    for person in people:
        for rel in person.get("relationships", []):
            a, b = person["name"], rel["name"]
            if b not in graph or a == b:
                continue
            if graph.has_edge(a, b):
                graph.edges[a, b]["kinds"].add(rel["kind"])
            else:
                graph.add_edge(a, b, kind=rel["kind"], kinds={rel["kind"]})
    return graph


def social_summary(graph: nx.Graph) -> JSON:
    """Size, density, connected components and mean degree, plus edges per kind."""
    n = graph.number_of_nodes()
    components = sorted((len(c) for c in nx.connected_components(graph)), reverse=True)
    return {
        "nodes": n,
        "edges": graph.number_of_edges(),
        "density": round(nx.density(graph), 4) if n > 1 else 0.0,
        "components": len(components),
        "largest_component": components[0] if components else 0,
        "mean_degree": round(2 * graph.number_of_edges() / n, 2) if n else 0.0,
        "kinds": dict(sorted(Counter(k for *_, k in graph.edges(data="kind")).items())),
    }


def summary_line(summary: JSON) -> str:
    """The summary as one line for `sim inspect`."""
    kinds = ", ".join(f"{k} {v}" for k, v in summary["kinds"].items())
    return (
        f"social: {summary['nodes']} people, {summary['edges']} ties ({kinds or 'none'}), "
        f"density {summary['density']}, {summary['components']} component(s) "
        f"(largest {summary['largest_component']}), mean degree {summary['mean_degree']}"
    )
