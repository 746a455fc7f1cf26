"""Measuring the quality of generated text, so that nonsense cannot hide behind "all ok".

`score_run(db)` reads a recorded run and counts leaked templates, echoed dialogue, repeated
3-grams, non-English words, plan steps unrelated to their activity and the spread of importance
ratings; `persona_recall(db)` asks agents about the people they know. `sim inspect RUN
--quality [--recall]` prints both against the targets of the first-hour issue. The same checks
gate answers at call time (`sim.cognition.gate`). Names are imported lazily: cognition uses
`sim.quality.checks` and must not pull in the run readers.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "QualityReport": "sim.quality.report",
    "Target": "sim.quality.report",
    "score_run": "sim.quality.score",
    "RecallReport": "sim.quality.recall",
    "persona_recall": "sim.quality.recall",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sim.quality' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
