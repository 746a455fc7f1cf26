"""Score a recorded run's generated text against the first-hour targets (issue 8).

Everything comes from the run database: the written text of every successful LM answer (its
free-text string fields; choices from a schema enum are not writing), the dialogue lines of
finished conversations, the plan steps of decompose events and the importance of observation
memories. LM outcomes are counted too, so a run that "succeeds" by falling back is visible.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from sim.embed.factory import make_embedder
from sim.embed.protocol import Embedder
from sim.llm.structured import extract_json
from sim.quality import checks
from sim.quality.recall import RecallReport
from sim.store.reader import RunReader
from sim.store.tables import LMCallRow
from sim.types import JSON

EXAMPLES = 5  # offending texts kept per check
OUTCOMES = ("ok", "invalid", "truncated", "rejected", "error", "fallback")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
Note = Callable[[str, str, str, str], None]  # (check, purpose, text, why): keep an example


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
        if self.recall is None:
            out.append(
                Target("persona_recall", "persona facts recalled", None,
                       "not asked (--recall)", ">= 4 of 5", None)
            )  # fmt: skip
        else:
            r = self.recall
            value = share(r.recalled, r.asked)
            out.append(
                Target("persona_recall", "persona facts recalled", value,
                       f"{r.recalled} of {r.asked}", ">= 4 of 5",
                       None if value is None else value >= 0.8)
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


def written_texts(response: str, schema: JSON | None = None) -> list[str]:
    """The free-text strings of an answer: every string value (each item of a list of
    strings counts), less empty ones and those the schema offered as choices."""
    try:
        data = json.loads(extract_json(response))
    except json.JSONDecodeError:
        return []
    choices = enum_values(schema) if schema else set()

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            if value.strip() and value not in choices:
                yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    return list(walk(data))


def _world_names(reader: RunReader) -> frozenset[str]:
    """Words of the world's proper names: agents, areas, arenas, objects, and the capitalised
    words of the persona files (Peter, Pimiento, Earl Grey), which count as English."""
    names = list(reader.agent_names())

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "name" and isinstance(v, str):
                    names.append(v)
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(json.loads(reader.run.world_json))
    persona_text = json.dumps(reader.personas(), ensure_ascii=False)
    names += _CAPITALISED.findall(persona_text)
    return checks.name_words(names)


def score_run(
    db: str | Path,
    *,
    embedder: Embedder | str | None = None,
    threshold: float = checks.STEP_THRESHOLD,
    examples: int = EXAMPLES,
) -> QualityReport:
    """Score the generated text of the run in `db` (read-only; no LM calls).

    `embedder` judges plan steps against their activities: an `Embedder`, a name for
    `make_embedder`, or (default) the embedder the run was recorded with.
    """
    reader = RunReader(db)
    try:
        return _score(reader, embedder, threshold, examples)
    finally:
        reader.close()


def _score(
    reader: RunReader, embedder: Embedder | str | None, threshold: float, n_examples: int
) -> QualityReport:
    run = reader.run
    vectors = (
        embedder if isinstance(embedder, Embedder) else make_embedder(embedder or run.embedder)
    )
    extra = _world_names(reader)
    found: dict[str, dict[str, list[Example]]] = {}

    def note(check: str, purpose: str, text: str, why: str) -> None:
        kept = found.setdefault(check, {}).setdefault(purpose, [])
        if len(kept) < n_examples and all(e.text != text for e in kept):
            kept.append(Example(purpose, text, why))

    purposes: dict[str, PurposeQuality] = {}
    with Session(reader.engine) as s:
        rows = s.exec(
            select(LMCallRow.purpose, LMCallRow.request_json, LMCallRow.response)
            .where(LMCallRow.outcome == "ok")
            .order_by(col(LMCallRow.id))
        )
        for purpose, request_json, response in rows:
            p = purposes.setdefault(purpose, PurposeQuality(purpose))
            p.answers += 1
            schema = json.loads(request_json).get("schema")
            for text in written_texts(response, schema):
                _check_text(p, text, extra, note)
    purposes = dict(sorted(purposes.items()))

    lines, echoed = _dialogue(reader, note)
    steps, related = _steps(reader, vectors, threshold, note)

    memories = reader.memories()
    leaked_memories = 0
    for m in memories:
        leak = checks.leakage(m.text)
        if leak.flagged:
            leaked_memories += 1
            note("memory leakage", m.kind, m.text, "; ".join(leak.reasons))
    importance = Counter(m.importance for m in memories if m.kind == "observation")

    stats = reader.lm_stats()
    last = reader.last_tick()
    return QualityReport(
        db=str(reader.path),
        run={
            "world": run.world_name,
            "lm": run.lm,
            "embedder": run.embedder,
            "seed": run.seed,
            "ticks": run.ticks,
            "status": run.status,
            "game_hours": round(run.ticks * run.tick_seconds / 3600, 2),
            "last_tick": last.tick if last else None,
        },
        purposes=purposes,
        dialogue_lines=lines,
        echoed_lines=echoed,
        steps=steps,
        related_steps=related,
        step_threshold=threshold,
        embedder=vectors.name,
        importance=dict(sorted(importance.items())),
        outcomes={k: int(stats.get(k, 0)) for k in OUTCOMES},
        outcomes_by_purpose={
            purpose: {k: int(v.get(k, 0)) for k in OUTCOMES}
            for purpose, v in sorted(stats["by_purpose"].items())
        },
        memories=len(memories),
        memories_leaked=leaked_memories,
        examples={
            check: _interleave(by_purpose, n_examples) for check, by_purpose in found.items()
        },
    )


def _interleave(by_purpose: dict[str, list[Example]], n: int) -> list[Example]:
    """Up to `n` examples taken from each purpose in turn, so one purpose cannot hide another."""
    queues = [list(v) for v in by_purpose.values()]
    out: list[Example] = []
    while len(out) < n and any(queues):
        for queue in queues:
            if queue and len(out) < n:
                out.append(queue.pop(0))
    return out


def _check_text(p: PurposeQuality, text: str, extra: frozenset[str], note: Note) -> None:
    """Run the per-text checks on one written string and add it to its purpose's counts."""
    p.texts += 1
    leak = checks.leakage(text)
    if leak.flagged:
        p.leaked += 1
        note("leakage", p.purpose, text, "; ".join(leak.reasons))
    repeat = checks.repeated_ngrams(text)
    if repeat.flagged:
        p.repeated += 1
        note("repeated 3-gram", p.purpose, text, "repeats: " + ", ".join(repeat.reasons[:3]))
    share = checks.english_share(text, extra)
    p.words += share.words
    p.english += share.english
    p.unknown.update(w.lower() for w in share.unknown)
    if share.share is not None and share.share < 0.5:
        note("not English", p.purpose, text, "unknown: " + ", ".join(share.unknown[:5]))


def _dialogue(reader: RunReader, note: Note) -> tuple[int, int]:
    """Dialogue lines of finished conversations, and those that echo (prefix or copy)."""
    lines = echoed = 0
    for convo in reader.conversations():
        previous: str | None = None
        for who, text in convo["lines"]:
            lines += 1
            finding = checks.echo(text, convo["participants"], previous)
            if finding.flagged:
                echoed += 1
                note("echo", "dialogue", f"{who}: {text}", "; ".join(finding.reasons))
            previous = text
    return lines, echoed


def _steps(reader: RunReader, embedder: Embedder, threshold: float, note: Note) -> tuple[int, int]:
    """Plan steps from decompose events, and those related to their activity."""
    pairs = [
        (step, event["block"])
        for event in reader.events(kind="decompose")
        for step in event.get("steps", [])
    ]
    relations = checks.step_relations(pairs, embedder, threshold)
    for r in relations:
        if not r.related:
            note("unrelated step", "decompose", r.step,
                 f"for {r.activity!r}: similarity {r.similarity:.2f}")  # fmt: skip
    return len(relations), sum(r.related for r in relations)
