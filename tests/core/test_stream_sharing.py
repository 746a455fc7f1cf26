"""Copy-on-write memory streams: handles share rows, never see later writes, appends stay cheap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.embed.hashing import HashEmbedder
from sim.memory.stream import MAX_SEGMENTS, MemoryStream, NewMemory


def memories(n: int, start: int = 0) -> list[NewMemory]:
    """`n` distinct observations numbered from `start`."""
    return [
        NewMemory("observation", f"event {i} happened", 1 + i % 10) for i in range(start, start + n)
    ]


def stream_of(n: int, embedder: HashEmbedder | None = None) -> MemoryStream:
    """A stream holding `n` memories, created one game minute apart."""
    s = MemoryStream(embedder or HashEmbedder())
    for i in range(n):
        s.add(memories(1, i), 60 * i)
    return s


def test_single_appends_reallocate_a_logarithmic_number_of_times() -> None:
    s = MemoryStream(HashEmbedder())
    moves = {"vectors": 0, "access": 0}
    last = {"vectors": id(s._tail.columns), "access": id(s._access)}
    for i in range(1000):
        s.add(memories(1, i), i)
        now = {"vectors": id(s._tail.columns), "access": id(s._access)}
        moves = {k: moves[k] + (now[k] != last[k]) for k in moves}
        last = now
        capacity = len(s._tail.importance)
        assert len(s) <= capacity < 2 * len(s) + 16
    bound = math.ceil(math.log2(1000)) + 2
    assert moves["vectors"] <= bound
    assert moves["access"] <= bound


def test_handle_restored_into_a_new_stream_gives_the_same_state() -> None:
    embedder = HashEmbedder()
    s = stream_of(40, embedder)
    s.touch([3, 7], 10_000)
    handle = s.handle()
    copy = MemoryStream(embedder)
    copy.restore(handle)
    assert copy.get_state() == s.get_state()
    assert handle.to_json() == s.get_state()
    assert [r.text for r in copy.records] == [r.text for r in s.records]
    assert np.array_equal(copy.vectors, s.vectors)


def test_restored_stream_shares_segments_by_identity() -> None:
    s = stream_of(10)
    handle = s.handle()
    copy = MemoryStream(s.embedder)
    copy.restore(handle)
    assert len(copy._segments) == len(s._segments) > 0
    assert all(a is b for a, b in zip(copy._segments, s._segments, strict=True))


def test_appends_after_a_handle_never_show_in_it() -> None:
    s = stream_of(20)
    handle = s.handle()
    before = handle.to_json()
    copy = MemoryStream(s.embedder)
    copy.restore(handle)
    s.add(memories(5, 100), 99_000)
    copy.add(memories(3, 200), 98_000)
    assert handle.to_json() == before
    assert len(handle) == 20
    assert len(s) == 25 and len(copy) == 23
    assert [r.text for r in s.records][20:] == [m.text for m in memories(5, 100)]
    assert [r.text for r in copy.records][20:] == [m.text for m in memories(3, 200)]


def test_many_handles_stay_unchanged_across_segment_merges() -> None:
    s = MemoryStream(HashEmbedder())
    handles = []
    for round_ in range(MAX_SEGMENTS + 4):
        s.add(memories(3, 3 * round_), round_)
        s.touch([0], 1000 + round_)
        handle = s.handle()
        handles.append((handle, handle.to_json()))
    assert len(s._segments) <= MAX_SEGMENTS + 1
    s.add(memories(2, 999), 5000)
    s.touch(list(range(len(s))), 6000)
    for handle, seen in handles:
        assert handle.to_json() == seen
    assert [r.id for r in s.records] == list(range(len(s)))


def test_touch_after_a_handle_leaves_its_access_times_alone() -> None:
    s = stream_of(12)
    handle = s.handle()
    access = handle.access.copy()
    s.touch([0, 5, 11], 50_000)
    assert np.array_equal(handle.access, access)
    assert s.last_accessed(5) == 50_000
    copy = MemoryStream(s.embedder)
    copy.restore(handle)
    copy.touch([1], 70_000)
    assert np.array_equal(handle.access, access)
    assert s.last_accessed(1) == access[1]
    assert copy.last_accessed(1) == 70_000


def test_records_view_indexes_across_segments_and_tail() -> None:
    s = MemoryStream(HashEmbedder())
    for chunk in range(4):  # three sealed segments and a tail
        s.add(memories(5, 5 * chunk), chunk)
        if chunk < 3:
            s.handle()
    expected = [f"event {i} happened" for i in range(20)]
    view = s.records
    assert len(view) == 20
    assert [r.text for r in view] == expected
    assert view[-1].text == expected[-1]
    assert view[-6].text == expected[-6]
    assert view[7].id == 7
    assert [r.text for r in view[3:12]] == expected[3:12]
    assert [r.text for r in view[::-4]] == expected[::-4]
    assert [r.text for r in view[-3:]] == expected[-3:]
    assert [s.record(i).text for i in range(20)] == expected
    with pytest.raises(IndexError):
        view[20]
    with pytest.raises(IndexError):
        view[-21]


@pytest.mark.parametrize("write", ["append", "touch"])
def test_access_array_stays_proportional_across_handles(write: str) -> None:
    s = stream_of(100)
    for i in range(12):
        s.handle()
        if write == "append":
            s.add(memories(1, 1000 + i), 10_000 + i)
        else:
            s.touch([i], 10_000 + i)
    assert len(s._access) < 2 * len(s) + 16
