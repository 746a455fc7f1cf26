"""What a quality score holds: per-purpose counts, the issue's targets, and examples.

`score.py` fills these from a run database; the CLI prints them and `--json` dumps them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from sim.quality.recall import PASS_SHARE, RecallReport
from sim.types import JSON


@dataclass(frozen=True)
class Example:
    """An offending text, where it came from, and why it was flagged."""

    purpose: str
    text: str
    why: str


@dataclass
class PurposeQuality:
    """Text checks over every string an LM purpose wrote."""

    purpose: str
    answers: int = 0  # ok LM answers
    texts: int = 0  # non-empty free-text strings in them
    leaked: int = 0
    repeated: int = 0  # texts with a word 3-gram occurring twice or more
    words: int = 0
    english: int = 0
    unknown: Counter[str] = field(default_factory=Counter)

    @property
    def english_share(self) -> float | None:
        """English words over words."""
        return self.english / self.words if self.words else None

    def to_json(self) -> JSON:
        """JSON-shaped form, with the most frequent non-English words."""
        return {
            "answers": self.answers,
            "texts": self.texts,
            "leaked": self.leaked,
            "repeated_3gram": self.repeated,
            "words": self.words,
            "english_words": self.english,
            "english_share": _round(self.english_share),
            "top_unknown_words": dict(self.unknown.most_common(10)),
        }


@dataclass(frozen=True)
class Target:
    """A headline figure, the issue's target for it, and whether the run meets it."""

    key: str
    label: str
    value: float | None
    shown: str
    target: str
    passed: bool | None  # None: nothing to measure (e.g. no dialogue, recall not asked)


@dataclass
class QualityReport:
    """The quality of one run's generated text; `headline()` compares it with the targets."""

    db: str
    run: JSON
    purposes: dict[str, PurposeQuality]
    dialogue_lines: int
    echoed_lines: int
    steps: int
    related_steps: int
    step_threshold: float
    embedder: str
    importance: dict[int, int]  # observation importance -> count
    outcomes: dict[str, int]
    outcomes_by_purpose: dict[str, dict[str, int]]
    memories: int
    memories_leaked: int
    examples: dict[str, list[Example]]
    recall: RecallReport | None = None

    # Totals over purposes ----------------------------------------------------------------
    @property
    def texts(self) -> int:
        """Free-text strings written by the LM."""
        return sum(p.texts for p in self.purposes.values())

    @property
    def leaked(self) -> int:
        """Texts with template or markup leakage."""
        return sum(p.leaked for p in self.purposes.values())

    @property
    def repeated(self) -> int:
        """Texts with a repeated word 3-gram."""
        return sum(p.repeated for p in self.purposes.values())

    @property
    def english_share(self) -> float | None:
        """English words over all words written."""
        words = sum(p.words for p in self.purposes.values())
        return sum(p.english for p in self.purposes.values()) / words if words else None

    @property
    def distinct_importance(self) -> int:
        """Distinct importance values given to observations."""
        return sum(1 for n in self.importance.values() if n)

    def with_recall(self, recall: RecallReport) -> QualityReport:
        """The same report with the persona-fact battery's result."""
        return replace(self, recall=recall)

    def headline(self) -> list[Target]:
        """The issue's targets with this run's figures."""

        def share(n: int, d: int) -> float | None:
            return n / d if d else None

        def pct(v: float | None, n: int, d: int) -> str:
            return "n/a" if v is None else f"{v:.1%} ({n}/{d})"

        echoed = share(self.echoed_lines, self.dialogue_lines)
        repeated = share(self.repeated, self.texts)
        related = share(self.related_steps, self.steps)
        english = self.english_share
        words = sum(p.words for p in self.purposes.values())
        english_n = sum(p.english for p in self.purposes.values())
        out = [
            Target("leaked_templates", "leaked templates", self.leaked,
                   f"{self.leaked} of {self.texts} texts", "0", self.leaked == 0),
            Target("echoed_dialogue", "echoed dialogue lines", echoed,
                   pct(echoed, self.echoed_lines, self.dialogue_lines), "< 2%",
                   None if echoed is None else echoed < 0.02),
            Target("repeated_3gram", "texts with a repeated 3-gram", repeated,
                   pct(repeated, self.repeated, self.texts), "< 5%",
                   None if repeated is None else repeated < 0.05),
            Target("english_words", "English words", english,
                   pct(english, english_n, words), ">= 95%",
                   None if english is None else english >= 0.95),
            Target("steps_related", "plan steps related to their activity", related,
                   pct(related, self.related_steps, self.steps), ">= 80%",
                   None if related is None else related >= 0.80),
            Target("importance_distinct", "distinct importance values",
                   self.distinct_importance,
                   f"{self.distinct_importance} ({sum(self.importance.values())} observations)",
                   ">= 5", self.distinct_importance >= 5 if self.importance else None),
        ]  # fmt: skip
        recall = "not asked (--recall)"
        if self.recall is not None:
            r = self.recall
            recall = f"{r.recalled} of {r.asked}" + (
                f" ({r.share:.0%})" if r.share is not None else ""
            )
        out.append(
            Target("persona_recall", "persona facts recalled",
                   None if self.recall is None else self.recall.share, recall,
                   f">= {PASS_SHARE:.0%} (4 of 5)",
                   None if self.recall is None else self.recall.passed)
        )  # fmt: skip
        return out

    def to_json(self) -> JSON:
        """JSON-shaped form: headline with targets, per-purpose figures, examples, outcomes."""
        return {
            "db": self.db,
            "run": self.run,
            "headline": [{**asdict(t), "value": _round(t.value)} for t in self.headline()],
            "purposes": {k: p.to_json() for k, p in self.purposes.items()},
            "dialogue": {"lines": self.dialogue_lines, "echoed": self.echoed_lines},
            "steps": {
                "steps": self.steps,
                "related": self.related_steps,
                "threshold": self.step_threshold,
                "embedder": self.embedder,
            },
            "importance": {
                "observations": sum(self.importance.values()),
                "distinct": self.distinct_importance,
                "histogram": {str(k): n for k, n in sorted(self.importance.items())},
            },
            "memories": {"total": self.memories, "leaked": self.memories_leaked},
            "lm_outcomes": {**self.outcomes, "by_purpose": self.outcomes_by_purpose},
            "examples": {k: [asdict(e) for e in v] for k, v in self.examples.items()},
            "recall": self.recall.to_json() if self.recall is not None else None,
        }


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 4)
