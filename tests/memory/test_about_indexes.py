"""The indexes that say who memories are about agree with the per-record rule (`is_about`,
`named_in`) on random texts full of awkward names, across appends, snapshots and restores."""

from __future__ import annotations

import random

from sim.embed.hashing import HashEmbedder
from sim.memory.about import NameIndex, TextRows, named_in
from sim.memory.retrieval import about_scores
from sim.memory.stream import MemoryRecord, MemoryStream, NewMemory

PEOPLE = [
    "Maya Torres",
    "Maya Lin",
    "Ann Lee",
    "Ann Leeds",  # one full name inside another
    "Anne-Marie Dupont",  # a first name that is never a word
    "Zoë Ünal",
    "Al Green",
    "Bo",  # a name shorter than the prefix the name index keys by
    "Sam O'Neil",
]
FRAGMENTS = [
    *(p for p in PEOPLE),
    *(p.upper() for p in PEOPLE),
    *(p.split()[0] for p in PEOPLE),
    "xmaya torres",  # a full name inside a longer word
    "Alan",
    "Samuel",
    "anne-marie",
    "ann's",
    "bob",
    "the cafe",
    "waved at",
    "\n",
    "line\nbreak",
    "",
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 6)))


def _memory(rng: random.Random) -> NewMemory:
    subjects = tuple(rng.sample(PEOPLE, rng.choice([0, 0, 1, 2])))
    return NewMemory("observation", _text(rng), rng.randint(1, 9), subjects=subjects)


def test_text_rows_find_exactly_the_rows_about_the_people_asked_as_rows_are_appended() -> None:
    rng = random.Random(11)
    rows = TextRows()
    records: list[MemoryRecord] = []
    for batch in range(60):
        new = [
            MemoryRecord(len(records) + i, "observation", _text(rng), 0, 1, subjects=m.subjects)
            for i, m in enumerate(_memory(rng) for _ in range(rng.randint(0, 4)))
        ]
        records.extend(new)
        rows.extend(new)
        people = rng.sample(PEOPLE, rng.randint(1, 3))  # asked now and then, some never
        expected = [r.id for r in records if any(r.is_about(p) for p in people)]
        assert sorted(set(rows.about(people))) == expected, (batch, people)


def test_a_stream_masks_and_names_agree_with_a_scan_across_snapshots_and_restores() -> None:
    rng = random.Random(7)
    stream = MemoryStream(HashEmbedder(dim=16))
    for step in range(120):
        stream.add([_memory(rng) for _ in range(rng.randint(1, 3))], step)
        if step % 23 == 0:
            stream.handle()  # seal the tail into a segment
        if step % 41 == 0:
            copy = MemoryStream(stream.embedder)
            copy.restore(stream.handle())
            stream = copy
        query = _text(rng)
        people = stream.people()
        named = {p for p in people if named_in(query, p)}
        assert stream.people_named(query) == named, query
        expected = [float(any(r.is_about(p) for p in named)) for r in stream.records]
        assert about_scores(stream, query).tolist() == expected, query
    assert len(stream.about(PEOPLE)) == len(stream)


def test_the_name_index_finds_full_names_anywhere_and_first_names_as_words() -> None:
    rng = random.Random(3)
    index = NameIndex()
    index.add(PEOPLE)
    for _ in range(500):
        text = _text(rng)
        assert index.named(text) == {p for p in PEOPLE if named_in(text, p)}, text
    assert index.named("xmaya torres") == {"Maya Torres"}
    assert index.named("samuel and alan") == set()
    assert TextRows().about(["Bo"]) == []
