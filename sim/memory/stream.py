"""An agent's memory stream: append-only records plus a side table of last-access times.

Records never change once written, so forks share them: a stream is a chain of frozen segments
(shared with every fork and snapshot taken from it) and a growable tail of its own. A snapshot
seals the tail into a segment in O(1); appends stay amortised O(1); only the access times move,
and they live in their own array, copied on the first write after a snapshot.

Embeddings are stored transposed, one column per record in a (dim, n) float32 array: relevance
is then one matrix-vector product that streams through memory at the bandwidth bound, where
the row layout's product ran 3-4x slower at 100k records (bench/retrieval.py).

Which records are about a person (for retrieval's `about` score) is indexed beside the rows
(`sim.memory.about`), so asking costs a mask lookup, not a scan of every text.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np

from sim.embed.protocol import Embedder
from sim.memory.about import AboutIndex, NameIndex, TextRows
from sim.memory.records import MemoryRecord, NewMemory
from sim.types import JSON, GameSeconds

COSINE_GRID = 4096  # similarities are compared in steps of 1/4096 (see `similarity`)
MAX_SEGMENTS = 16  # past this many frozen segments, a snapshot first merges them into one


@dataclass(frozen=True, eq=False)
class Segment:
    """Frozen rows shared by every stream that holds them: records and their columns."""

    records: tuple[MemoryRecord, ...]
    columns: np.ndarray  # (dim, n) float32 embeddings, one column per record, never written
    importance: np.ndarray  # (n,) float64, never written
    _index: list[AboutIndex] = field(default_factory=list, repr=False)  # built on first ask

    def __len__(self) -> int:
        return len(self.records)

    @property
    def index(self) -> AboutIndex:
        """Who the rows are about, indexed (built once: the rows never change)."""
        if not self._index:
            self._index.append(AboutIndex(self.records))
        return self._index[0]


class _Tail:
    """The rows a stream appended since its last snapshot, in arrays that grow by doubling."""

    def __init__(self, dim: int) -> None:
        self.records: list[MemoryRecord] = []
        self.columns = np.zeros((dim, 0), dtype=np.float32)
        self.importance = np.zeros(0, dtype=np.float64)
        self.names = TextRows()  # who the rows are about

    def __len__(self) -> int:
        return len(self.records)

    @property
    def people(self) -> Collection[str]:
        """Everyone some row has among its subjects (only ever added to)."""
        return self.names.subjects.keys()

    def append(self, records: Sequence[MemoryRecord], vectors: np.ndarray) -> None:
        """Append rows (`vectors` is (k, dim)), growing the arrays geometrically so appends
        stay amortised O(1)."""
        n, k = len(self.records), len(records)
        if n + k > len(self.importance):
            capacity = max(16, n + k, 2 * len(self.importance))
            grown = np.zeros((self.columns.shape[0], capacity), dtype=np.float32)
            grown[:, :n] = self.columns[:, :n]
            importance = np.zeros(capacity, dtype=np.float64)
            importance[:n] = self.importance[:n]
            self.columns, self.importance = grown, importance
        self.columns[:, n : n + k] = vectors.T
        self.importance[n : n + k] = [r.importance for r in records]
        self.records.extend(records)
        self.names.extend(records)

    def seal(self) -> Segment:
        """The rows so far as a frozen segment (views of the arrays, no copy)."""
        n = len(self.records)
        return Segment(tuple(self.records), self.columns[:, :n], self.importance[:n])


def merge(segments: Sequence[Segment]) -> Segment:
    """One segment holding all rows of `segments` (a copy: used to cap the chain's length)."""
    return Segment(
        tuple(itertools.chain.from_iterable(s.records for s in segments)),
        np.concatenate([s.columns for s in segments], axis=1),
        np.concatenate([s.importance for s in segments]),
    )


@dataclass(frozen=True)
class StreamHandle:
    """An O(1) snapshot of a stream: its frozen segments and its access times.

    Restoring it into a stream with the same embedder gives back exactly this memory; appends on
    either side afterwards never show through, since segments are never written.
    """

    segments: tuple[Segment, ...]
    access: np.ndarray  # (n,) last-access times; never written once in a handle

    def __len__(self) -> int:
        return len(self.access)

    def to_json(self) -> JSON:
        """The JSON-shaped state of the stream this handle captured."""
        return {
            "records": [r.to_json() for s in self.segments for r in s.records],
            "last_access": [int(t) for t in self.access],
        }


class RecordView(Sequence[MemoryRecord]):
    """The records of a stream, read-only, indexed across segments without copying them."""

    def __init__(self, parts: Sequence[Sequence[MemoryRecord]]) -> None:
        self._parts = [p for p in parts if len(p)]
        self._starts = list(itertools.accumulate((len(p) for p in self._parts), initial=0))

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> MemoryRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[MemoryRecord]: ...
    def __getitem__(self, index: int | slice) -> MemoryRecord | list[MemoryRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("memory record index out of range")
        part = bisect.bisect_right(self._starts, index) - 1
        return self._parts[part][index - self._starts[part]]

    def __iter__(self) -> Iterator[MemoryRecord]:
        return itertools.chain.from_iterable(self._parts)


class MemoryStream:
    """Append-only memory records with vectorised columns for retrieval."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._segments: tuple[Segment, ...] = ()
        self._frozen = 0  # rows in the segments
        self._tail = _Tail(embedder.dim)
        self._access = np.zeros(16, dtype=np.int64)
        self._access_shared = False  # a handle holds `_access`: copy before writing
        # For `people_named`: the parts a name index was built from, the index, and how many
        # of the tail's people it holds.
        self._names: tuple[tuple[Segment, ...], _Tail, NameIndex, int] | None = None

    def __len__(self) -> int:
        return self._frozen + len(self._tail)

    @property
    def records(self) -> RecordView:
        """Every record, oldest first (a read-only view)."""
        return RecordView([*(s.records for s in self._segments), self._tail.records])

    def record(self, record_id: int) -> MemoryRecord:
        """One record by id (ids are positions in the stream)."""
        if record_id >= self._frozen:
            return self._tail.records[record_id - self._frozen]
        offset = record_id
        for segment in self._segments:  # a handful at most (MAX_SEGMENTS)
            if 0 <= offset < len(segment.records):
                return segment.records[offset]
            offset -= len(segment.records)
        return self.records[record_id]  # a negative id, counted from the end

    def add(self, items: Sequence[NewMemory], now: GameSeconds) -> list[MemoryRecord]:
        """Append memories created at `now`; embeds them in one batch and returns the records."""
        if not items:
            return []
        added: list[MemoryRecord] = []
        start = len(self)
        for item in items:
            size = start + len(added)
            unknown = [e for e in item.evidence if not 0 <= e < size]
            if unknown:
                raise ValueError(f"evidence ids {unknown} do not exist in this stream")
            earlier = [self._get(e, added, start) for e in item.evidence]
            added.append(
                MemoryRecord(
                    id=size,
                    kind=item.kind,
                    text=item.text,
                    created=now if item.created is None else item.created,
                    importance=int(min(10, max(1, item.importance))),
                    evidence=tuple(item.evidence),
                    depth=1 + max(r.depth for r in earlier) if earlier else 0,
                    subjects=tuple(item.subjects),
                )
            )
        vectors = self.embedder.embed([r.text for r in added]).astype(np.float32)
        self._tail.append(added, vectors)
        access = self._writable_access(start + len(added), valid=start)
        access[start : start + len(added)] = [r.created for r in added]
        return added

    def _get(self, record_id: int, added: list[MemoryRecord], start: int) -> MemoryRecord:
        """A record by id, including those being added in the current batch."""
        return added[record_id - start] if record_id >= start else self.record(record_id)

    def _writable_access(self, rows: int, valid: int) -> np.ndarray:
        """The access array, private to this stream, with room for `rows` rows (the first
        `valid` of them kept)."""
        if self._access_shared or rows > len(self._access):
            # Unsharing sizes by the rows in use, so repeated snapshots do not compound.
            base = rows if self._access_shared else 2 * len(self._access)
            grown = np.zeros(max(16, rows, base + base // 2), dtype=np.int64)
            grown[:valid] = self._access[:valid]
            self._access, self._access_shared = grown, False
        return self._access

    def recent(self, n: int) -> list[MemoryRecord]:
        """The `n` most recently created records, oldest first."""
        return self.records[-n:] if n > 0 else []

    # Columns for vectorised retrieval -------------------------------------------------
    def _parts(self) -> list[tuple[np.ndarray, np.ndarray]]:
        n = len(self._tail)
        tail = (self._tail.columns[:, :n], self._tail.importance[:n])
        return [*((s.columns, s.importance) for s in self._segments), tail]

    @property
    def vectors(self) -> np.ndarray:
        """Embedding matrix, one row per record (a transposed view, or a copy when the stream
        has several parts)."""
        parts = [c for c, _ in self._parts()]
        return (parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)).T

    def similarity(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity (float32) of every record to a unit query vector: one product per
        part, each written straight into its slice of the result.

        The product's last bits depend on how the rows are laid out in parts (BLAS sums a
        column differently at a part's edge), and a restored stream is laid out differently from
        the one that was saved; so the cosines are rounded to a grid of 1/4096, and equal scores
        fall to the newer memory, whatever the layout.
        """
        q = query_vector.astype(np.float32)
        out = np.empty(len(self), dtype=np.float32)
        start = 0
        for columns, _ in self._parts():
            end = start + columns.shape[1]
            if end > start:
                np.matmul(q, columns, out=out[start:end])
            start = end
        out *= np.float32(COSINE_GRID)
        np.rint(out, out=out)
        out *= np.float32(1 / COSINE_GRID)
        return out

    def people(self) -> set[str]:
        """Everyone some memory has among its subjects."""
        return set(self._tail.people).union(*(s.index.people() for s in self._segments))

    def people_named(self, text: str) -> set[str]:
        """The people of `people()` that `text` names (see `named_in`)."""
        held = self._names
        if held is None or held[0] is not self._segments or held[1] is not self._tail:
            held = self._names = (self._segments, self._tail, NameIndex(), 0)
            held[2].add(self.people())
        if held[3] < len(self._tail.people):  # the tail's people are only ever added to
            held[2].add(self._tail.people)
            self._names = (*held[:3], len(self._tail.people))
        return held[2].named(text)

    def about(self, people: Collection[str]) -> np.ndarray:
        """Boolean mask of the memories about any of `people` (subjects or text; see
        `is_about`), filled in place: each segment's remembered per-person masks OR-ed into
        its slice, then the tail's rows (`TextRows.about`)."""
        mask = np.zeros(len(self), dtype=bool)
        start = 0
        for segment in self._segments:
            view = mask[start : start + len(segment)]
            start += len(segment)
            for person in people:
                np.logical_or(view, segment.index.about(person), out=view)
        mask[self._frozen :][self._tail.names.about(people)] = True
        return mask

    def importance_column(self) -> np.ndarray:
        """Importance of every record as float64 (a read-only view when the stream is one
        part, as a fork of a sealed stream is until it appends)."""
        parts = [i for _, i in self._parts() if len(i)]
        if len(parts) == 1:
            view = parts[0].view()
            view.flags.writeable = False
            return view
        return np.concatenate(parts) if parts else np.zeros(0)

    def last_access_column(self) -> np.ndarray:
        """Last-access game time of every record."""
        return self._access[: len(self)].astype(np.float64)

    def access_column(self) -> np.ndarray:
        """Last-access game time of every record, int64, read-only and not a copy: valid only
        until the stream next changes."""
        view = self._access[: len(self)]
        view.flags.writeable = False
        return view

    def touch(self, ids: Sequence[int], now: GameSeconds) -> None:
        """Mark records as accessed at `now` (retrieval refreshes what it returns)."""
        if not len(ids):
            return
        access = self._writable_access(len(self), valid=len(self))
        index = np.asarray(ids, dtype=np.int64)
        access[index] = np.maximum(access[index], now)

    def last_accessed(self, record_id: int) -> GameSeconds:
        """When a record was last retrieved (or created)."""
        return int(self._access[record_id])

    # Snapshots and state ----------------------------------------------------------------
    def handle(self) -> StreamHandle:
        """Seal the tail and return an O(1) snapshot that shares every row with this stream."""
        if len(self._tail):
            self._segments = (*self._segments, self._tail.seal())
            self._frozen = len(self)
            self._tail = _Tail(self.embedder.dim)
        if len(self._segments) > MAX_SEGMENTS:
            self._segments = (merge(self._segments),)
        self._access_shared = True
        return StreamHandle(self._segments, self._access[: len(self)])

    def restore(self, handle: StreamHandle) -> None:
        """Become exactly the stream `handle` captured, sharing its rows."""
        self._segments = handle.segments
        self._frozen = sum(len(s) for s in handle.segments)
        self._tail = _Tail(self.embedder.dim)
        self._access = handle.access
        self._access_shared = True

    def get_state(self) -> JSON:
        """JSON-shaped state; embeddings are recomputed (and cached) from text on restore."""
        return {
            "records": [r.to_json() for r in self.records],
            "last_access": [int(t) for t in self._access[: len(self)]],
        }

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output."""
        records = tuple(MemoryRecord.from_json(r) for r in state["records"])
        texts = [r.text for r in records]
        columns = (
            np.ascontiguousarray(self.embedder.embed(texts).astype(np.float32).T)
            if texts
            else np.zeros((self.embedder.dim, 0), dtype=np.float32)
        )
        importance = np.array([r.importance for r in records], dtype=np.float64)
        self._segments = (Segment(records, columns, importance),) if records else ()
        self._frozen = len(records)
        self._tail = _Tail(self.embedder.dim)
        self._access = np.array([int(t) for t in state["last_access"]], dtype=np.int64)
        self._access_shared = True
