"""Drawing: the map (cached per zoom), objects, agents with labels and speech bubbles.

Everything drawn is a function of (model, camera, time, selection), never of how the viewer got
to that time, so scrubbing back and forth gives the same pixels.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from typing import TYPE_CHECKING, Any, NamedTuple

from viewer.camera import Camera
from viewer.timeline import Timeline, agent_color, initials, ink

if TYPE_CHECKING:
    import pygame

    from viewer.text import Text

Color = tuple[int, int, int]
VOID: Color = (24, 26, 32)
FLOOR: Color = (206, 200, 186)
WALL: Color = (74, 78, 90)
OUTLINE: Color = (25, 25, 30)
ACCENT: Color = (240, 150, 40)
PLATE: Color = (250, 250, 245)


class Hit(NamedTuple):
    """A clickable thing drawn this frame: an agent or a speech bubble."""

    rect: tuple[int, int, int, int]
    kind: str
    agent: str


def area_color(area: str, shade: int) -> Color:
    """A pastel floor tint per area; its arenas differ slightly in lightness."""
    hue = int.from_bytes(hashlib.sha256(area.encode()).digest()[:2], "big") / 65536
    r, g, b = colorsys.hsv_to_rgb(hue, 0.22, 0.93 - 0.05 * (shade % 3))
    return round(r * 255), round(g * 255), round(b * 255)


def darker(c: Color, f: float = 0.7) -> Color:
    """The colour scaled towards black."""
    return round(c[0] * f), round(c[1] * f), round(c[2] * f)


def short_action(action: str) -> str:
    """A label that fits under an agent: walking shows only where to."""
    if action.startswith("heading to "):
        place = action[len("heading to ") :].split(": ", 1)[0]
        action = f"to {place.rsplit(':', 1)[-1]}"
    return action if len(action) <= 30 else action[:29] + "…"


class MapLook:
    """Static facts of the map derived once from the layers: tile colours and label boxes."""

    def __init__(self, layers: dict[str, Any]) -> None:
        self.width: int = layers["width"]
        self.height: int = layers["height"]
        self.grid: list[str] = layers["grid"]
        shades: dict[str, int] = {}
        self.colors: dict[str, Color] = {}
        self.arena_of: dict[str, str] = {}
        self.arena_color: dict[str, Color] = {}
        for ch, kind in sorted(layers["legend"].items()):
            if kind == "wall":
                self.colors[ch] = WALL
            elif kind == "void":
                self.colors[ch] = VOID
            elif ":" in str(kind):
                area = kind.split(":", 1)[0]
                shades[area] = shades.get(area, -1) + 1
                self.colors[ch] = self.arena_color[kind] = area_color(area, shades[area])
                self.arena_of[ch] = kind
            else:
                self.colors[ch] = FLOOR
        rows: dict[str, dict[int, list[int]]] = {}
        for y, row in enumerate(self.grid):
            for x, ch in enumerate(row):
                if ch in self.arena_of:
                    rows.setdefault(self.arena_of[ch], {}).setdefault(y, []).append(x)
        self.arena_box = {path: _body_box(by_row) for path, by_row in rows.items()}
        self.area_box: dict[str, list[int]] = {}
        for path, (x0, y0, x1, y1) in self.arena_box.items():
            box = self.area_box.setdefault(path.split(":", 1)[0], [x0, y0, x1, y1])
            box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
        self.objects = [
            (o["key"], str(o.get("name", o["key"])), tuple(o["tile"]), o.get("arena", ""))
            for o in layers.get("objects", [])
            if "tile" in o and "key" in o
        ]


def _body_box(by_row: dict[int, list[int]]) -> list[int]:
    """[x0, y0, x1, y1] of an arena's rows, ignoring one-tile rows (doors poking out)."""
    body = {y: xs for y, xs in by_row.items() if len(xs) > 1} or by_row
    xs = [x for row in body.values() for x in row]
    return [min(xs), min(body), max(xs), max(body)]


