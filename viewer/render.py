"""Drawing one frame: the cached map, object states, agents, their labels and speech bubbles.

Everything drawn is a function of (model, camera, time, selection, pointer), never of how the
viewer got to that time, so scrubbing back and forth gives the same pixels. Bubbles and labels
are laid out by `viewer.placement` so that no bubble covers an agent and no label another.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from viewer.camera import Camera
from viewer.placement import (
    Anchor,
    Label,
    Rect,
    RectIndex,
    fan_out,
    overlap,
    place,
    place_bubbles,
    place_labels,
)
from viewer.tiles import OUTLINE, OUTSIDE, PLATE, Color, MapLook, build_map, darker
from viewer.timeline import Timeline, agent_color, ink, short_names

if TYPE_CHECKING:
    import pygame

    from viewer.text import Text

ACCENT = (240, 150, 40)
BUBBLE_SIZE = 12
BUBBLE_WIDTH = 220
MIN_HIT = 7  # half the side of the smallest clickable square around an agent
TAG_RINGS = 3  # how far an agent's initials may move away from a crowd to be shown


class Hit(NamedTuple):
    """A clickable thing drawn this frame: an agent, its label, a speech bubble or the name
    shown on hover (kinds "agent", "label", "bubble", "name")."""

    rect: tuple[int, int, int, int]
    kind: str
    agent: str


class Caption(NamedTuple):
    """A label drawn this frame: what it hangs from, its picture, the agent it belongs to
    ("" for an object's state) and how far from its anchor it may be placed."""

    anchor: Anchor
    surface: pygame.Surface
    owner: str
    rings: int = 1


class Sprite(NamedTuple):
    """An agent as drawn this frame."""

    name: str
    anchor: Anchor


def short_action(action: str) -> str:
    """A label that fits under an agent: walking shows only where to."""
    if action.startswith("heading to "):
        place_ = action[len("heading to ") :].split(": ", 1)[0]
        action = f"to {place_.rsplit(':', 1)[-1]}"
    return action if len(action) <= 30 else action[:29] + "…"


class Renderer:
    """Draws one frame of the world into the map view."""

    def __init__(self, model: Timeline, text: Text) -> None:
        self.model = model
        self.text = text
        self.look = MapLook(model.layers)
        self._map: tuple[int, pygame.Surface, RectIndex] | None = None
        self._tags: dict[str, str] = {}
        self._bubble_cache: dict[tuple[str, str], pygame.Surface] = {}

    def tag(self, name: str) -> str:
        """The agent's initials, unique in the run (recomputed when `--follow` adds agents)."""
        if name not in self._tags:
            self._tags = short_names(self.model.agents)
        return self._tags[name]

    def map_surface(self, tile: int) -> tuple[pygame.Surface, RectIndex]:
        """The static map at a tile size and where its labels are, rebuilt on zoom."""
        if self._map is None or self._map[0] != tile:
            surface, printed = build_map(self.look, self.text, tile)
            self._map = (tile, surface, RectIndex(printed))
        return self._map[1], self._map[2]

    def draw_world(
        self,
        screen: pygame.Surface,
        camera: Camera,
        t: float,
        selected: str | None,
        pointer: tuple[int, int] | None = None,
        free: Rect | None = None,
    ) -> list[Hit]:
        """Map, object states, agents, labels and bubbles at fractional tick `t`.

        Bubbles and labels stay inside `free` (the map view not under the side panel); the
        full names of the agents under `pointer` are shown. Returns what can be clicked:
        agents, their labels, bubbles and the hover name tag.
        """
        vx, vy, vw, vh = camera.view
        bounds = free or camera.view
        screen.fill(OUTSIDE, (vx, vy, vw, vh))
        screen.set_clip((vx, vy, vw, vh))
        surface, printed = self.map_surface(camera.tile)
        screen.blit(surface, (camera.ox, camera.oy))
        printed = printed.moved(camera.ox, camera.oy)
        tick = math.floor(t)
        sprites = self.sprites(camera, t, selected, bounds)
        sprite_boxes = [_grow(s.anchor.rect, 3) for s in sprites]
        bubbles = self._bubbles(sprites, tick)
        boxes = place_bubbles([(s.anchor, b.get_size()) for s, b in bubbles], sprite_boxes, bounds)
        changed = self._changed_objects(camera, tick)
        for anchor, _state in changed:
            _ring(screen, anchor)
        captions = self._captions(camera, sprites, tick, selected, changed)
        requests = [Label(c.anchor, c.surface.get_size(), c.rings) for c in captions]
        spots = place_labels(requests, sprite_boxes + boxes, bounds, printed)
        hits = []
        for c, spot in zip(captions, spots, strict=True):
            if spot is None:
                continue
            if c.rings > 1:  # a tag pushed away from a crowd points back at its agent
                _leader(screen, c.anchor, spot, darker(agent_color(c.owner), 0.6))
            screen.blit(c.surface, spot[:2])
            if c.owner:
                hits.append(Hit(spot, "label", c.owner))
        hits += self._draw_sprites(screen, sprites, selected)
        for (sprite, surface), box in zip(bubbles, boxes, strict=True):
            _draw_bubble(screen, sprite, surface, box)
            hits.append(Hit(box, "bubble", sprite.name))
        names = hovered(hits, pointer) if pointer else []
        if names:
            anchor = next(s.anchor for s in sprites if s.name == names[0])
            tag = self.text.label(", ".join(names), 13, (250, 250, 250), (30, 32, 40))
            taken = RectIndex(sprite_boxes + boxes)
            box, _, _ = place(anchor, tag.get_size(), taken, RectIndex(), bounds)
            screen.blit(tag, box[:2])
            hits.append(Hit(box, "name", names[0]))
        screen.set_clip(None)
        return hits

    def sprites(self, camera: Camera, t: float, selected: str | None, bounds: Rect) -> list[Sprite]:
        """Agents inside `bounds` at `t` (those off screen or under the panel have no labels
        or bubbles to clamp into view); agents sharing a tile are spread so each one shows."""
        r = max(4, round(camera.tile * 0.42))
        vx, vy, vw, vh = bounds
        names, points = [], []
        for name in self.model.agents:
            pos = self.model.position(name, t)
            if pos is None:
                continue
            x, y = camera.to_screen(*pos)
            if vx - r <= x < vx + vw + r and vy - r <= y < vy + vh + r:
                names.append(name)
                points.append((x, y))
        spread = fan_out(points, r)
        return [
            Sprite(name, Anchor(x, y, r + 4 if name == selected else r))
            for name, (x, y) in zip(names, spread, strict=True)
        ]

    def _changed_objects(self, camera: Camera, tick: int) -> list[tuple[Anchor, str]]:
        """Objects not in their default state, with where they are and their state."""
        r = max(4, round(camera.tile * 0.36))
        out = []
        for key, _name, (x, y), _arena in self.look.objects:
            state = self.model.object_state(key, tick)
            if state is not None:
                anchor = Anchor(*camera.to_screen(x, y), r)
                if overlap(anchor.rect, camera.view):
                    out.append((anchor, state))
        return out

    def _captions(
        self,
        camera: Camera,
        sprites: list[Sprite],
        tick: int,
        selected: str | None,
        changed: list[tuple[Anchor, str]],
    ) -> list[Caption]:
        """Labels in priority order: initials beside discs too small to hold them (these
        may go further out to find room), then what each agent does (the selected one first,
        none when zoomed far out), then the states of `changed` objects when zoomed in."""
        tile = camera.tile
        size = max(8, min(13, round(tile * 0.4)))
        out = []
        for s in sprites:
            if s.anchor.r < 7:
                color = agent_color(s.name)
                tag = self.text.label(self.tag(s.name), 10, ink(color), color)
                out.append(Caption(s.anchor, tag, s.name, TAG_RINGS))
        for s in sorted(sprites, key=lambda s: s.name != selected):
            frame = self.model.frame(s.name, tick)
            if frame is not None and (tile >= 10 or s.name == selected):
                label = self._action_label(frame.action, frame.emoji, size)
                out.append(Caption(s.anchor, label, s.name))
        if tile >= 12:
            state_size = max(8, min(12, round(tile * 0.34)))
            for anchor, state in changed:
                text = state if len(state) <= 26 else state[:25] + "…"
                plate = self.text.label(text, state_size, (90, 50, 0), (255, 236, 200))
                out.append(Caption(anchor, plate, ""))
        return out

    def _action_label(self, action: str, emoji: str, size: int) -> pygame.Surface:
        import pygame

        label = self.text.label(short_action(action), size, (30, 30, 36), PLATE)
        icon = self.text.emoji(emoji, size + 2)
        if icon is None:
            return label
        w = icon.get_width() + 2 + label.get_width()
        out = pygame.Surface((w, max(icon.get_height(), label.get_height())), pygame.SRCALPHA)
        out.blit(icon, (0, 0))
        out.blit(label, (icon.get_width() + 2, 0))
        return out

    def _draw_sprites(
        self, screen: pygame.Surface, sprites: list[Sprite], selected: str | None
    ) -> list[Hit]:
        import pygame

        hits = []
        for name, (sx, sy, r) in sprites:
            color = agent_color(name)
            if name == selected:
                pygame.draw.circle(screen, (255, 255, 255), (sx, sy), r)
                pygame.draw.circle(screen, OUTLINE, (sx, sy), r, 2)
                r -= 4
            pygame.draw.circle(screen, color, (sx, sy), r)
            pygame.draw.circle(screen, OUTLINE, (sx, sy), r, 2 if r >= 7 else 1)
            if r >= 7:
                tag = self.tag(name)
                size = max(7, round(r * (0.85 if len(tag) < 3 else 0.62)))
                mark = self.text.render(tag, size, ink(color), True)
                screen.blit(mark, mark.get_rect(center=(sx, sy)))
            half = max(r, MIN_HIT)
            hits.append(Hit((sx - half, sy - half, 2 * half, 2 * half), "agent", name))
        return hits

    def _bubbles(self, sprites: list[Sprite], tick: int) -> list[tuple[Sprite, pygame.Surface]]:
        """The speech bubbles to draw now, each rendered (without its tail) once."""
        out = []
        for sprite in sprites:
            said = self._bubble_text(sprite.name, tick)
            if said:
                key = (sprite.name, said)
                if key not in self._bubble_cache:
                    if len(self._bubble_cache) > 500:
                        self._bubble_cache.clear()
                    self._bubble_cache[key] = self._bubble_surface(*key)
                out.append((sprite, self._bubble_cache[key]))
        return out

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

    def _bubble_surface(self, name: str, said: str) -> pygame.Surface:
        import pygame

        wrapped = self.text.wrap(said, BUBBLE_SIZE, BUBBLE_WIDTH)
        lines = wrapped[:3]
        if len(wrapped) > 3:
            lines[-1] = lines[-1][:-1] + "…"
        texts = [self.text.render(line, BUBBLE_SIZE, (20, 20, 28)) for line in lines]
        w = max(s.get_width() for s in texts) + 14
        h = sum(s.get_height() for s in texts) + 8
        surface = pygame.Surface((w, h), pygame.SRCALPHA)
        pygame.draw.rect(surface, (255, 255, 255), (0, 0, w, h), border_radius=7)
        pygame.draw.rect(surface, darker(agent_color(name), 0.6), (0, 0, w, h), 2, border_radius=7)
        y = 4
        for s in texts:
            surface.blit(s, (7, y))
            y += s.get_height()
        return surface


def hovered(hits: list[Hit], pointer: tuple[int, int]) -> list[str]:
    """The agents whose disc or label is under the pointer, each once, in drawing order."""
    x, y = pointer
    names: list[str] = []
    for h in hits:
        rx, ry, rw, rh = h.rect
        inside = rx <= x < rx + rw and ry <= y < ry + rh
        if inside and h.kind in ("agent", "label") and h.agent not in names:
            names.append(h.agent)
    return names


def _grow(rect: Rect, by: int) -> Rect:
    return rect[0] - by, rect[1] - by, rect[2] + 2 * by, rect[3] + 2 * by


def _leader(screen: pygame.Surface, anchor: Anchor, box: Rect, color: Color) -> None:
    """A thin line from an agent to its tag when the tag sits away from the disc."""
    import pygame

    x, y, w, h = box
    end = (max(x, min(anchor.x, x + w - 1)), max(y, min(anchor.y, y + h - 1)))
    if math.dist(end, anchor[:2]) > anchor.r + 6:
        pygame.draw.aaline(screen, color, anchor[:2], end)


def _ring(screen: pygame.Surface, anchor: Anchor) -> None:
    """The orange square around an object that is not in its default state."""
    import pygame

    x, y, r = anchor
    pygame.draw.rect(screen, ACCENT, (x - r, y - r, 2 * r, 2 * r), 2, 3)


def _draw_bubble(
    screen: pygame.Surface, sprite: Sprite, surface: pygame.Surface, box: Rect
) -> None:
    """The bubble at `box` with a tail pointing at its speaker from the nearest edge."""
    import pygame

    x, y, w, h = box
    sx, sy, r = sprite.anchor
    near = (max(x + 6, min(sx, x + w - 6)), max(y + 6, min(sy, y + h - 6)))
    dx, dy = sx - near[0], sy - near[1]
    length = math.hypot(dx, dy) or 1.0
    reach = max(0.0, min(16.0, length - r - 3))  # from inside the bubble to short of the disc
    tip = (near[0] + dx / length * reach, near[1] + dy / length * reach)
    side = (-dy / length * 5, dx / length * 5)
    base = [(near[0] + side[0], near[1] + side[1]), (near[0] - side[0], near[1] - side[1])]
    edge = darker(agent_color(sprite.name), 0.6)
    pygame.draw.polygon(screen, (255, 255, 255), [*base, tip])
    pygame.draw.lines(screen, edge, False, [base[0], tip, base[1]], 2)
    screen.blit(surface, (x, y))
