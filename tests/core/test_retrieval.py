"""Retrieval maths: exponential recency per game hour, min-max normalisation, weights, refresh."""

from __future__ import annotations

import numpy as np
import pytest

from sim.clock import HOUR
from sim.embed.hashing import HashEmbedder
from sim.memory.about import AboutIndex, NameIndex, named_in
from sim.memory.retrieval import (
    RetrievalConfig,
    about_scores,
    min_max,
    recency_scores,
    retrieve,
    top_order,
)
from sim.memory.stream import MemoryRecord, MemoryStream, NewMemory


def stream_with(items: list[tuple[str, int, int]]) -> MemoryStream:
    """A stream of (text, importance, created) memories."""
    s = MemoryStream(HashEmbedder())
    for text, importance, created in items:
        s.add([NewMemory("observation", text, importance)], created)
    return s


def test_recency_decays_exponentially_per_game_hour_since_last_access() -> None:
    last = np.array([0.0, 10 * HOUR, 20 * HOUR])
    got = recency_scores(last, 20 * HOUR, 0.995)
    assert got == pytest.approx([0.995**20, 0.995**10, 1.0])


def test_min_max_maps_to_unit_range_and_constant_to_half() -> None:
    assert min_max(np.array([2.0, 4.0, 3.0])) == pytest.approx([0.0, 1.0, 0.5])
    assert min_max(np.array([7.0, 7.0])) == pytest.approx([0.5, 0.5])


def test_recency_comes_from_time_not_rank() -> None:
    # Two old memories an hour apart and one new one: rank-based recency would space them
    # evenly; time-based recency puts the two old ones close together.
    s = stream_with([("a", 5, 0), ("b", 5, HOUR), ("c", 5, 100 * HOUR)])
    cfg = RetrievalConfig(recency=1, importance=0, relevance=0)
    found = {m.record.text: m.recency for m in retrieve(s, "x", 100 * HOUR, cfg, refresh=False)}
    assert found["c"] == pytest.approx(1.0)
    assert found["a"] == pytest.approx(0.0)
    assert found["b"] < 0.02


def test_weights_choose_what_wins() -> None:
    s = stream_with(
        [
            ("the bakery sells fresh bread", 1, 0),
            ("my sister is getting married", 10, 0),
            ("nothing much happened", 1, 5 * HOUR),
        ]
    )
    now = 5 * HOUR
    by_relevance = retrieve(
        s,
        "fresh bread bakery",
        now,
        RetrievalConfig(recency=0, importance=0, relevance=1),
        refresh=False,
    )
    assert by_relevance[0].record.text == "the bakery sells fresh bread"
    by_importance = retrieve(
        s,
        "fresh bread bakery",
        now,
        RetrievalConfig(recency=0, importance=1, relevance=0),
        refresh=False,
    )
    assert by_importance[0].record.text == "my sister is getting married"
    by_recency = retrieve(
        s,
        "fresh bread bakery",
        now,
        RetrievalConfig(recency=1, importance=0, relevance=0),
        refresh=False,
    )
    assert by_recency[0].record.text == "nothing much happened"


def test_score_is_weighted_sum_of_normalised_parts() -> None:
    s = stream_with([("red apple", 3, 0), ("blue car", 9, HOUR), ("red car", 6, 2 * HOUR)])
    cfg = RetrievalConfig(recency=0.5, importance=2.0, relevance=3.0)
    for m in retrieve(s, "red car", 2 * HOUR, cfg, refresh=False):
        assert m.score == pytest.approx(0.5 * m.recency + 2 * m.importance + 3 * m.relevance)
        assert min(m.recency, m.importance, m.relevance) >= 0.0
        assert max(m.recency, m.importance, m.relevance) <= 1.0


def test_top_k_and_access_refresh() -> None:
    s = stream_with([(f"memory {i}", i % 10 + 1, i * 60) for i in range(40)])
    now = 50 * HOUR
    found = retrieve(s, "memory", now, RetrievalConfig(top_k=5))
    assert len(found) == 5
    for m in found:
        assert s.last_accessed(m.record.id) == now
    untouched = set(range(40)) - {m.record.id for m in found}
    assert all(s.last_accessed(i) < now for i in untouched)


def test_kind_filter_and_empty_stream() -> None:
    s = MemoryStream(HashEmbedder())
    assert retrieve(s, "anything", 0, RetrievalConfig()) == []
    s.add([NewMemory("observation", "saw a cat", 2), NewMemory("plan", "buy milk", 2)], 0)
    found = retrieve(s, "cat milk", 0, RetrievalConfig(), kinds={"plan"})
    assert [m.record.text for m in found] == ["buy milk"]


