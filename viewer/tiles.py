"""The static map: what each legend character looks like, and the map surface at one zoom.

The legend only says `wall`, `floor`, `void` or an arena, but worlds use several characters
for each (`T` trees, `=` fences, `#` building walls), so each character gets a look of its
own: from the usual meaning of the glyph, else from where it sits (a wall that mostly borders
rooms is a building; one that does not is a bank or hillside). `void` is water, never the dark
outside of the map. Map labels are placed so that none covers another.
"""

from __future__ import annotations

import colorsys
import hashlib
from typing import TYPE_CHECKING, Any

from viewer.placement import Anchor, Label, Rect, overlap, place_labels

if TYPE_CHECKING:
    import pygame

    from viewer.text import Text

Color = tuple[int, int, int]
OUTSIDE: Color = (24, 26, 32)
STREET: Color = (206, 200, 186)
WALL: Color = (74, 78, 90)
OUTLINE: Color = (25, 25, 30)
PLATE: Color = (250, 250, 245)
LOOKS: dict[str, Color] = {
    "building": WALL,
    "street": STREET,
    "grass": (176, 200, 146),
    "water": (86, 142, 194),
    "tree": (70, 122, 78),
    "fence": (146, 104, 64),
    "hill": (158, 144, 108),
    "stone": (172, 174, 180),
}
WALL_GLYPHS = {"#": "building", "=": "fence", "|": "fence", "-": "fence", "+": "fence"}
WALL_GLYPHS |= dict.fromkeys("TY&*%", "tree") | dict.fromkeys("^/\\", "hill")
WALL_GLYPHS |= dict.fromkeys("oO0", "stone") | {"~": "water"}
GRASS_GLYPHS = frozenset(",;\"'")
BUILDING_SHARE = 0.4  # an unknown wall character bordering rooms this often is a building


def area_color(area: str, shade: int) -> Color:
    """A pastel floor tint per area; its arenas differ slightly in lightness."""
    hue = int.from_bytes(hashlib.sha256(area.encode()).digest()[:2], "big") / 65536
    r, g, b = colorsys.hsv_to_rgb(hue, 0.22, 0.93 - 0.05 * (shade % 3))
    return round(r * 255), round(g * 255), round(b * 255)


def darker(c: Color, f: float = 0.7) -> Color:
    """The colour scaled towards black (or lighter, with f > 1)."""
    return tuple(min(255, round(v * f)) for v in c)  # type: ignore[return-value]


class MapLook:
    """Static facts of the map derived once from the layers: tile looks and label boxes."""

    def __init__(self, layers: dict[str, Any]) -> None:
        self.width: int = layers["width"]
        self.height: int = layers["height"]
        self.grid: list[str] = layers["grid"]
        legend: dict[str, str] = {str(k): str(v) for k, v in layers["legend"].items()}
        self.arena_of = {ch: kind for ch, kind in legend.items() if ":" in kind}
        self.looks: dict[str, str] = {}
        self.colors: dict[str, Color] = {}
        self.arena_color: dict[str, Color] = {}
        shades: dict[str, int] = {}
        for ch, kind in sorted(legend.items()):
            if ch in self.arena_of:
                area = kind.split(":", 1)[0]
                shades[area] = shades.get(area, -1) + 1
                self.looks[ch] = "arena"
                self.colors[ch] = self.arena_color[kind] = area_color(area, shades[area])
                continue
            self.looks[ch] = self._look(ch, kind)
            self.colors[ch] = LOOKS[self.looks[ch]]
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
            if isinstance(o, dict) and "tile" in o and "key" in o
        ]

    def _look(self, ch: str, kind: str) -> str:
        if kind == "void":
            return "water"
        if kind != "wall":
            return "grass" if ch in GRASS_GLYPHS else "street"
        if ch in WALL_GLYPHS:
            return WALL_GLYPHS[ch]
        return "building" if self._room_share(ch) >= BUILDING_SHARE else "hill"

    def _room_share(self, ch: str) -> float:
        """The share of `ch`'s tiles that touch an arena tile."""
        tiles = touching = 0
        for y, row in enumerate(self.grid):
            for x, c in enumerate(row):
                if c == ch:
                    tiles += 1
                    touching += any(self.at(x + dx, y + dy) in self.arena_of for dx, dy in STEPS)
        return touching / tiles if tiles else 0.0

    def at(self, x: int, y: int) -> str:
        """The character at (x, y), or "" outside the map."""
        if 0 <= y < len(self.grid) and 0 <= x < len(self.grid[y]):
            return self.grid[y][x]
        return ""

    def look_at(self, x: int, y: int) -> str:
        """The look of the tile at (x, y) ("" outside the map)."""
        return self.looks.get(self.at(x, y), "")


STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def _body_box(by_row: dict[int, list[int]]) -> list[int]:
    """[x0, y0, x1, y1] of an arena's rows, ignoring one-tile rows (doors poking out)."""
    body = {y: xs for y, xs in by_row.items() if len(xs) > 1} or by_row
    xs = [x for row in body.values() for x in row]
    return [min(xs), min(body), max(xs), max(body)]


def build_map(look: MapLook, text: Text, tile: int) -> tuple[pygame.Surface, list[Rect]]:
    """The whole static map at `tile` pixels a tile (tiles, object glyphs and names), with
    where its labels went, so that labels drawn over it can keep clear of them."""
    import pygame

    surface = pygame.Surface((look.width * tile, look.height * tile))
    surface.fill(OUTSIDE)
    for y, row in enumerate(look.grid):
        for x, ch in enumerate(row):
            paint_tile(surface, look, x, y, tile, look.colors.get(ch, OUTSIDE))
    return surface, _draw_labels(surface, look, text, tile)


