"""`sim view`: the window's event loop, playback state and the headless screenshot path.

The `Viewer` holds only what the user changes (time, speed, camera, selection, panel); every
frame is drawn from the recorded run, so the same time always looks the same.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.clock import parse_time_of_day
from sim.errors import SimInputError
from sim.store.location import RunDb, short_name
from viewer.bar import Layout, TimelineBar
from viewer.camera import Camera
from viewer.follow import Follower
from viewer.inspector import (
    Panel,
    agent_panel,
    agent_report,
    conversation_panel,
    draw_panel,
    event_panel,
)
from viewer.render import Renderer
from viewer.source import RunSource
from viewer.text import Text
from viewer.timeline import Mark, Timeline

if TYPE_CHECKING:
    import pygame

SPEEDS = (1, 2, 4, 8, 16, 32, 64)  # ticks per second of wall time
HEADLESS_DRIVERS = ("dummy", "offscreen")
PAN_STEP = 48


class Viewer:
    """Playback and interaction over one run; `draw` renders the current state."""

    def __init__(self, source: RunSource, size: tuple[int, int], follow: bool = False) -> None:
        self.source = source
        self.model = source.timeline()
        self.text = Text()
        self.renderer = Renderer(self.model, self.text)
        self.bar = TimelineBar(self.model, self.text)
        self.layout = Layout(*size)
        self.camera = Camera(self.model.layers["width"], self.model.layers["height"], (0, 0, 1, 1))
        self.resize(size)
        self.camera.fit()
        self.follower = Follower(source, self.model) if follow else None
        self.t = float(max(0, self.model.last_tick) if follow else 0)
        self.playing = follow
        self.speed = 0  # index into SPEEDS
        self.running = True
        self.focus: tuple[str, Any] | None = (
            None  # ("agent", name) | ("conversation", c) | ("mark", m)
        )
        self.scroll = 0
        self.hits: list[Any] = []
        self.drag: str | None = None  # "scrub" or "pan"
        self.pointer: tuple[int, int] | None = None  # where the mouse is, for names on hover
        self._panel: tuple[Any, Panel] | None = None

    # --- state changes -------------------------------------------------------------------

    @property
    def tick(self) -> int:
        """The tick on screen."""
        return math.floor(self.t)

    def seek(self, tick: float) -> None:
        """Jump to a time (clamped to the recorded ticks)."""
        self.t = float(max(0.0, min(tick, max(0, self.model.last_tick))))

    def step(self, ticks: int) -> None:
        """Pause and move by whole ticks."""
        self.playing = False
        self.seek(self.tick + ticks)

    def select(self, agent: str | None) -> None:
        """Open the inspector on an agent (None closes the panel)."""
        self.open(("agent", agent) if agent else None)

    def open(self, focus: tuple[str, Any] | None) -> None:
        """Show something in the side panel."""
        if focus != self.focus:
            self.scroll = 0
        self.focus = focus

    def resize(self, size: tuple[int, int]) -> None:
        """Adopt a new window size."""
        self.layout = Layout(*size)
        self.camera.view = self.layout.map_view

    def update(self, dt: float) -> None:
        """Advance playback by `dt` wall seconds and, when following, read new ticks."""
        last = self.model.last_tick
        live = self.t >= last
        if self.follower and self.follower.poll() and live and self.playing:
            self.seek(self.model.last_tick)
        if self.playing:
            self.seek(self.t + dt * SPEEDS[self.speed])
            if self.t >= self.model.last_tick and not self.follower:
                self.playing = False

    # --- input ---------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        """Apply one pygame event."""
        import pygame

        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            self._key(event)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._click(event.pos)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button in (2, 3):
            self.drag = "pan"
        elif event.type == pygame.MOUSEBUTTONUP:
            self.drag = None
        elif event.type == pygame.MOUSEMOTION and self.drag is None:
            self.pointer = event.pos
        elif event.type == pygame.WINDOWLEAVE:
            self.pointer = None
        elif event.type == pygame.MOUSEMOTION and self.drag == "scrub":
            self.seek(self.layout.x_tick(event.pos[0], self.model.last_tick))
        elif event.type == pygame.MOUSEMOTION and self.drag == "pan":
            self.camera.pan(*event.rel)
        elif event.type == pygame.MOUSEWHEEL:
            pos = pygame.mouse.get_pos()
            if self.focus and pygame.Rect(self.layout.panel).collidepoint(pos):
                self.scroll = max(0, self.scroll - event.y * 40)
            elif not self.layout.in_bar(pos[1]):
                self.camera.zoom(event.y, pos)
        elif event.type == pygame.VIDEORESIZE:
            self.resize((event.w, event.h))

    def _key(self, event: pygame.event.Event) -> None:
        import pygame

        key = event.key
        center = (self.layout.map_view[2] // 2, self.layout.map_view[3] // 2)
        pans = {pygame.K_LEFT: (1, 0), pygame.K_RIGHT: (-1, 0), pygame.K_UP: (0, 1)}
        pans[pygame.K_DOWN] = (0, -1)
        if key == pygame.K_SPACE:
            if not self.playing and self.t >= self.model.last_tick and not self.follower:
                self.seek(0)
            self.playing = not self.playing
        elif key in (pygame.K_PERIOD, pygame.K_COMMA):
            self.step(1 if key == pygame.K_PERIOD else -1)
        elif key in (pygame.K_RIGHTBRACKET, pygame.K_LEFTBRACKET):
            faster = 1 if key == pygame.K_RIGHTBRACKET else -1
            self.speed = max(0, min(len(SPEEDS) - 1, self.speed + faster))
        elif pygame.K_1 <= key < pygame.K_1 + len(SPEEDS):
            self.speed = key - pygame.K_1
        elif key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.camera.zoom(1, center)
        elif key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.camera.zoom(-1, center)
        elif key in pans:
            dx, dy = pans[key]
            self.camera.pan(dx * PAN_STEP, dy * PAN_STEP)
        elif key in (pygame.K_HOME, pygame.K_END):
            self.playing = False
            self.seek(0 if key == pygame.K_HOME else self.model.last_tick)
        elif key == pygame.K_f:
            self.camera.fit()
        elif key == pygame.K_ESCAPE:
            self.open(None)
        elif key == pygame.K_q:
            self.running = False

    def _click(self, pos: tuple[int, int]) -> None:
        import pygame

        x, y = pos
        if self.layout.in_bar(y):
            mark = self.bar.mark_at(self.layout, x, y)
            if mark is not None:
                self.open_mark(mark)
            elif y >= self.layout.strip[1] - 3:
                self.drag = "scrub"
                self.seek(self.layout.x_tick(x, self.model.last_tick))
            return
        panel = pygame.Rect(self.layout.panel)
        if self.focus and panel.collidepoint(pos):
            if y < panel.y + 34 and x > panel.right - 50:
                self.open(None)
            return
        for hit in reversed(self.hits):
            if pygame.Rect(hit.rect).collidepoint(pos):
                talk = self.model.conversation_at(hit.agent, self.tick)
                if hit.kind == "bubble" and talk is not None:
                    self.open(("conversation", talk))
                else:
                    self.select(hit.agent)
                return

    def open_mark(self, mark: Mark) -> None:
        """Jump to a timeline mark and show what it records."""
        self.playing = False
        self.seek(mark.tick)
        kind = "conversation" if mark.kind == "conversation" else "mark"
        self.open((kind, mark.data if kind == "conversation" else mark))

    # --- drawing -------------------------------------------------------------------------

    def panel(self) -> Panel | None:
        """The side panel's content now (rebuilt only when its subject or the tick changes)."""
        if self.focus is None:
            return None
        kind, subject = self.focus
        key = (kind, id(subject) if kind != "agent" else subject, self.tick, self.model.last_tick)
        if self._panel is None or self._panel[0] != key:
            if kind == "agent":
                report = agent_report(self.model, self.source, subject, self.tick)
                panel = agent_panel(self.model, report)
            elif kind == "conversation":
                panel = conversation_panel(self.model, subject)
            else:
                panel = event_panel(self.model, self.source, subject)
            self._panel = (key, panel)
        return self._panel[1]

    def draw(self, screen: pygame.Surface) -> None:
        """Render the whole window for the current state."""
        import pygame

        selected = self.focus[1] if self.focus and self.focus[0] == "agent" else None
        vx, vy, _vw, vh = self.layout.map_view
        free = (vx, vy, self.layout.panel[0] - vx, vh) if self.focus else None
        self.hits = self.renderer.draw_world(
            screen, self.camera, self.t, selected, self.pointer, free
        )
        status = f"{SPEEDS[self.speed]}x"
        if self.follower:
            status += f" · following ({self.follower.status})"
        self.bar.draw(screen, self.layout, self.t, self.playing, status)
        panel = self.panel()
        if panel is not None:
            rect = pygame.Rect(self.layout.panel)
            height = draw_panel(screen, self.text, panel, rect, self.scroll)
            self.scroll = min(self.scroll, max(0, height - rect.h + 60))