def test_stream_is_append_only_and_round_trips() -> None:
    s = stream_with([("one", 2, 0), ("two", 4, 60)])
    s.add([NewMemory("reflection", "insight", 7, evidence=(0, 1))], 120)
    state = s.get_state()
    copy = MemoryStream(HashEmbedder())
    copy.set_state(state)
    assert [r.to_json() for r in copy.records] == [r.to_json() for r in s.records]
    assert np.allclose(copy.vectors, s.vectors)
    with pytest.raises(ValueError, match="evidence"):
        s.add([NewMemory("reflection", "bad", 5, evidence=(99,))], 180)


def test_a_memory_about_the_person_asked_about_outranks_fresher_unrelated_ones() -> None:
    s = MemoryStream(HashEmbedder())
    s.add([NewMemory("observation", "I taught her in year four", 3, subjects=("Maya Torres",))], 0)
    s.add([NewMemory("observation", "Maya's cafe is the heart of the lane", 3)], 0)
    for hour in range(1, 9):
        s.add([NewMemory("observation", f"the kettle is on, hour {hour}", 2)], hour * HOUR)
    now = 9 * HOUR
    found = retrieve(s, "Who is Maya Torres?", now, RetrievalConfig(top_k=3), refresh=False)
    top = [m.record.text for m in found[:2]]
    assert set(top) == {"I taught her in year four", "Maya's cafe is the heart of the lane"}
    assert all(m.about == 1.0 for m in found[:2]) and found[2].about == 0.0
    assert found[0].to_json()["about"] == 1.0  # the retrieval log says why it was chosen
    without = retrieve(s, "Who is Maya Torres?", now, RetrievalConfig(about=0), refresh=False)
    assert without[0].record.text.startswith("the kettle")  # recency alone would bury them


def test_about_scores_match_a_scan_of_every_record_across_snapshots_and_appends() -> None:
    people = ("Maya Torres", "Sam Lee", "Ada Okafor")
    s = MemoryStream(HashEmbedder())

    def add(i: int) -> None:
        who = people[i % 3]
        texts = [f"{who} waved at me", f"saw {who.split()[0]}'s dog", f"Samuel read {i}", "tea"]
        subjects = (who,) if i % 4 == 0 else ()
        s.add([NewMemory("observation", texts[i % 4], 2, subjects=subjects)], i)

    def scan(query: str) -> list[float]:
        named = [p for p in people if p in s.people() and named_in(query, p)]
        return [float(any(r.is_about(p) for p in named)) for r in s.records]

    queries = ["Who is Maya Torres?", "what about sam", "Samuel?", "ada okafor and Sam", "tea"]
    for i in range(60):
        add(i)
        if i % 17 == 0:
            s.handle()  # seal the tail into a shared segment
        if i % 7 == 0:
            for q in queries:
                assert about_scores(s, q).tolist() == scan(q)
    assert about_scores(s, "Maya Torres").sum() == sum(r.is_about("Maya Torres") for r in s.records)
    assert not about_scores(s, "Samuel?").any()  # "Sam" is not a whole word of "Samuel"


def test_top_order_is_the_full_stable_sort_cut_to_k_ties_included() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 7, 200):
        total = rng.integers(0, 5, n).astype(float)  # many ties, also at the cutoff
        total[rng.random(n) < 0.1] = -np.inf
        full = np.lexsort((-np.arange(n), -total))
        for k in (1, 3, n):
            assert top_order(total, k).tolist() == full[:k].tolist()


def test_the_about_index_agrees_with_the_per_record_rule_on_awkward_names() -> None:
    people = ["Anne-Marie Dupont", "Zoë Ünal", "Al Green", "Ann Lee"]
    texts = [
        "anne-marie came by",  # a first name that is not a word never matches as a word
        "met ANNE-MARIE DUPONT\nat noon",
        "zoë waved",
        "ZOË ÜNAL smiled",
        "Alan talked to al",
        "Ann's bag; Anna's hat",
        "nobody here",
        "green light from al green",
    ]
    records = [
        MemoryRecord(i, "observation", t, 0, 1, subjects=(people[i % 4],) if i == 6 else ())
        for i, t in enumerate(texts)
    ]
    index = AboutIndex(records)
    assert index.people() == {people[2]}
    for person in people:
        assert index.about(person).tolist() == [r.is_about(person) for r in records]
    names = NameIndex()
    names.add([*people, "Bo", "Ann Leeds"])  # a two-letter name; one full name inside another
    for text in [*texts, "bo and ann leeds", "ann lee"]:
        expected = {p for p in names.people if named_in(text, p)}
        assert names.named(text) == expected


def test_a_memory_record_round_trips_through_json_with_every_field() -> None:
    record = MemoryRecord(4, "reflection", "insight", 60, 7, (1, 2), 1, ("Sam Lee",))
    data = record.to_json()
    assert set(data) == set(MemoryRecord.__dataclass_fields__)
    assert MemoryRecord.from_json(data) == record