def paint_tile(
    surface: pygame.Surface, look: MapLook, x: int, y: int, tile: int, color: Color
) -> None:
    """One tile in its look: buildings as slate with a lit top edge, trees as canopies,
    fences as rails, hillsides as hatched earth, water with ripples."""
    import pygame

    kind = look.look_at(x, y)
    rect = pygame.Rect(x * tile, y * tile, tile, tile)
    if kind in ("tree", "fence") and tile >= 6:
        surface.fill(_ground(look, x, y), rect)
    else:
        surface.fill(color, rect)
    if kind == "building":
        surface.fill(darker(WALL, 1.25), (rect.x, rect.y, tile, max(1, tile // 6)))
    elif kind == "tree" and tile >= 6:
        pygame.draw.circle(surface, color, rect.center, max(2, tile // 2))
        if tile >= 12:
            light = (rect.centerx - tile // 8, rect.centery - tile // 8)
            pygame.draw.circle(surface, darker(color, 1.2), light, tile // 5)
    elif kind == "fence" and tile >= 6:
        width = max(1, tile // 7)
        for dx, dy in STEPS:
            if look.look_at(x + dx, y + dy) in ("fence", "building", "tree", "stone", "hill"):
                end = (rect.centerx + dx * tile // 2, rect.centery + dy * tile // 2)
                pygame.draw.line(surface, color, rect.center, end, width + 1)
        post = max(2, tile // 4)
        surface.fill(
            darker(color, 0.8), (rect.centerx - post // 2, rect.centery - post // 2, post, post)
        )
    elif kind == "hill" and tile >= 8:
        shade = darker(color, 0.8)
        for i in (1, 3):  # two slope strokes, as a map draws a bank
            y0 = rect.y + i * tile // 4
            pygame.draw.line(
                surface, shade, (rect.x + tile // 5, y0 + tile // 6), (rect.centerx, y0)
            )
            pygame.draw.line(
                surface, shade, (rect.centerx, y0), (rect.right - tile // 5, y0 + tile // 6)
            )
    elif kind == "water" and tile >= 10 and (x + 2 * y) % 3 == 0:
        wave = darker(color, 1.25)
        w = tile // 2
        pygame.draw.arc(
            surface, wave, (rect.x + tile // 8, rect.centery - 2, w, tile // 3), 0.3, 2.8
        )
    elif kind == "stone" and tile >= 8:
        pygame.draw.rect(surface, darker(color, 0.78), rect.inflate(-tile // 4, -tile // 4), 1)
    elif kind in ("arena", "street", "grass") and tile >= 12:
        pygame.draw.rect(surface, darker(color, 0.94), rect, 1)


def _ground(look: MapLook, x: int, y: int) -> Color:
    """What a fence or tree stands on: the first walkable neighbour's colour, else grass."""
    for dx, dy in STEPS:
        if look.look_at(x + dx, y + dy) in ("arena", "street", "grass"):
            return look.colors[look.at(x + dx, y + dy)]
    return LOOKS["grass"]


def _draw_labels(surface: pygame.Surface, look: MapLook, text: Text, tile: int) -> list[Rect]:
    """Object glyphs, area names over their buildings, arena names in the wall below, then
    the object names that fit: each label is skipped rather than drawn over another."""
    taken: list[Rect] = []

    def put(label: pygame.Surface, center: tuple[int, int]) -> None:
        box = label.get_rect(center=center)
        box.clamp_ip(surface.get_rect())
        rect = (box.x, box.y, box.w, box.h)
        if not any(overlap(rect, t) for t in taken):
            surface.blit(label, box)
            taken.append(rect)

    glyphs = []
    for _key, _name, (x, y), arena in look.objects:
        fill = darker(look.arena_color.get(arena, STREET), 0.72)
        glyphs.append(object_glyph(surface, tile, x, y, fill, OUTLINE))
    for area, (x0, y0, x1, _) in look.area_box.items():
        label = text.label(area, max(9, min(16, round(tile * 0.5))), (30, 30, 40), PLATE)
        put(label, ((x0 + x1 + 1) * tile // 2, round((y0 - 0.5) * tile)))
    size = max(8, min(13, round(tile * 0.4)))
    for path, (x0, _, x1, y1) in look.arena_box.items():
        label = text.label(path.rsplit(":", 1)[-1], size, (235, 236, 242), WALL)
        if label.get_width() <= (x1 - x0 + 2) * tile:
            put(label, ((x0 + x1 + 1) * tile // 2, round((y1 + 1.5) * tile)))
    if tile < 16:
        return taken
    small = max(8, min(13, round(tile * 0.36)))
    names = [text.render(name, small, (40, 40, 48)) for _k, name, _t, _a in look.objects]
    requests = [
        Label(Anchor(g[0] + g[2] // 2, g[1] + g[3] // 2, g[2] // 2), n.get_size())
        for g, n in zip(glyphs, names, strict=True)
    ]
    bounds = (0, 0, surface.get_width(), surface.get_height())
    for name, box in zip(names, place_labels(requests, taken + glyphs, bounds), strict=True):
        if box is not None:
            surface.blit(name, box[:2])
            taken.append(box)
    return taken


def object_glyph(
    surface: pygame.Surface, tile: int, x: float, y: float, fill: Color, edge: Color
) -> Rect:
    """An object's small rounded square on its tile; returns where it was drawn."""
    import pygame

    side = max(3, round(tile * 0.5))
    rect = pygame.Rect(0, 0, side, side)
    rect.center = (round((x + 0.5) * tile), round((y + 0.45) * tile))
    pygame.draw.rect(surface, fill, rect, border_radius=max(1, side // 4))
    pygame.draw.rect(surface, edge, rect, 1 if side < 10 else 2, border_radius=max(1, side // 4))
    return rect.x, rect.y, rect.w, rect.h
