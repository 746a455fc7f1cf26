"""Memory records: what one memory holds, and a memory about to be appended."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.memory.about import named_in
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

    def is_about(self, person: str) -> bool:
        """Whether the memory is about `person`: among its subjects, or named in its text."""
        return person in self.subjects or named_in(self.text, person)

    def to_json(self) -> JSON:
        """JSON-shaped form (written out: `asdict` deep-copies, and every new memory is logged)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "created": self.created,
            "importance": self.importance,
            "evidence": list(self.evidence),
            "depth": self.depth,
            "subjects": list(self.subjects),
        }

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