class Renderer:
    """Draws one frame of the world into the map view."""

    def __init__(self, model: Timeline, text: Text) -> None:
        self.model = model
        self.text = text
        self.look = MapLook(model.layers)
        self._map: tuple[int, pygame.Surface] | None = None

    def map_surface(self, tile: int) -> pygame.Surface:
        """The static map (tiles, names, object glyphs) at a tile size, rebuilt on zoom."""
        if self._map is None or self._map[0] != tile:
            self._map = (tile, self._build_map(tile))
        return self._map[1]

    def _build_map(self, tile: int) -> pygame.Surface:
        import pygame

        look = self.look
        surface = pygame.Surface((look.width * tile, look.height * tile))
        surface.fill(VOID)
        for y, row in enumerate(look.grid):
            for x, ch in enumerate(row):
                color = look.colors.get(ch, VOID)
                rect = (x * tile, y * tile, tile, tile)
                surface.fill(color, rect)
                if color == WALL:
                    surface.fill(darker(WALL, 1.25), (x * tile, y * tile, tile, max(1, tile // 6)))
                elif tile >= 12 and color != VOID:
                    pygame.draw.rect(surface, darker(color, 0.94), rect, 1)
        small = max(8, min(13, round(tile * 0.36)))
        for _key, name, (x, y), arena in look.objects:
            fill = darker(look.arena_color.get(arena, FLOOR), 0.72)
            self._object_glyph(surface, tile, x, y, fill, OUTLINE)
            if tile >= 16:
                label = self.text.render(name, small, (40, 40, 48))
                surface.blit(label, label.get_rect(midtop=((x + 0.5) * tile, (y + 0.8) * tile)))
        size = max(8, min(13, round(tile * 0.4)))
        for path, (x0, _, x1, y1) in look.arena_box.items():  # names in the wall row below
            label = self.text.label(path.rsplit(":", 1)[-1], size, (235, 236, 242), WALL)
            if label.get_width() <= (x1 - x0 + 2) * tile:
                center = ((x0 + x1 + 1) * tile // 2, round((y1 + 1.5) * tile))
                surface.blit(label, label.get_rect(center=center))
        for area, (x0, y0, x1, _) in look.area_box.items():
            label = self.text.label(area, max(9, min(16, round(tile * 0.5))), (30, 30, 40), PLATE)
            cx, top = (x0 + x1 + 1) * tile // 2, (y0 - 0.5) * tile
            surface.blit(label, label.get_rect(center=(cx, max(label.get_height() // 2, top))))
        return surface

    @staticmethod
    def _object_glyph(
        surface: pygame.Surface, tile: int, x: float, y: float, fill: Color, edge: Color
    ) -> None:
        import pygame

        side = max(3, round(tile * 0.5))
        rect = pygame.Rect(0, 0, side, side)
        rect.center = (round((x + 0.5) * tile), round((y + 0.45) * tile))
        pygame.draw.rect(surface, fill, rect, border_radius=max(1, side // 4))
        pygame.draw.rect(
            surface, edge, rect, 1 if side < 10 else 2, border_radius=max(1, side // 4)
        )

    def draw_world(
        self, screen: pygame.Surface, camera: Camera, t: float, selected: str | None
    ) -> list[Hit]:
        """Map, object states, agents and bubbles at fractional tick `t`; returns click targets."""
        vx, vy, vw, vh = camera.view
        screen.fill(VOID, (vx, vy, vw, vh))
        screen.set_clip((vx, vy, vw, vh))
        screen.blit(self.map_surface(camera.tile), (camera.ox, camera.oy))
        tick = math.floor(t)
        self._draw_object_states(screen, camera, tick)
        hits = self._draw_agents(screen, camera, t, tick, selected)
        screen.set_clip(None)
        return hits

    def _draw_object_states(self, screen: pygame.Surface, camera: Camera, tick: int) -> None:
        import pygame

        tile = camera.tile
        size = max(8, min(12, round(tile * 0.34)))
        for key, _name, (x, y), _arena in self.look.objects:
            state = self.model.object_state(key, tick)
            if state is None:
                continue
            sx, sy = camera.to_screen(x, y)
            ring = max(4, round(tile * 0.36))
            pygame.draw.rect(screen, ACCENT, (sx - ring, sy - ring, 2 * ring, 2 * ring), 2, 3)
            if tile >= 12:
                text = state if len(state) <= 26 else state[:25] + "…"
                label = self.text.label(text, size, (90, 50, 0), (255, 236, 200))
                screen.blit(label, label.get_rect(midbottom=(sx, sy - ring)))

    def _draw_agents(
        self, screen: pygame.Surface, camera: Camera, t: float, tick: int, selected: str | None
    ) -> list[Hit]:
        import pygame

        tile = camera.tile
        r = max(4, round(tile * 0.42))
        placed: list[tuple[str, int, int]] = []
        for name in self.model.agents:
            pos = self.model.position(name, t)
            if pos is not None:
                placed.append((name, *camera.to_screen(*pos)))
        hits: list[Hit] = []
        size = max(8, min(13, round(tile * 0.4)))
        for name, sx, sy in placed:
            frame = self.model.frame(name, tick)
            if frame is None or (tile < 10 and name != selected):
                continue
            label = self.text.label(short_action(frame.action), size, (30, 30, 36), PLATE)
            icon = self.text.emoji(frame.emoji, size + 2)
            w = label.get_width() + (icon.get_width() + 2 if icon else 0)
            x = sx - w // 2
            if icon:
                screen.blit(icon, (x, sy + r + 2))
                x += icon.get_width() + 2
            screen.blit(label, (x, sy + r + 2))
        for name, sx, sy in placed:
            color = agent_color(name)
            if name == selected:
                pygame.draw.circle(screen, (255, 255, 255), (sx, sy), r + 4)
                pygame.draw.circle(screen, OUTLINE, (sx, sy), r + 4, 2)
            pygame.draw.circle(screen, color, (sx, sy), r)
            pygame.draw.circle(screen, OUTLINE, (sx, sy), r, 2 if r >= 7 else 1)
            if r >= 7:
                mark = self.text.render(initials(name), max(7, round(r * 0.85)), ink(color), True)
                screen.blit(mark, mark.get_rect(center=(sx, sy)))
            hits.append(Hit((sx - r, sy - r, 2 * r, 2 * r), "agent", name))
        for name, sx, sy in placed:
            bubble = self._bubble_text(name, tick)
            if bubble:
                hits.append(self._draw_bubble(screen, name, bubble, sx, sy - r - 6))
        return hits

    def _bubble_text(self, name: str, tick: int) -> str | None:
        """What `name` says now; a line both talkers carry is drawn once, over its speaker."""
        frame = self.model.frame(name, tick)
        if frame is None or not frame.chat:
            return None
        speaker, sep, said = frame.chat.partition(": ")
        if not sep:
            return frame.chat
        if speaker != name and speaker in self.model.tracks:
            other = self.model.frame(speaker, tick)
            if other is not None and other.chat == frame.chat:
                return None
        return said

    def _draw_bubble(
        self, screen: pygame.Surface, name: str, said: str, sx: int, bottom: int
    ) -> Hit:
        import pygame

        wrapped = self.text.wrap(said, 12, 220)
        lines = wrapped[:3]
        if len(wrapped) > 3:
            lines[-1] = lines[-1][:-1] + "…"
        surfaces = [self.text.render(line, 12, (20, 20, 28)) for line in lines]
        w = max(s.get_width() for s in surfaces) + 14
        h = sum(s.get_height() for s in surfaces) + 8
        rect = pygame.Rect(0, 0, w, h)
        rect.midbottom = (sx, bottom)
        rect.clamp_ip(screen.get_clip() or screen.get_rect())
        edge = darker(agent_color(name), 0.6)
        tail = [(sx - 5, rect.bottom - 1), (sx + 5, rect.bottom - 1), (sx, rect.bottom + 6)]
        pygame.draw.polygon(screen, (255, 255, 255), tail)
        pygame.draw.rect(screen, (255, 255, 255), rect, border_radius=7)
        pygame.draw.rect(screen, edge, rect, 2, border_radius=7)
        y = rect.y + 4
        for s in surfaces:
            screen.blit(s, (rect.x + 7, y))
            y += s.get_height()
        return Hit((rect.x, rect.y, rect.w, rect.h), "bubble", name)
