"""Map <-> screen coordinates: an integer tile size (crisp tiles, one cached map per zoom) and
the screen position of tile (0, 0). Pure arithmetic, so zoom and pan are testable headless."""

from __future__ import annotations

from dataclasses import dataclass

MIN_TILE = 4
MAX_TILE = 64
MAX_MAP_PX = 8192  # keeps the cached map surface a sane size on big worlds


@dataclass
class Camera:
    """Where the map sits in the map view rectangle (x, y, w, h)."""

    map_w: int
    map_h: int
    view: tuple[int, int, int, int]
    tile: int = 16
    ox: int = 0
    oy: int = 0

    @property
    def max_tile(self) -> int:
        """Largest tile size allowed for this map."""
        return max(MIN_TILE, min(MAX_TILE, MAX_MAP_PX // max(self.map_w, self.map_h, 1)))

    def fit(self) -> None:
        """Zoom and centre so the whole map fits the view."""
        vx, vy, vw, vh = self.view
        self.tile = max(MIN_TILE, min(self.max_tile, vw // self.map_w, vh // self.map_h))
        self.ox = vx + (vw - self.map_w * self.tile) // 2
        self.oy = vy + (vh - self.map_h * self.tile) // 2

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        """Screen pixel at the centre of tile (x, y) (fractional tiles glide between)."""
        return (
            round(self.ox + (x + 0.5) * self.tile),
            round(self.oy + (y + 0.5) * self.tile),
        )

    def to_tile(self, sx: float, sy: float) -> tuple[float, float]:
        """Map coordinates (in tiles) under a screen pixel."""
        return (sx - self.ox) / self.tile, (sy - self.oy) / self.tile

    def zoom(self, steps: int, anchor: tuple[int, int]) -> None:
        """Zoom in (steps > 0) or out, keeping the map point under `anchor` where it is."""
        tile = self.tile
        for _ in range(abs(steps)):
            tile = max(tile + 1, round(tile * 1.25)) if steps > 0 else round(tile / 1.25)
        tile = max(MIN_TILE, min(self.max_tile, tile))
        mx, my = self.to_tile(*anchor)
        self.tile = tile
        self.ox = round(anchor[0] - mx * tile)
        self.oy = round(anchor[1] - my * tile)

    def pan(self, dx: int, dy: int) -> None:
        """Move the map by screen pixels."""
        self.ox += dx
        self.oy += dy
