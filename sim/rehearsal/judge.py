"""The rubric judge: one structured LM call per criterion, each checked against the transcript.

A score is only as good as its evidence. The judge must quote the transcript; a quote that does
not occur in it (after normalising case, whitespace and surrounding quote marks) is flagged and
its score marked unsupported, so an invented justification never passes for feedback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sim.cognition.context import Cognition
from sim.prompts import rehearsal
from sim.rehearsal.rubric import Rubric
from sim.types import JSON

JUDGED_LINES = 24  # the most recent lines shown to the judge; the embedded model's context is small
_SPACE = re.compile(r"\s+")
_EDGES = " \t\"'“”‘’«».,;:!?…-"


@dataclass(frozen=True)
class Score:
    """One criterion's judgement of one attempt."""

    criterion: str
    name: str
    weight: float
    score: int
    quote: str
    improvement: str
    supported: bool  # the quote occurs in the transcript

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        return asdict(self)


def normalise(text: str) -> str:
    """Lower case, single spaces, no quote marks or punctuation at either end."""
    return _SPACE.sub(" ", text).strip(_EDGES).lower()


def quoted(quote: str, transcript: Sequence[str]) -> bool:
    """Whether `quote` occurs in the transcript (any line or across lines), once normalised."""
    needle = normalise(quote)
    return bool(needle) and needle in normalise(" ".join(transcript))


def judge(
    rubric: Rubric, scenario: str, you: str, transcript: Sequence[str], cog: Cognition
) -> list[Score]:
    """Score every criterion of `rubric` on `transcript` ("Speaker: text" lines)."""
    shown = list(transcript[-JUDGED_LINES:])
    scores = []
    for criterion in rubric.criteria:
        call = rehearsal.judge(
            rubric.name,
            criterion.name,
            criterion.description,
            criterion.levels,
            scenario,
            you,
            shown,
        )
        said = cog.ask("judge", call, f"score {criterion.id}")
        scores.append(
            Score(
                criterion=criterion.id,
                name=criterion.name,
                weight=criterion.weight,
                score=said.score,
                quote=said.quote.strip(),
                improvement=said.improvement.strip(),
                supported=quoted(said.quote, transcript),
            )
        )
    return scores


def overall(scores: Sequence[Score]) -> float | None:
    """The weighted mean score, or None when nothing was scored."""
    total = sum(s.weight for s in scores)
    return sum(s.weight * s.score for s in scores) / total if total else None
