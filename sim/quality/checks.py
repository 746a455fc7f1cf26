"""Pure checks on generated text: markup leakage, dialogue echoes, repetition, English, relevance.

Each check takes text (and what it needs to judge it) and returns a small frozen result, so
`score.py` can count and quote offenders and the same checks can later gate answers at call
time. Nothing here reads a run or calls an LM; only `step_relations` needs an `Embedder`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

from sim.embed.protocol import Embedder

# Cosine similarity of a plan step to its activity under all-MiniLM-L6-v2 below which the step
# counts as unrelated. Chosen on 27 related and 21 unrelated hand-labelled (activity, step)
# pairs from the Willow routines and the examples: related pairs scored 0.12-0.85,
# unrelated -0.01-0.25; 0.2 keeps 89% of related steps and flags 86% of unrelated ones, the most
# even split of the thresholds tried (0.1 to 0.3 by 0.05). With the hash embedder the same
# number means little word overlap.
STEP_THRESHOLD = 0.2
MIN_ECHO = 4  # fewest words of an instruction whose copy counts as an echo
T = TypeVar("T")

_LEAKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("template braces", re.compile(r"\{\{|\}\}")),
    ("numbered placeholder", re.compile(r"\{\s*\d+\s*\}")),  # "{2} Theo Okafor: ..."
    ("chat-template token", re.compile(r"<\||\|>|\[/?INST\]|<</?SYS>>|</?s>")),
    ("JSON fragment", re.compile(r"\{\s*\"|\"\s*:|\]\s*\{|\}\s*[,{]|\[\s*\"|\"\s*\]|[{}]\s*$")),
    (
        "file name",
        re.compile(
            r"\b[\w-]+\.(?:txt|json|md|py|csv|html?|ya?ml|js|log|pdf|docx?|png|jpe?g)\b",
            re.IGNORECASE,
        ),
    ),
    ("snake_case identifier", re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")),
)
_MARKUP_ONLY = re.compile(r"^[^A-Za-z]*[{}\[\]<>|\",:][^A-Za-z]*$")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_CONTRACTIONS = ("n't", "'s", "'ll", "'re", "'ve", "'d", "'m")
_IRREGULAR = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "be"}
# Everyday words the packaged dictionaries (web2, GCIDE) predate.
_MODERN = frozenset(
    {"ok", "okay", "email", "online", "wifi", "website", "laptop", "barista", "cappuccino"}
)


@dataclass(frozen=True)
class Finding:
    """Whether a text has a problem, and what was found (quoted fragments or reasons)."""

    flagged: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordShare:
    """How many of a text's words are English, with the ones that are not."""

    words: int
    english: int
    unknown: tuple[str, ...] = ()

    @property
    def share(self) -> float | None:
        """English words over words; None for a text with no words."""
        return self.english / self.words if self.words else None


@dataclass(frozen=True)
class StepRelation:
    """A plan step, its activity and their embedding similarity."""

    step: str
    activity: str
    similarity: float
    related: bool


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, keeping inner apostrophes)."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def leakage(text: str) -> Finding:
    """Template, chat-markup, JSON, file-name or identifier fragments in what should be prose.

    A text with no letters that is made of brackets, quotes or commas (the issue's `]{` and `,`
    reflection questions) counts too: it is a piece of the JSON around it, not an answer.
    """
    reasons = [
        f"{what}: {match.group(0)!r}"
        for what, pattern in _LEAKS
        if (match := pattern.search(text)) is not None
    ]
    if text.strip() and _MARKUP_ONLY.match(text.strip()):
        reasons.append(f"markup only: {text.strip()!r}")
    return Finding(bool(reasons), tuple(reasons))


def _name_prefix(names: Iterable[str]) -> re.Pattern[str] | None:
    """`Name:` for each participant's full and first name, anywhere in a line."""
    return _prefix_pattern(tuple(sorted(set(names))))


@functools.lru_cache(maxsize=4096)  # re's own cache (512) thrashes in a town of 1,000 names
def _prefix_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    forms = {form for name in names for form in (name, name.split()[0]) if form.strip()}
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?:^|(?<=\W))(?:{alternatives})\s*:(?!\d)", re.IGNORECASE)


