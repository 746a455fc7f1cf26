"""Rendering shows agents where the run recorded them, and the same time gives the same pixels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from viewer.app import Viewer
from viewer.timeline import agent_color

MakeViewer = Callable[..., tuple[Viewer, pygame.Surface]]


def body_pixel(viewer: Viewer, x: float, y: float) -> tuple[int, int]:
    """A point inside an agent's disc, below its initials and inside its outline."""
    sx, sy = viewer.camera.to_screen(x, y)
    r = max(4, round(viewer.camera.tile * 0.42))
    return sx, sy + round(r * 0.6)


def check_agents(viewer: Viewer, screen: pygame.Surface) -> int:
    """Assert every agent alone on its tile and clear of bubbles has its colour there."""
    tiles = {}
    for name in viewer.model.agents:
        frame = viewer.model.frame(name, viewer.tick)
        if frame:
            tiles.setdefault((frame.x, frame.y), []).append(name)
    bubbles = [pygame.Rect(h.rect) for h in viewer.hits if h.kind == "bubble"]
    checked = 0
    for (x, y), names in tiles.items():
        point = body_pixel(viewer, x, y)
        if len(names) > 1 or any(b.collidepoint(point) for b in bubbles):
            continue
        assert tuple(screen.get_at(point))[:3] == agent_color(names[0]), (names, viewer.tick)
        checked += 1
    return checked


@pytest.mark.parametrize("tick", [0, 45, 150, 239])
def test_agents_are_drawn_at_their_recorded_tiles(
    run_db: Path, make_viewer: MakeViewer, tick: int
) -> None:
    viewer, screen = make_viewer(run_db)
    viewer.seek(tick)
    viewer.draw(screen)
    assert check_agents(viewer, screen) >= 2


def test_agents_glide_between_ticks(run_db: Path, make_viewer: MakeViewer) -> None:
    viewer, screen = make_viewer(run_db)
    model = viewer.model
    walker, tick = next(
        (name, t)
        for t in range(1, 200)
        for name in model.agents
        if (a := model.frame(name, t)) and (b := model.frame(name, t + 1)) and a[2:4] != b[2:4]
    )
    a, b = model.frame(walker, tick), model.frame(walker, tick + 1)
    assert a and b
    viewer.seek(tick + 0.5)
    viewer.draw(screen)
    point = body_pixel(viewer, (a.x + b.x) / 2, (a.y + b.y) / 2)
    assert tuple(screen.get_at(point))[:3] == agent_color(walker)


def click(viewer: Viewer, pos: tuple[int, int], button: int = 1) -> None:
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))


def test_scrubbing_back_and_forth_gives_the_same_frame(
    run_db: Path, make_viewer: MakeViewer
) -> None:
    stepped, screen_a = make_viewer(run_db)
    scrubbed, screen_b = make_viewer(run_db)
    for viewer in (stepped, scrubbed):
        viewer.select("Theo Okafor")
    for _ in range(120):  # one tick at a time with the "." key, drawing on the way
        stepped.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PERIOD))
        stepped.draw(screen_a)
    layout, last = scrubbed.layout, scrubbed.model.last_tick
    y = layout.track[1] + 3
    click(scrubbed, (layout.tick_x(last, last), y))  # to the end, then drag back
    scrubbed.draw(screen_b)
    for tick in (200, 60, 120):
        pos = (layout.tick_x(tick, last), y)
        scrubbed.handle(
            pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(1, 0, 0))
        )
        scrubbed.draw(screen_b)
    scrubbed.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
    assert stepped.tick == scrubbed.tick == 120
    assert pygame.image.tobytes(screen_a, "RGB") == pygame.image.tobytes(screen_b, "RGB")


def test_clicking_an_agent_opens_its_inspector(run_db: Path, make_viewer: MakeViewer) -> None:
    viewer, screen = make_viewer(run_db)
    viewer.seek(100)
    viewer.draw(screen)
    agent = next(h for h in viewer.hits if h.kind == "agent")
    click(viewer, pygame.Rect(agent.rect).center)
    panel = viewer.panel()
    assert panel is not None and panel.title == agent.agent


def test_screenshot_command_renders_the_requested_time(run_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    before = run_db.read_bytes()
    args = ["view", str(run_db), "--at", "day 1 07:20", "--screenshot", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert run_db.read_bytes() == before  # the viewer never writes to the run
    image = pygame.image.load(str(out))
    assert image.get_size() == (1280, 800)
    from viewer.source import RunSource

    source = RunSource(run_db)
    try:
        viewer = Viewer(source, image.get_size())
        viewer.seek(120)  # 07:20 is 20 minutes of 10-second ticks after 07:00
        viewer.draw(pygame.Surface(image.get_size()))
        assert check_agents(viewer, image) >= 2
    finally:
        source.close()
