"""An agent's memory stream: append-only records plus a side table of last-access times.

Records never change once written (forks and replays can share them); only the access
times move, and they live in their own array so retrieval can refresh them in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from sim.embed.protocol import Embedder
from sim.types import JSON, GameSeconds, MemoryKind


@dataclass(frozen=True)
class MemoryRecord:
    """One memory: what happened or was thought, when, how much it matters, and its evidence."""

    id: int
    kind: MemoryKind
    text: str
    created: GameSeconds
    importance: int
    evidence: tuple[int, ...] = ()
    depth: int = 0
    subjects: tuple[str, ...] = field(default=())  # agents the memory is about

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        data = asdict(self)
        data["evidence"] = list(self.evidence)
        data["subjects"] = list(self.subjects)
        return data

    @classmethod
    def from_json(cls, data: JSON) -> MemoryRecord:
        """Inverse of `to_json`."""
        return cls(
            id=int(data["id"]),
            kind=data["kind"],
            text=data["text"],
            created=int(data["created"]),
            importance=int(data["importance"]),
            evidence=tuple(int(e) for e in data.get("evidence", ())),
            depth=int(data.get("depth", 0)),
            subjects=tuple(data.get("subjects", ())),
        )


@dataclass(frozen=True)
class NewMemory:
    """A memory about to be appended: everything but its id and depth."""

    kind: MemoryKind
    text: str
    importance: int
    evidence: tuple[int, ...] = ()
    subjects: tuple[str, ...] = ()
    created: GameSeconds | None = None  # when it happened, if earlier than the append


class MemoryStream:
    """Append-only memory records with vectorised columns for retrieval."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.records: list[MemoryRecord] = []
        self._last_access: list[GameSeconds] = []
        self._vectors = np.zeros((0, embedder.dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, items: Sequence[NewMemory], now: GameSeconds) -> list[MemoryRecord]:
        """Append memories created at `now`; embeds them in one batch and returns the records."""
        if not items:
            return []
        added = []
        for item in items:
            unknown = [e for e in item.evidence if not 0 <= e < len(self.records)]
            if unknown:
                raise ValueError(f"evidence ids {unknown} do not exist in this stream")
            depth = 1 + max(self.records[e].depth for e in item.evidence) if item.evidence else 0
            record = MemoryRecord(
                id=len(self.records),
                kind=item.kind,
                text=item.text,
                created=now if item.created is None else item.created,
                importance=int(min(10, max(1, item.importance))),
                evidence=tuple(item.evidence),
                depth=depth,
                subjects=tuple(item.subjects),
            )
            self.records.append(record)
            self._last_access.append(record.created)
            added.append(record)
        vectors = self.embedder.embed([r.text for r in added]).astype(np.float32)
        self._vectors = np.vstack([self._vectors, vectors])
        return added

    def recent(self, n: int) -> list[MemoryRecord]:
        """The `n` most recently created records, oldest first."""
        return self.records[-n:] if n > 0 else []

    # Columns for vectorised retrieval -------------------------------------------------
    @property
    def vectors(self) -> np.ndarray:
        """Embedding matrix, one row per record."""
        return self._vectors

    def importance_column(self) -> np.ndarray:
        """Importance of every record as float64."""
        return np.fromiter((r.importance for r in self.records), float, len(self.records))

    def last_access_column(self) -> np.ndarray:
        """Last-access game time of every record."""
        return np.asarray(self._last_access, dtype=np.float64)

    def touch(self, ids: Sequence[int], now: GameSeconds) -> None:
        """Mark records as accessed at `now` (retrieval refreshes what it returns)."""
        for i in ids:
            self._last_access[i] = max(self._last_access[i], now)

    def last_accessed(self, record_id: int) -> GameSeconds:
        """When a record was last retrieved (or created)."""
        return self._last_access[record_id]

    # State ------------------------------------------------------------------------------
    def get_state(self) -> JSON:
        """JSON-shaped state; embeddings are recomputed (and cached) from text on restore."""
        return {
            "records": [r.to_json() for r in self.records],
            "last_access": list(self._last_access),
        }

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output."""
        self.records = [MemoryRecord.from_json(r) for r in state["records"]]
        self._last_access = [int(t) for t in state["last_access"]]
        texts = [r.text for r in self.records]
        self._vectors = (
            self.embedder.embed(texts).astype(np.float32)
            if texts
            else np.zeros((0, self.embedder.dim), dtype=np.float32)
        )
