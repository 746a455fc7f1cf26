"""A uniform grid over the map, so "who is within r tiles" visits a few cells, not everyone.

Perception asks that question once per agent per tick; comparing every pair of agents costs
O(agents²) per tick, which is most of a 1,000-agent tick. Bucketing positions by the cell of
their tile (cell side = the vision radius) makes each query look at the 3x3 cells around the
agent, whatever the population.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, MutableMapping
from typing import TypeVar

from sim.types import Tile

K = TypeVar("K")
V = TypeVar("V")


class VersionedDict(dict[K, V]):
    """A dict that counts its writes, so an index built from it can tell when it is stale.

    `version` is a class attribute until the first write, which keeps unpickling (items are
    set before instance attributes are restored) working.
    """

    version = 0

    def _bump(self) -> None:
        self.version += 1

    def __setitem__(self, key: K, value: V) -> None:
        self._bump()
        super().__setitem__(key, value)

    def __delitem__(self, key: K) -> None:
        self._bump()
        super().__delitem__(key)

    def __ior__(self, other: object) -> VersionedDict[K, V]:  # type: ignore[override,misc]
        self._bump()
        return super().__ior__(other)  # type: ignore[operator,no-any-return]

    def update(self, *args: object, **kwargs: V) -> None:  # type: ignore[override]
        """As dict.update."""
        self._bump()
        super().update(*args, **kwargs)  # type: ignore[arg-type]

    def pop(self, *args: object) -> V:  # type: ignore[override]
        """As dict.pop."""
        self._bump()
        return super().pop(*args)  # type: ignore[arg-type,no-any-return]

    def popitem(self) -> tuple[K, V]:
        """As dict.popitem."""
        self._bump()
        return super().popitem()

    def setdefault(self, key: K, default: V) -> V:  # type: ignore[override]
        """As dict.setdefault."""
        self._bump()
        return super().setdefault(key, default)

    def clear(self) -> None:
        """As dict.clear."""
        self._bump()
        super().clear()


def versioned(items: MutableMapping[K, V]) -> VersionedDict[K, V]:
    """`items` as a VersionedDict (itself when it already is one)."""
    return items if isinstance(items, VersionedDict) else VersionedDict(items)


class TileGrid:
    """Keys bucketed by the grid cell of their tile."""

    def __init__(self, cell: int, items: Iterable[tuple[str, Tile]]) -> None:
        self.cell = max(1, cell)
        self.cells: dict[Tile, list[tuple[str, Tile]]] = {}
        for key, tile in items:
            self.cells.setdefault(self._cell_of(tile), []).append((key, tile))

    def _cell_of(self, tile: Tile) -> Tile:
        return tile[0] // self.cell, tile[1] // self.cell

    def within(self, centre: Tile, radius: float) -> Iterator[tuple[float, str]]:
        """(distance, key) for every key whose tile is at most `radius` from `centre`.

        Distances are `math.dist`, the same floats a pairwise scan would compute.
        """
        reach = math.floor(radius)
        x0, y0 = self._cell_of((centre[0] - reach, centre[1] - reach))
        x1, y1 = self._cell_of((centre[0] + reach, centre[1] + reach))
        for cx in range(x0, x1 + 1):
            for cy in range(y0, y1 + 1):
                for key, tile in self.cells.get((cx, cy), ()):
                    d = math.dist(centre, tile)
                    if d <= radius:
                        yield d, key
