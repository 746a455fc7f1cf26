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
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from sim.embed.factory import make_embedder
from sim.embed.protocol import Embedder
from sim.llm.structured import extract_json
from sim.quality import checks
from sim.quality.checks import enum_values, round_robin
from sim.quality.report import Example, PurposeQuality, QualityReport
from sim.store.reader import RunReader
from sim.store.tables import LMCallRow
from sim.types import JSON

EXAMPLES = 5  # offending texts kept per check
OUTCOMES = ("ok", "invalid", "truncated", "rejected", "error", "fallback")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
Note = Callable[[str, str, str, str], None]  # (check, purpose, text, why): keep an example


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
        db=reader.label,
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
            check: round_robin(by_purpose.values(), n_examples)
            for check, by_purpose in found.items()
        },
    )


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
    """Plan steps from decompose events, and those related to their activity. An interjected
    gesture ("wave to Theo") is no step of the activity, and the steps after it were judged
    when they were planned."""
    pairs = [
        (step, event["block"])
        for event in reader.events(kind="decompose")
        if not event.get("interjection")
        for step in event.get("steps", [])
    ]
    relations = checks.step_relations(pairs, embedder, threshold)
    for r in relations:
        if not r.related:
            note("unrelated step", "decompose", r.step,
                 f"for {r.activity!r}: similarity {r.similarity:.2f}")  # fmt: skip
    return len(relations), sum(r.related for r in relations)
