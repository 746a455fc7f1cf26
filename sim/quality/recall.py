"""Persona-fact recall: ask agents about the people they know, and check for the persona's facts.

Every relationship in a persona file is a fact the agent should be able to state: Eleanor
knows Maya as "my former pupil". The battery asks "Who is Maya Torres?" in a stateless
interview and counts the answer as recalled when it contains any word of the relationship's
kind or description (or a close synonym, e.g. "student" for "pupil"). This calls the LM, so
`sim inspect --quality` runs it only with `--recall`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sim.llm.protocol import LanguageModel
from sim.persona import Persona
from sim.quality.checks import leakage, round_robin, tokens, word_forms
from sim.types import JSON

DEFAULT_QUESTIONS = 5

# Words for each relationship kind that an answer may use instead of the kind itself.
KIND_WORDS = {
    "family": ("family", "sister", "brother", "mother", "father", "daughter", "son", "aunt",
               "uncle", "cousin", "niece", "nephew", "grandmother", "grandfather", "relative"),
    "partner": ("partner", "wife", "husband", "girlfriend", "boyfriend", "spouse"),
    "friend": ("friend", "friendship"),
    "coworker": ("coworker", "colleague", "work", "job"),
    "neighbour": ("neighbour", "neighbor", "next door"),
    "rival": ("rival", "competitor", "compete"),
    "acquaintance": ("acquaintance",),
}  # fmt: skip
# Description words that an answer may put another way.
SYNONYMS = {
    "pupil": ("student", "teacher", "taught", "class", "school"),
    "teacher": ("taught", "teach", "pupil", "student", "school", "class"),
    "cafe": ("coffee", "café", "barista"),
    "writer": ("write", "writes", "poet", "poetry", "author"),
    "poet": ("poetry", "poem", "writer", "write"),
}
# Description words too common to show that the answer recalls anything.
_COMMON = frozenset((
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get",
    "gets", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "let", "lets", "like", "little", "lot", "me", "more",
    "most", "much", "my", "no", "not", "now", "of", "on", "one", "or", "our", "out", "over",
    "quite", "really", "she", "so", "some", "than", "that", "the", "their", "them", "then",
    "there", "they", "thing", "things", "this", "those", "to", "too", "up", "us", "very", "was",
    "we", "well", "were", "what", "when", "where", "which", "who", "will", "with", "would", "you",
    "your", "dear", "good", "great", "nice", "new", "old", "young", "man", "woman", "people",
    "person", "always", "never", "still", "way", "time", "makes", "make", "made", "got", "done",
    "draw", "suspect", "think", "feel", "know", "knows", "down", "slightly",
))  # fmt: skip


@dataclass(frozen=True)
class RecallQuestion:
    """One question for one agent, with the words whose presence shows the fact was recalled."""

    agent: str
    about: str
    question: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class RecallAnswer:
    """A question, the answer given, and which expected words it contained."""

    agent: str
    question: str
    answer: str
    expected: tuple[str, ...]
    matched: tuple[str, ...]
    leaked: bool

    @property
    def recalled(self) -> bool:
        """Whether the answer contained any expected word."""
        return bool(self.matched)


@dataclass(frozen=True)
class RecallReport:
    """Persona facts recalled out of those asked, with every question and answer."""

    answers: tuple[RecallAnswer, ...] = field(default_factory=tuple)

    @property
    def asked(self) -> int:
        """Questions asked."""
        return len(self.answers)

    @property
    def recalled(self) -> int:
        """Answers that contained an expected fact."""
        return sum(a.recalled for a in self.answers)

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {
            "asked": self.asked,
            "recalled": self.recalled,
            "answers": [{**asdict(a), "recalled": a.recalled} for a in self.answers],
        }


def expected_words(kind: str, description: str, own: str = "") -> tuple[str, ...]:
    """The relationship kind (with its everyday words) and the description's telling words.

    Words that also describe the asker (`own`: its name, occupation and household) are left
    out: a small model often answers "Who is Maya?" by describing itself ("a retired
    primary-school teacher"), which must not count as recalling "my former pupil".
    """
    mine = {f for w in tokens(own) for f in word_forms(w)}
    words = list(KIND_WORDS.get(kind, (kind,)))
    for word in tokens(description):
        if word in _COMMON or len(word) < 4 or "'" in word:
            continue
        words += [word, *SYNONYMS.get(word, ())]
    kept = [w for w in words if not mine & {f for part in w.split() for f in word_forms(part)}]
    return tuple(dict.fromkeys(kept))


def battery(personas: Sequence[Persona], limit: int = DEFAULT_QUESTIONS) -> list[RecallQuestion]:
    """Up to `limit` "Who is X?" questions, taking agents in turn so each is asked about someone.

    Only relationships to people in the same set are asked about, in the persona file's order.
    """
    names = {p.name for p in personas}
    queues = [
        [
            RecallQuestion(
                p.name,
                r.name,
                f"Who is {r.name}?",
                expected_words(r.kind, r.description, f"{p.name} {p.occupation} {p.household}"),
            )
            for r in p.relationships
            if r.name in names
        ]
        for p in personas
    ]
    return round_robin(queues, limit)


def matches(answer: str, expected: Sequence[str]) -> tuple[str, ...]:
    """Expected words (or phrases) that occur in the answer, allowing for inflection."""
    words = tokens(answer)
    forms = {f for w in words for f in word_forms(w)}
    text = " ".join(words)
    found = []
    for e in expected:
        if " " in e:
            hit = re.search(rf"\b{re.escape(e)}\b", text) is not None
        else:
            hit = e in forms or any(f in forms for f in word_forms(e))
        if hit:
            found.append(e)
    return tuple(found)


def persona_recall(
    db: str | Path,
    *,
    lm: str | LanguageModel | None = None,
    questions: int = DEFAULT_QUESTIONS,
) -> RecallReport:
    """Ask the battery of a recorded run in stateless interviews (nothing is written to `db`).

    `lm` defaults to the LM the run was recorded with.
    """
    from sim.simulation import Simulation

    sim = Simulation.open(db, lm=lm)
    try:
        people = [sim.engine.agents[name].persona for name in sorted(sim.engine.agents)]
        answers = []
        for q in battery(people, questions):
            text = sim.interview(q.agent, q.question)
            answers.append(
                RecallAnswer(
                    q.agent,
                    q.question,
                    text,
                    q.expected,
                    matches(text, q.expected),
                    leakage(text).flagged,
                )
            )
    finally:
        sim.close()
    return RecallReport(tuple(answers))
