"""Measuring the quality of generated text, so that nonsense cannot hide behind "all ok".

`score_run(db)` reads a recorded run and counts leaked templates, echoed dialogue, repeated
3-grams, non-English words, plan steps unrelated to their activity and the spread of importance
ratings; `persona_recall(db)` asks agents about the people they know. `sim inspect RUN
--quality [--recall]` prints both against the targets of the first-hour issue.
"""

from sim.quality.recall import RecallReport, persona_recall
from sim.quality.score import QualityReport, Target, score_run

__all__ = ["QualityReport", "RecallReport", "Target", "persona_recall", "score_run"]