def _ngrams(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def echo(
    line: str,
    participants: Sequence[str],
    previous: str | None = None,
    *,
    copy_share: float = 0.6,
) -> Finding:
    """A dialogue line that speaks with a `Name:` prefix or copies most of the previous line.

    A speaker prefix (any participant's full or first name followed by a colon) means the model
    continued the transcript format instead of speaking. A copy is the same words as the
    previous line, or at least `copy_share` of this line's word 3-grams found in it.
    """
    reasons: list[str] = []
    prefix = _name_prefix(participants)
    if prefix is not None and (match := prefix.search(line)):
        reasons.append(f"speaker prefix {match.group(0)!r}")
    if previous:
        words, before = tokens(line), tokens(previous)
        if words and words == before:
            reasons.append("repeats the previous line")
        elif len(words) >= 3:
            grams, seen = _ngrams(words, 3), set(_ngrams(before, 3))
            shared = sum(g in seen for g in grams) / len(grams)
            if shared >= copy_share:
                reasons.append(f"copies {shared:.0%} of the previous line")
    return Finding(bool(reasons), tuple(reasons))


def instruction_ngrams(instructions: Sequence[str], n: int = 4) -> frozenset[tuple[str, ...]]:
    """The runs of `n` words of the prompt's instructions that an answer must not copy; an
    instruction shorter than `n` words (a heading such as "What you remember about them:")
    counts whole, if it has at least `MIN_ECHO` words."""
    return frozenset(
        g
        for line in instructions
        for words in [tokens(line)]
        if len(words) >= MIN_ECHO
        for g in _ngrams(words, min(n, len(words)))
    )


def instruction_echo(
    text: str, instructions: Sequence[str] | frozenset[tuple[str, ...]], n: int = 4
) -> Finding:
    """A text that copies a run of `n` words from the prompt's instructions ("stay in
    character, be concrete"): a small model that cannot answer repeats what it was told.
    `instructions` may be given as their `instruction_ngrams` already."""
    told = (
        instructions if isinstance(instructions, frozenset) else instruction_ngrams(instructions, n)
    )
    sizes = {len(g) for g in told}
    found = tokens(text)
    copied = tuple(
        dict.fromkeys(" ".join(g) for size in sizes for g in _ngrams(found, size) if g in told)
    )
    return Finding(bool(copied), copied)


def repeated_ngrams(text: str, n: int = 3, times: int = 2) -> Finding:
    """Word n-grams that occur `times` or more inside one text (loops like "I am going...")."""
    counts = Counter(_ngrams(tokens(text), n))
    repeats = tuple(" ".join(g) for g, k in counts.items() if k >= times)
    return Finding(bool(repeats), repeats)


@lru_cache(maxsize=1)
def english_vocabulary() -> frozenset[str]:
    """The lower-case alphabetic word lists shipped by `english-words` (web2 and GCIDE)."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], alpha=True, lower=True))


def word_forms(word: str) -> list[str]:
    """The word and the forms it may be inflected from (plurals, -ed, -ing, -er, -ly), with
    American spellings of British ones (the lists are American: "neighbour" is missing)."""
    forms = [word]
    for suffix, swaps in (
        ("ies", ("y",)),
        ("ied", ("y",)),
        ("es", ("", "e")),
        ("s", ("",)),
        ("ed", ("", "e")),
        ("ing", ("", "e")),
        ("er", ("", "e")),
        ("est", ("", "e")),
        ("ly", ("", "le")),
    ):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            root = word[: -len(suffix)]
            forms += [root + s for s in swaps]
            if len(root) > 2 and root[-1] == root[-2]:  # running -> run, stopped -> stop
                forms.append(root[:-1])
    for british, american in (("our", "or"), ("ise", "ize"), ("yse", "yze"), ("tre", "ter")):
        forms += [f.replace(british, american) for f in forms if british in f]  # neighbour
    return forms


def is_english(word: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a word (or the word it is inflected or contracted from) is in the word lists."""
    w = word.lower().replace("\u2019", "'")
    w = _IRREGULAR.get(w, w)
    for suffix in _CONTRACTIONS:
        if w.endswith(suffix) and len(w) > len(suffix):
            w = w[: -len(suffix)]
            break
    vocabulary = english_vocabulary()
    return any(f in vocabulary or f in extra or f in _MODERN for f in word_forms(w))


def name_words(names: Iterable[str]) -> frozenset[str]:
    """Lower-case words of proper names (agents, places, objects), which count as English."""
    return frozenset(w.lower() for name in names for w in _WORD.findall(name))


def english_share(text: str, extra: frozenset[str] = frozenset()) -> WordShare:
    """The words of `text` that are English; `extra` holds words that count too (names)."""
    words = _WORD.findall(text)
    unknown = tuple(w for w in words if not is_english(w, extra))
    return WordShare(len(words), len(words) - len(unknown), unknown)


def step_relations(
    pairs: Sequence[tuple[str, str]],
    embedder: Embedder,
    threshold: float = STEP_THRESHOLD,
) -> list[StepRelation]:
    """Each (step, activity) pair with its cosine similarity; a step with no letters is unrelated.

    Texts are embedded in one batch each (steps, then activities), so a run's worth is cheap.
    """
    if not pairs:
        return []
    steps = embedder.embed([s for s, _ in pairs])
    activities = embedder.embed([a for _, a in pairs])
    sims = np.einsum("ij,ij->i", steps, activities)
    return [
        StepRelation(
            step,
            activity,
            round(float(s), 3),
            bool(s >= threshold) and _WORD.search(step) is not None,
        )
        for (step, activity), s in zip(pairs, sims, strict=True)
    ]


def round_robin(queues: Iterable[Sequence[T]], limit: int) -> list[T]:
    """Up to `limit` items taken from each queue in turn, so no queue can crowd out the rest."""
    lists = [list(q) for q in queues]
    out: list[T] = []
    while len(out) < limit and any(lists):
        for items in lists:
            if items and len(out) < limit:
                out.append(items.pop(0))
    return out


def enum_values(schema: Any) -> set[str]:
    """Every string a JSON schema offers as a choice (`enum`/`const`): picked, not written."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "enum" and isinstance(value, list):
                found |= {v for v in value if isinstance(v, str)}
            elif key == "const" and isinstance(value, str):
                found.add(value)
            else:
                found |= enum_values(value)
    elif isinstance(schema, list):
        for item in schema:
            found |= enum_values(item)
    return found
