"""Where boxes go on screen so they hide nothing: speech bubbles, name tags and labels.

Pure integer geometry, no pygame, so a planted layout can be tested without a display. A box
hangs off an anchor (an agent's disc or an object's glyph): it is tried above, below, left and
right of it, then nudged sideways and further out. Bubbles must never cover an agent, so they
take the least bad spot when no clean one exists; labels are optional and are left out when
every spot near their anchor is taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

Rect = tuple[int, int, int, int]  # x, y, w, h
GAP = 4  # pixels between a box and its anchor


class Anchor(NamedTuple):
    """A round thing a box belongs to: centre and radius in screen pixels."""

    x: int
    y: int
    r: int

    @property
    def rect(self) -> Rect:
        """The anchor's bounding square."""
        return self.x - self.r, self.y - self.r, 2 * self.r, 2 * self.r


def overlap(a: Rect, b: Rect) -> int:
    """Area shared by two rectangles (0 when they only touch)."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0


def covered(box: Rect, others: Iterable[Rect]) -> int:
    """Total area of `others` that `box` covers."""
    return sum(overlap(box, o) for o in others)


def clamp(box: Rect, bounds: Rect) -> Rect:
    """`box` shifted (not shrunk) to lie inside `bounds` where it fits."""
    x, y, w, h = box
    bx, by, bw, bh = bounds
    x = max(bx, min(x, bx + bw - w))
    y = max(by, min(y, by + bh - h))
    return x, y, w, h


class RectIndex:
    """Rectangles bucketed in square cells, so finding the few near a spot scans no others
    (a town at full view has hundreds of map labels, and each label tries dozens of spots)."""

    def __init__(self, rects: Iterable[Rect] = (), cell: int = 64) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Rect]] = {}
        self.offset = (0, 0)
        for rect in rects:
            self.add(rect)

    def moved(self, dx: int, dy: int) -> RectIndex:
        """The same rectangles seen shifted by (dx, dy): map labels as the camera pans."""
        view = RectIndex(cell=self.cell)
        view.cells, view.offset = self.cells, (dx, dy)
        return view

    def _keys(self, rect: Rect) -> Iterable[tuple[int, int]]:
        x, y, w, h = rect
        c = self.cell
        for cx in range(x // c, (x + max(w, 1) - 1) // c + 1):
            for cy in range(y // c, (y + max(h, 1) - 1) // c + 1):
                yield cx, cy

    def add(self, rect: Rect) -> None:
        """Index one more rectangle."""
        for key in self._keys(rect):
            self.cells.setdefault(key, []).append(rect)

    def near(self, region: Rect) -> list[Rect]:
        """The indexed rectangles that overlap `region`, each once."""
        dx, dy = self.offset
        local = (region[0] - dx, region[1] - dy, region[2], region[3])
        found = {r for key in self._keys(local) for r in self.cells.get(key, ())}
        return [(x + dx, y + dy, w, h) for x, y, w, h in found if overlap((x, y, w, h), local)]


def candidates(
    anchor: Anchor, w: int, h: int, rings: int = 3, below_first: bool = False
) -> list[Rect]:
    """Spots for a `w` x `h` box around `anchor`, nearest first.

    Ring 0 is centred above, below, left and right (below first for labels that read as
    captions); each further ring slides those sideways by half a box and moves them one box
    further out, and adds the four corners.
    """
    x, y, r = anchor
    above, below = y - r - GAP - h, y + r + GAP
    left, right = x - r - GAP - w, x + r + GAP
    spots = [(x - w // 2, above), (x - w // 2, below), (left, y - h // 2), (right, y - h // 2)]
    if below_first:
        spots[:2] = spots[1::-1]
    for ring in range(1, rings + 1):
        dx, dy = ring * (w // 2 + GAP), ring * (h // 2 + GAP)
        far_up, far_down = above - (ring - 1) * (h + GAP), below + (ring - 1) * (h + GAP)
        far_left, far_right = left - (ring - 1) * (w + GAP), right + (ring - 1) * (w + GAP)
        for sign in (1, -1):
            spots += [
                (x - w // 2 + sign * dx, far_up),
                (x - w // 2 + sign * dx, far_down),
                (far_left, y - h // 2 + sign * dy),
                (far_right, y - h // 2 + sign * dy),
            ]
        spots += [(far_right, far_up), (far_left, far_up), (far_right, far_down)]
        spots.append((far_left, far_down))
    return [(sx, sy, w, h) for sx, sy in spots]


def place(
    anchor: Anchor,
    size: tuple[int, int],
    hard: RectIndex,
    soft: RectIndex,
    bounds: Rect,
    rings: int = 3,
    below_first: bool = False,
) -> tuple[Rect, int, int]:
    """The first spot that covers nothing, else the one covering least `hard`, then `soft`.

    Returns the spot with the area of `hard` and of `soft` it covers.
    """
    spots = [clamp(s, bounds) for s in candidates(anchor, *size, rings, below_first)]
    region = _union(spots)
    near_hard, near_soft = hard.near(region), soft.near(region)
    best: tuple[Rect, int, int] | None = None
    for box in spots:
        cost = (box, covered(box, near_hard), covered(box, near_soft))
        if cost[1] == 0 and cost[2] == 0:
            return cost
        if best is None or cost[1:] < best[1:]:
            best = cost
    assert best is not None  # candidates() is never empty
    return best


def _union(boxes: Sequence[Rect]) -> Rect:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def place_bubbles(
    bubbles: Sequence[tuple[Anchor, tuple[int, int]]], sprites: Sequence[Rect], bounds: Rect
) -> list[Rect]:
    """A spot for each speech bubble, in order, off every agent and clear of earlier bubbles.

    Agents come first: a bubble covers another bubble rather than an agent.
    """
    agents, placed = RectIndex(sprites), RectIndex()
    out = []
    for anchor, size in bubbles:
        box, _, _ = place(anchor, size, agents, placed, bounds, rings=4)
        placed.add(box)
        out.append(box)
    return out


class Label(NamedTuple):
    """A label to place: what it belongs to, its size, and how far out it may go (in rings
    of `candidates`; a label that must show, such as an agent's initials, may go further)."""

    anchor: Anchor
    size: tuple[int, int]
    rings: int = 1


def place_labels(
    labels: Sequence[Label], taken: Sequence[Rect], bounds: Rect, avoid: RectIndex | None = None
) -> list[Rect | None]:
    """A spot for each label, in priority order, that covers nothing taken or placed before
    and, where it can, nothing in `avoid` (labels already drawn into the map).

    A label with no free spot within its rings is left out (None).
    """
    blocked, printed = RectIndex(taken), avoid or RectIndex()
    out: list[Rect | None] = []
    for anchor, size, rings in labels:
        box, hard, _ = place(anchor, size, blocked, printed, bounds, rings, below_first=True)
        if hard or not _inside(box, bounds):
            out.append(None)
            continue
        blocked.add(box)
        out.append(box)
    return out


def _inside(box: Rect, bounds: Rect) -> bool:
    return (
        box[0] >= bounds[0]
        and box[1] >= bounds[1]
        and box[0] + box[2] <= bounds[0] + bounds[2]
        and box[1] + box[3] <= bounds[1] + bounds[3]
    )


def fan_out(points: Sequence[tuple[int, int]], spread: int) -> list[tuple[int, int]]:
    """Points that coincide spread around their spot, so agents on one tile are all visible."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(points):
        groups.setdefault(p, []).append(i)
    out = list(points)
    offsets = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (1, -1), (-1, 1))
    for (x, y), members in groups.items():
        if len(members) < 2:
            continue
        for k, i in enumerate(members):
            ox, oy = offsets[k % len(offsets)]
            scale = spread * (1 + k // len(offsets))
            out[i] = (x + ox * scale, y + oy * scale)
    return out
