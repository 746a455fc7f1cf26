"""Which memories are about a person, answered from indexes instead of a scan of every text.

A memory is about a person when they are among its subjects or its text names them (full name
anywhere, or first name as a whole word). Retrieval asks this for every question that names
someone, about a dozen people per question in a town of a thousand (first names recur); a
per-record Python check costs tens of milliseconds per person at 100k memories, so rows keep
their subjects as an inverted index and their texts as one lowered string that `str.find`
scans in C, and each answer is remembered.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.memory.stream import MemoryRecord

WORDS = re.compile(r"\w+")
# Full names are looked up by their first PREFIX characters at each position of a text: long
# enough that a common word's letters seldom start a name (a town of a thousand has few names
# under six characters, and those are checked against every text).
PREFIX = 6
NAMES_HELD = 1 << 14  # people whose search strings are kept (`_needles`)


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
        """The people `text` names (as `named_in` decides), with the text parsed once: the
        full names looked for are those whose first characters occur somewhere in it."""
        lowered = text.lower()
        found = {p for word in set(WORDS.findall(lowered)) for p in self.first.get(word, ())}
        shifted = (lowered[i:] for i in range(PREFIX))  # zip stops at the shortest: each gram
        grams = set(map("".join, zip(*shifted, strict=False)))
        for gram in grams & self.prefix.keys():  # those named by first name need no check
            found.update(p for full, p in self.prefix[gram] if p not in found and full in lowered)
        found.update(p for full, p in self.short if full in lowered)
        return found


class TextRows:
    """Rows' subjects (an inverted index) and lowered texts (joined into one string), kept as
    rows are appended: the rows about a person are a dict lookup and `str.find` passes in C,
    not a Python check of each row. What each search found is kept and later extended over
    the new rows only; a question names a dozen people in a town of a thousand, most of them
    sharing a few first names, so each first name is looked for once."""

    def __init__(self) -> None:
        self.size = 0
        self.subjects: dict[str, list[int]] = {}  # person -> rows, ascending
        self._pending: list[str] = []  # lowered texts of rows not yet joined into `_text`
        self._text = ""  # the lowered texts of the first len(_starts) rows, each + "\n"
        self._starts: list[int] = []  # where each of those rows begins in `_text`
        self._found: dict[tuple[str, bool], tuple[int, list[int]]] = {}  # see `holding`

    def extend(self, records: Sequence[MemoryRecord]) -> None:
        """Index appended rows."""
        for record in records:
            for subject in record.subjects:
                rows = self.subjects.setdefault(subject, [])
                if not rows or rows[-1] != self.size:
                    rows.append(self.size)
            self._pending.append(record.text.lower())
            self.size += 1

    def about(self, people: Iterable[str]) -> list[int]:
        """The rows about any of `people` (as `MemoryRecord.is_about`: among the subjects, the
        full name anywhere, the first name as a whole word), some perhaps listed twice."""
        found: list[int] = []
        needles: set[tuple[str, bool]] = set()
        for person in people:
            found.extend(self.subjects.get(person, ()))
            full, word = _needles(person)
            needles.add((full, False))
            if word:
                needles.add((word, True))
        for needle, as_word in needles:
            found.extend(self.holding(needle, as_word))
        return found

    def holding(self, needle: str, as_word: bool) -> list[int]:
        """The rows whose text holds `needle` (as a whole word: no word character either side;
        names hold no newline, so no match spans two rows). Only the rows appended since the
        last search for it are read."""
        read, rows = self._found.get((needle, as_word), _NOTHING_READ)
        if read < self.size:
            text, starts = self.joined()
            rows = list(rows)
            at = text.find(needle, starts[read])
            while at >= 0:
                if as_word and (_word_char(text, at - 1) or _word_char(text, at + len(needle))):
                    at = text.find(needle, at + 1)
                    continue
                row = bisect.bisect_right(starts, at) - 1
                rows.append(row)
                at = text.find(needle, starts[row + 1]) if row + 1 < len(starts) else -1
            self._found[(needle, as_word)] = (self.size, rows)
        return rows

    def joined(self) -> tuple[str, list[int]]:
        """The lowered texts joined, brought up to date with the appended rows (a copy of the
        texts so far: at most once per retrieval, which reads every row's vector anyway)."""
        if self._pending:
            offset = len(self._text)
            for lowered in self._pending:
                self._starts.append(offset)
                offset += len(lowered) + 1
            self._text += "".join(f"{lowered}\n" for lowered in self._pending)
            self._pending = []
        return self._text, self._starts


_NOTHING_READ: tuple[int, list[int]] = (0, [])  # never changed: `holding` copies the list


@functools.lru_cache(maxsize=NAMES_HELD)
def _needles(person: str) -> tuple[str, str]:
    """What `TextRows.about` looks for: the lowered full name, and the lowered first name
    when it can be a word that the full name's hits do not already cover (else "")."""
    full, first = person.lower(), person.split()[0].lower()
    return full, first if first != full and WORDS.fullmatch(first) else ""


def _word_char(text: str, at: int) -> bool:
    """Whether `text[at]` exists and `\\w` matches it (`re` tests `isalnum()` or "_")."""
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")


class AboutIndex:
    """Who a frozen run of records is about, indexed (`TextRows`); each answer is kept, since
    the rows never change."""

    def __init__(self, records: Sequence[MemoryRecord]) -> None:
        self.rows = TextRows()
        self.rows.extend(records)
        self.rows.joined()  # now, so that threads asking at once only read it
        self.masks: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return self.rows.size

    def people(self) -> frozenset[str]:
        """Everyone some record has among its subjects."""
        return frozenset(self.rows.subjects)

    def about(self, person: str) -> np.ndarray:
        """Boolean mask of the rows about `person`."""
        mask = self.masks.get(person)
        if mask is None:
            mask = np.zeros(self.rows.size, dtype=bool)
            mask[self.rows.about((person,))] = True
            self.masks[person] = mask
        return mask
