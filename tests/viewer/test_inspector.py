"""The inspector shows the recorded plan, the memories retrieved for the last decision, and
reflections with their evidence: the answer to "why did she do that?"."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pygame

from sim.store.reader import RunReader
from viewer.app import Viewer
from viewer.inspector import agent_panel, agent_report, conversation_panel
from viewer.timeline import Mark

MakeViewer = Callable[..., tuple[Viewer, pygame.Surface]]


def panel_text(viewer: Viewer) -> str:
    panel = viewer.panel()
    assert panel is not None
    return "\n".join(line.text for line in panel.lines)


def test_agent_report_shows_the_recorded_plan_and_retrieved_memories(
    run_db: Path, make_viewer: MakeViewer
) -> None:
    viewer, screen = make_viewer(run_db)
    agent, tick = "Eleanor Hale", 150
    reader = RunReader(run_db)
    plan = [e for e in reader.events("plan_day", agent) if e["tick"] <= tick][-1]["plan"]
    reader.close()
    with sqlite3.connect(f"file:{run_db}?mode=ro", uri=True) as db:
        (memories,) = db.execute(
            "SELECT memories_json FROM retrieval WHERE agent = ? AND tick <= ?"
            " ORDER BY id DESC LIMIT 1",
            (agent, tick),
        ).fetchone()
    report = agent_report(viewer.model, viewer.source, agent, tick)
    assert list(report.plan) == plan and report.plan_now is not None
    assert report.retrieval is not None
    assert report.retrieval["memories"] == json.loads(memories)
    assert report.action == viewer.model.frame(agent, tick).action  # type: ignore[union-attr]

    viewer.seek(tick)
    viewer.select(agent)
    viewer.draw(screen)  # draws without error with the panel open
    text = panel_text(viewer)
    assert all(line in text for line in plan)
    first = json.loads(memories)[0]
    assert first["text"] in text and f"relevance {first['relevance']:.2f}" in text
    assert agent_panel(viewer.model, report) == viewer.panel()


def test_reflections_come_with_their_evidence(run_db: Path, make_viewer: MakeViewer) -> None:
    viewer, _ = make_viewer(run_db)
    reflection = next(m for m in viewer.model.marks if m.kind == "reflection")
    agent, ids = reflection.agent, reflection.data["evidence"]
    report = agent_report(viewer.model, viewer.source, agent, viewer.model.last_tick)
    reader = RunReader(run_db)
    texts = {m.id: m.text for m in reader.memories(agent)}
    reader.close()
    insight = reflection.data["insight"]
    evidence = next(r[2] for r in report.reflections if r[:2] == (reflection.tick, insight))
    assert list(evidence) == [texts[i] for i in ids]
    before = agent_report(viewer.model, viewer.source, agent, reflection.tick - 1)
    assert all(r[0] < reflection.tick for r in before.reflections)  # only reflections so far


def click(viewer: Viewer, pos: tuple[int, int]) -> None:
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))


def click_mark(viewer: Viewer, mark: Mark) -> None:
    layout, last = viewer.layout, viewer.model.last_tick
    x = layout.tick_x(mark.tick, last) + 1
    click(viewer, (x, layout.strip[1] + layout.strip[3] - 2))


def test_clicking_a_conversation_mark_opens_its_transcript(
    talk_db: Path, make_viewer: MakeViewer
) -> None:
    viewer, screen = make_viewer(talk_db)
    viewer.draw(screen)
    mark = next(m for m in viewer.model.marks if m.kind == "conversation")
    click_mark(viewer, mark)
    assert viewer.tick == mark.tick == 100
    text = panel_text(viewer)
    for speaker, line in mark.data["lines"]:
        assert speaker in text and line in text
    assert viewer.panel() == conversation_panel(viewer.model, mark.data)


def test_speech_bubble_shows_the_line_and_opens_the_transcript(
    talk_db: Path, make_viewer: MakeViewer
) -> None:
    viewer, screen = make_viewer(talk_db)
    viewer.seek(102)
    viewer.draw(screen)
    bubbles = [h for h in viewer.hits if h.kind == "bubble"]
    assert [b.agent for b in bubbles] == ["Theo Okafor"]  # drawn once, over the speaker
    click(viewer, pygame.Rect(bubbles[0].rect).center)
    assert "I'll bring bread." in panel_text(viewer)


def test_unknown_event_kinds_get_a_generic_mark(talk_db: Path, make_viewer: MakeViewer) -> None:
    viewer, screen = make_viewer(talk_db)
    mark = next(m for m in viewer.model.marks if m.kind == "intervention")
    viewer.draw(screen)
    click_mark(viewer, mark)
    viewer.draw(screen)
    assert viewer.tick == 50 and "note: rain starts" in panel_text(viewer)
