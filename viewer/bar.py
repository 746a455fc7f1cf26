"""The window layout and the timeline bar: clock, play state, speed, hour ticks and marks.

Marks (conversations, reflections, any other recorded event kind) can number thousands in a
day-long run, so they are drawn once into a cached overlay, redrawn only when the run grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.clock import label
from viewer.timeline import Mark, Timeline

if TYPE_CHECKING:
    import pygame

    from viewer.text import Text

BAR_H = 70
PANEL_W = 400
MARGIN = 16
MARK_COLORS = {
    "conversation": (110, 170, 255),
    "reflection": (200, 120, 255),
    "intervention": (255, 150, 40),  # what an experimenter did: stands out from the agents' own
    "reset": (230, 70, 70),
}
OTHER_MARK = (255, 170, 60)
HOUR_STEPS = (600, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
HELP = "space play · ,/. step · [/] speed · wheel zoom · right-drag pan · F fit · click agent"


@dataclass(frozen=True)
class Layout:
    """Where things go in a window of `w` x `h` pixels."""

    w: int
    h: int

    @property
    def map_view(self) -> tuple[int, int, int, int]:
        """The map's rectangle (the panel floats over its right side)."""
        return 0, 0, self.w, self.h - BAR_H

    @property
    def panel(self) -> tuple[int, int, int, int]:
        """The inspector panel's rectangle."""
        return self.w - PANEL_W, 0, PANEL_W, self.h - BAR_H

    @property
    def strip(self) -> tuple[int, int, int, int]:
        """The row of marks above the track."""
        return MARGIN, self.h - BAR_H + 28, self.w - 2 * MARGIN, 13

    @property
    def track(self) -> tuple[int, int, int, int]:
        """The scrub track."""
        return MARGIN, self.h - BAR_H + 42, self.w - 2 * MARGIN, 9

    def in_bar(self, y: int) -> bool:
        """Whether a screen row belongs to the timeline bar."""
        return y >= self.h - BAR_H

    def tick_x(self, tick: float, last: int) -> int:
        """Screen x of a tick on the track."""
        x, _, w, _ = self.track
        return x + round(w * tick / max(1, last))

    def x_tick(self, x: int, last: int) -> int:
        """The tick under screen x (clamped to the run)."""
        tx, _, w, _ = self.track
        return max(0, min(last, round((x - tx) * max(1, last) / w)))


class TimelineBar:
    """Draws the bar and finds the mark under a click."""

    def __init__(self, model: Timeline, text: Text) -> None:
        self.model = model
        self.text = text
        self._cache: tuple[tuple[int, int, int, int], pygame.Surface] | None = None

    def draw(
        self, screen: pygame.Surface, layout: Layout, t: float, playing: bool, status: str
    ) -> None:
        """The bar at fractional tick `t`; `status` is the speed and follow text."""
        import pygame

        model, last = self.model, max(0, self.model.last_tick)
        key = (layout.w, layout.h, last, len(model.marks))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._static(layout))
        screen.blit(self._cache[1], (0, layout.h - BAR_H))
        tx, ty, _, th = layout.track
        px = layout.tick_x(t, last) if model.last_tick >= 0 else tx
        pygame.draw.rect(screen, (120, 160, 230), (tx, ty, px - tx, th))
        strip_top = layout.strip[1]
        pygame.draw.line(screen, (255, 255, 255), (px, strip_top - 2), (px, ty + th + 1), 2)
        top = layout.h - BAR_H + 6
        self._play_icon(screen, MARGIN, top + 2, playing)
        tick = int(t)
        now = model.time(tick)
        clock = f"{label(now)}:{now % 60:02d}" if model.last_tick >= 0 else "no ticks yet"
        x = MARGIN + 22
        for part, size, color, bold in (
            (clock, 15, (245, 245, 250), True),
            (f"tick {tick} / {last}", 13, (170, 174, 190), False),
            (status, 13, (255, 210, 120), False),
        ):
            surface = self.text.render(part, size, color, bold)
            screen.blit(surface, (x, top + (0 if bold else 2)))
            x += surface.get_width() + 18
        help_text = self.text.render(HELP, 12, (130, 134, 150))
        if help_text.get_width() < layout.w - x - MARGIN:
            screen.blit(help_text, (layout.w - MARGIN - help_text.get_width(), top + 3))

    @staticmethod
    def _play_icon(screen: pygame.Surface, x: int, y: int, playing: bool) -> None:
        import pygame

        color = (245, 245, 250)
        if playing:
            pygame.draw.polygon(screen, color, [(x, y), (x, y + 14), (x + 12, y + 7)])
        else:
            pygame.draw.rect(screen, color, (x, y, 4, 14))
            pygame.draw.rect(screen, color, (x + 7, y, 4, 14))

    def _static(self, layout: Layout) -> pygame.Surface:
        """Background, track, hour ticks and marks; offsets are relative to the bar's top."""
        import pygame

        model, last, top = self.model, max(0, self.model.last_tick), layout.h - BAR_H
        bar = pygame.Surface((layout.w, BAR_H))
        bar.fill((32, 34, 42))
        tx, ty, tw, th = layout.track
        pygame.draw.rect(bar, (64, 68, 84), (tx, ty - top, tw, th))
        seconds = max(1, last) * model.tick_seconds
        step = next((s for s in HOUR_STEPS if tw * s / seconds >= 70), HOUR_STEPS[-1])
        first = -(-model.time(0) // step) * step
        for when in range(first, model.time(last) + 1, step):
            x = layout.tick_x((when - model.start_time) / model.tick_seconds, last)
            pygame.draw.line(bar, (110, 114, 130), (x, ty - top + th), (x, ty - top + th + 3))
            text = label(when)
            text = text[-5:] if when % 86400 else text
            surface = self.text.render(text, 10, (150, 154, 170))
            bar.blit(surface, surface.get_rect(midtop=(x, ty - top + th + 4)))
        _, sy, _, sh = layout.strip
        for mark in model.marks:
            x = layout.tick_x(mark.tick, last)
            color = MARK_COLORS.get(mark.kind, OTHER_MARK)
            if mark.kind == "conversation":
                w = max(2, layout.tick_x(mark.tick + mark.ticks, last) - x)
                pygame.draw.rect(bar, color, (x, sy - top + sh // 2, w, sh // 2))
            elif mark.kind == "reflection":
                pygame.draw.line(bar, color, (x, sy - top), (x, sy - top + sh // 2), 1)
            else:
                y = sy - top
                pygame.draw.polygon(bar, color, [(x - 4, y), (x + 4, y), (x, y + 7)])
        return bar

    def mark_at(self, layout: Layout, x: int, y: int) -> Mark | None:
        """The mark nearest a click on the marks row (within a few pixels)."""
        _, sy, _, sh = layout.strip
        if not sy - 3 <= y <= sy + sh + 2:
            return None
        last = max(0, self.model.last_tick)
        best, best_d = None, 6
        for mark in self.model.marks:
            x0 = layout.tick_x(mark.tick, last)
            x1 = layout.tick_x(mark.tick + mark.ticks, last)
            d = 0 if x0 <= x <= x1 else min(abs(x - x0), abs(x - x1))
            if d < best_d:
                best, best_d = mark, d
        return best
