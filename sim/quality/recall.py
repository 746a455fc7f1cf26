"""Persona-fact recall: ask agents about the people they know, and check for the persona's facts.

Every relationship in a persona file is a fact the agent should be able to state: Eleanor
knows Maya as "my former pupil". The battery asks "Who is Maya Torres?" (then "How do you know
Maya Torres?") in stateless interviews and counts an answer as recalled when it contains any
word of the relationship's kind or description (or a close synonym, e.g. "student" for
"pupil") and does not name someone else instead of the person asked about. It asks up to ten
questions, each agent in turn, so that one unlucky sample does not decide, and passes at
`PASS_SHARE` of them (the issue's "4 of 5"). This calls the LM, so `sim inspect --quality`
runs it only with `--recall`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sim.llm.protocol import LanguageModel
from sim.memory.about import named_in
from sim.persona import Persona
from sim.quality.checks import leakage, round_robin, tokens, word_forms
from sim.types import JSON

DEFAULT_QUESTIONS = 10
PASS_SHARE = 0.8  # the target, "at least 4 of 5 persona facts recalled"
# Each agent is asked about each person it knows in the set, in the first form, then the next.
QUESTION_FORMS = ("Who is {name}?", "How do you know {name}?")

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
    fallback: bool = False  # the model never answered validly, even asked again
    about_other: str | None = None  # who the answer is about instead (`someone_else`)

    @property
    def recalled(self) -> bool:
        """Whether the answer contained any expected word, and was about the person asked."""
        return bool(self.matched) and self.about_other is None


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

    @property
    def fallbacks(self) -> int:
        """Questions the model never answered validly (the canned answer was given)."""
        return sum(a.fallback for a in self.answers)

    @property
    def share(self) -> float | None:
        """Answers that recalled a fact over questions asked (None: nothing to ask)."""
        return self.recalled / self.asked if self.asked else None

    @property
    def passed(self) -> bool | None:
        """Whether at least `PASS_SHARE` of the answers recalled a fact."""
        return None if self.share is None else self.share >= PASS_SHARE

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return {
            "asked": self.asked,
            "recalled": self.recalled,
            "share": None if self.share is None else round(self.share, 4),
            "pass_share": PASS_SHARE,
            "passed": self.passed,
            "fallbacks": self.fallbacks,
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
    """Up to `limit` questions, taking agents in turn so each is asked about someone.

    Each agent is asked "Who is X?" about everyone it knows in the same set (in the persona
    file's order), then "How do you know X?", as far as `limit` goes.
    """
    names = {p.name for p in personas}
    queues = [
        [
            RecallQuestion(
                p.name,
                r.name,
                form.format(name=r.name),
                expected_words(r.kind, r.description, f"{p.name} {p.occupation} {p.household}"),
            )
            for form in QUESTION_FORMS
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


def someone_else(answer: str, asked: RecallQuestion, people: Sequence[str]) -> str | None:
    """Someone else of the set that `answer` names, when it never names the person asked about:
    asked "Who is Eleanor Hale?", SmolLM2 once answered "Theo Okafor is my friend, a little
    bossy", whose "friend" and "bossy" recall nothing about Eleanor."""
    if named_in(answer, asked.about):
        return None
    others = (p for p in people if p not in (asked.about, asked.agent) and named_in(answer, p))
    return next(others, None)


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
        names = sorted(sim.engine.agents)
        people = [sim.engine.agents[name].persona for name in names]
        answers = []
        for q in battery(people, questions):
            row = sim.battery(q.agent, [q.question]).iloc[0]
            text = str(row["answer"])
            answers.append(
                RecallAnswer(
                    q.agent,
                    q.question,
                    text,
                    q.expected,
                    matches(text, q.expected),
                    leakage(text).flagged,
                    bool(row["fallback"]),
                    someone_else(text, q, names),
                )
            )
    finally:
        sim.close()
    return RecallReport(tuple(answers))