def tick_at(model: Timeline, text: str) -> int:
    """`--at`: a tick number, "HH:MM" or "day N HH:MM" as a recorded tick."""
    last = model.last_tick
    if last < 0:
        raise SimInputError("--at", "at", "the run has no ticks yet", "view it without --at")
    if text.strip().isdigit():
        tick = int(text)
    else:
        try:
            tick = model.tick_at_time(parse_time_of_day(text))
        except ValueError as exc:
            raise SimInputError("--at", "at", str(exc), 'e.g. --at "day 1 09:30"') from None
    if not 0 <= tick <= last:
        span = f"{model.label(0)} to {model.label(last)}, ticks 0-{last}"
        raise SimInputError("--at", "at", f"{text!r} is outside the run ({span})")
    return tick


def parse_size(text: str) -> tuple[int, int]:
    """`--size 1280x800` as (width, height)."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m or int(m.group(1)) < 640 or int(m.group(2)) < 400:
        raise SimInputError(
            "--size", "size", f"expected WIDTHxHEIGHT of at least 640x400, got {text!r}"
        )
    return int(m.group(1)), int(m.group(2))


def view(
    db: RunDb,
    *,
    follow: bool = False,
    at: str | None = None,
    screenshot: Path | None = None,
    agent: str | None = None,
    size: str = "1280x800",
) -> None:
    """Open the viewer on a run database (or render one frame to a PNG and exit)."""
    if importlib.util.find_spec("pygame") is None:  # a light install leaves the viewer out
        raise SimInputError(
            "sim view", "pygame", "the viewer needs pygame, which is not installed",
            'run `pip install -e ".[viewer]"`',
        )  # fmt: skip
    width, height = parse_size(size)
    if screenshot is not None:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    else:
        check_display(os.environ, sys.platform)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    source = RunSource(db)
    import pygame

    try:
        viewer = Viewer(source, (width, height), follow=follow and screenshot is None)
        if at is not None:
            viewer.seek(tick_at(viewer.model, at))
        if agent is not None:
            if agent not in viewer.model.tracks:
                names = ", ".join(viewer.model.agents)
                raise SimInputError("--agent", "agent", f"no agent {agent!r}", f"one of: {names}")
            viewer.select(agent)
        screen = open_window(width, height, screenshot is not None)
        pygame.display.set_caption(f"sim view · {short_name(db)}")
        if screenshot is not None:
            save_screenshot(viewer, screen, screenshot)
        else:
            run_loop(viewer, screen, short_name(db))
    finally:
        pygame.quit()
        source.close()


def no_display(problem: str) -> SimInputError:
    """The one line for a window that cannot open: say how to get a picture anyway."""
    return SimInputError(
        "sim view", "display", problem, "use --screenshot out.png, or run where a display exists"
    )


def check_display(env: MutableMapping[str, str], platform: str) -> None:
    """Refuse at once on Linux with no X11 or Wayland display, where SDL would otherwise fall
    back to an invisible window and the viewer would wait forever. With only one of the two
    set, SDL is told to use it, so an unreachable display fails instead of falling back."""
    if not platform.startswith("linux") or env.get("SDL_VIDEODRIVER"):
        return
    x11, wayland = env.get("DISPLAY"), env.get("WAYLAND_DISPLAY")
    if not x11 and not wayland:
        raise no_display("no display to open a window on ($DISPLAY and $WAYLAND_DISPLAY are unset)")
    if not (x11 and wayland):
        env["SDL_VIDEODRIVER"] = "x11" if x11 else "wayland"


def open_window(width: int, height: int, headless: bool) -> pygame.Surface:
    """The window (or, for a screenshot, an off-screen surface of the same size)."""
    import pygame

    try:
        pygame.display.init()
        driver = pygame.display.get_driver()
        if not headless and driver in HEADLESS_DRIVERS:
            raise no_display(f"SDL's {driver!r} video driver shows no window")
        return pygame.display.set_mode((width, height), 0 if headless else pygame.RESIZABLE)
    except pygame.error as exc:
        raise no_display(f"SDL cannot open a window ({exc})") from None


def save_screenshot(viewer: Viewer, screen: pygame.Surface, path: Path) -> None:
    """Draw one frame and write it as an image."""
    import pygame

    viewer.draw(screen)
    try:
        pygame.image.save(screen, str(path))
    except (pygame.error, OSError) as exc:
        raise SimInputError(str(path), "--screenshot", f"cannot write the image ({exc})") from None


def run_loop(viewer: Viewer, screen: pygame.Surface, name: str) -> None:
    """Poll input, advance playback and draw at up to 60 frames a second until closed."""
    import pygame

    clock = pygame.time.Clock()
    shown = time.monotonic()
    try:
        while viewer.running:
            dt = min(0.25, clock.tick(60) / 1000)
            for event in pygame.event.get():
                viewer.handle(event)
            viewer.update(dt)
            viewer.draw(pygame.display.get_surface() or screen)
            pygame.display.flip()
            if time.monotonic() - shown > 1:
                shown = time.monotonic()
                pygame.display.set_caption(f"sim view · {name} · {clock.get_fps():.0f} fps")
    except KeyboardInterrupt:
        pass
