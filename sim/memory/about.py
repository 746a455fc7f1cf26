"""Which memories are about a person, answered from indexes instead of a scan of every text.

A memory is about a person when they are among its subjects or its text names them (full name
anywhere, or first name as a whole word). Retrieval asks this for every question that names
someone; at 100k memories a per-record Python check costs tens of milliseconds per person, so a
frozen segment keeps its subjects as an inverted index and its texts as one lowered string that
`re` scans in C, and remembers each answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.memory.stream import MemoryRecord

WORDS = re.compile(r"\w+")
PREFIX = 3  # full names are looked up by their first characters at each position of a text


def named_in(text: str, name: str) -> bool:
    """Whether `text` names a person, by full name or by first name as a whole word."""
    return name.lower() in text.lower() or name.split()[0].lower() in WORDS.findall(text.lower())


class NameIndex:
    """A growing set of people, by lowered first name and by the start of their lowered full
    name, so finding those a text names costs O(text), not O(people)."""

    def __init__(self) -> None:
        self.people: set[str] = set()
        self.first: dict[str, list[str]] = {}
        self.prefix: dict[str, list[tuple[str, str]]] = {}  # full names of PREFIX+ characters
        self.short: list[tuple[str, str]] = []

    def add(self, people: Iterable[str]) -> None:
        """Index people not indexed yet."""
        for person in set(people) - self.people:
            self.people.add(person)
            full = person.lower()
            self.first.setdefault(person.split()[0].lower(), []).append(person)
            if len(full) >= PREFIX:
                self.prefix.setdefault(full[:PREFIX], []).append((full, person))
            else:
                self.short.append((full, person))

    def named(self, text: str) -> set[str]:
        """The people `text` names (as `named_in` decides), with the text parsed once."""
        lowered = text.lower()
        found = {p for word in set(WORDS.findall(lowered)) for p in self.first.get(word, ())}
        for i in range(len(lowered) - PREFIX + 1):
            for full, person in self.prefix.get(lowered[i : i + PREFIX], ()):
                if lowered.startswith(full, i):
                    found.add(person)
        found.update(p for full, p in self.short if full in lowered)
        return found


class RowNames:
    """Growing rows' subjects, lowered texts and words, read once per row as it is appended,
    so asking whether the rows since the last ask name a person costs set lookups, not a
    scan of their texts (a stream's tail is asked about each person its questions name)."""

    def __init__(self) -> None:
        self.rows: list[tuple[tuple[str, ...], str, frozenset[str]]] = []

    def extend(self, records: Sequence[MemoryRecord]) -> None:
        """Read appended rows."""
        for record in records:
            lowered = record.text.lower()
            self.rows.append((record.subjects, lowered, frozenset(WORDS.findall(lowered))))

    def mask(self, person: str, start: int) -> np.ndarray:
        """Which rows from `start` on are about `person` (as `MemoryRecord.is_about`)."""
        full, first = person.lower(), person.split()[0].lower()
        rows = self.rows[start:]
        found = (person in s or full in low or first in words for s, low, words in rows)
        return np.fromiter(found, bool, len(rows))


class TextScan:
    """Texts lowered and joined (names hold no newline, so no match spans two texts)."""

    def __init__(self, texts: Sequence[str]) -> None:
        lowered = [t.lower() for t in texts]
        lengths = np.fromiter((len(t) + 1 for t in lowered), np.int64, len(lowered))
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.text = "\n".join(lowered)

    def mask(self, person: str) -> np.ndarray:
        """Which texts name `person`: full name anywhere, or first name as a whole word."""
        mask = np.zeros(len(self.starts), dtype=bool)
        full, first = person.lower(), person.split()[0].lower()
        patterns = [re.escape(full)]
        if WORDS.fullmatch(first):  # a first name with other characters is never a word
            patterns.append(rf"(?<!\w){re.escape(first)}(?!\w)")
        for pattern in patterns:
            hits = [m.start() for m in re.finditer(pattern, self.text)]
            mask[np.searchsorted(self.starts, hits, side="right") - 1] = True
        return mask


class AboutIndex:
    """Subjects and texts of a frozen run of records, indexed to answer "which rows are about
    this person?" with C-speed scans; each answer is kept, since the rows never change."""

    def __init__(self, records: Sequence[MemoryRecord]) -> None:
        self.size = len(records)
        rows: dict[str, list[int]] = {}
        for i, record in enumerate(records):
            for subject in record.subjects:
                rows.setdefault(subject, []).append(i)
        self.subjects = {p: np.asarray(r, dtype=np.int64) for p, r in rows.items()}
        self.texts = TextScan([r.text for r in records])
        self.masks: dict[str, np.ndarray] = {}

    def people(self) -> frozenset[str]:
        """Everyone some record has among its subjects."""
        return frozenset(self.subjects)

    def about(self, person: str) -> np.ndarray:
        """Boolean mask of the rows about `person`."""
        mask = self.masks.get(person)
        if mask is None:
            mask = self.texts.mask(person)
            mask[self.subjects.get(person, [])] = True
            self.masks[person] = mask
        return mask
