"""Quality gates on answers: text that leaks markup or loops is rejected like invalid JSON.

A schema-valid answer can still be nonsense. These checks run on every typed answer before
cognition uses it; a failure is retried with another seed and, after the last attempt, replaced
by the prompt's fallback, and it is counted as a quality rejection apart from schema failures.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from sim.llm.structured import choices_of
from sim.quality.checks import (
    echo,
    instruction_echo,
    instruction_ngrams,
    leakage,
    repeated_ngrams,
    tokens,
)

Check = Callable[[BaseModel], "str | None"]
LONG_TEXT = 60  # words: below this one repeated 3-gram is a loop, above it three are
_LETTER = re.compile(r"[^\W\d_]")
_NUMERIC = re.compile(r"\s*[+-]?\d[\d\s:.,]*")


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a dumped answer (fields, lists, nested models)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def text_failure(text: str) -> str | None:
    """Why one generated text is unusable (leaked markup, a loop), or None."""
    if _NUMERIC.fullmatch(text):  # a time, a number or a rating chosen from an enum
        return None
    leak = leakage(text)
    if leak.flagged:
        return f"leaked {leak.reasons[0]}"
    times = 2 if len(tokens(text)) < LONG_TEXT else 3
    loop = repeated_ngrams(text, 3, times)
    if loop.flagged:
        return f"repeats {loop.reasons[0]!r}"
    return None


def hard_failure(answer: BaseModel) -> str | None:
    """The first unusable text in an answer, or None: the default gate of every prompt.

    Values picked from the schema's choices (places, times, ratings) are not writing and pass;
    written text must hold a word ("27" is no plan step) and pass `text_failure`.
    """
    picked = choices_of(type(answer))
    for text in _strings(answer.model_dump()):
        if text in picked:
            continue
        if text.strip() and not _LETTER.search(text):
            return f"no words in {text.strip()[:40]!r}"
        reason = text_failure(text)
        if reason:
            return reason
    return None


def instruction_gate(instructions: Sequence[str], fields: Sequence[str], n: int = 4) -> Check:
    """The default checks, then no run of `n` words copied from `instructions` (the prompt's
    own text) in the written `fields`."""

    told = instruction_ngrams(instructions, n)  # once per prompt, not once per answer

    def check(answer: BaseModel) -> str | None:
        for name in fields:
            found = instruction_echo(str(getattr(answer, name, "")), told)
            if found.flagged:
                return f"echoes the instructions: {found.reasons[0]!r}"
        return hard_failure(answer)

    return check


def strip_speaker(text: str, names: Sequence[str]) -> str:
    """Drop leading "Name:" prefixes a small model copies from the transcript format."""
    return _speaker_prefixes(tuple(sorted(set(names)))).sub("", text).strip()


@functools.lru_cache(maxsize=4096)  # re's own cache (512) thrashes in a town of 1,000 names
def _speaker_prefixes(names: tuple[str, ...]) -> re.Pattern[str]:
    forms = sorted({f for n in names for f in (n, n.split()[0])}, key=len, reverse=True)
    return re.compile(rf"^\s*(?:(?:{'|'.join(re.escape(f) for f in forms)})\s*:\s*)+", re.I)


def dialogue_gate(names: Sequence[str], previous: str | None, field: str = "utterance") -> Check:
    """The gate of a dialogue turn: the default checks, then no copy of the previous line, no
    other speaker's "Name:" left inside the line once the leading prefix is stripped, and not
    just a name (SmolLM2 answers "Eleanor Hale" to Eleanor's greeting)."""

    def check(answer: BaseModel) -> str | None:
        line = strip_speaker(str(getattr(answer, field)), names)
        if line.strip(" .,!?;:'\"") in names:
            return "a name alone is not a line"
        found = echo(line, names, previous)
        if found.flagged:
            return f"echo: {found.reasons[0]}"
        return hard_failure(answer)

    return check
