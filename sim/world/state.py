"""The mutable part of the world: where each agent is, what it visibly does, object states.

`apply_moves` is the one rule that changes positions; it runs in sorted agent order so the
result never depends on the order in which decisions were made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.types import JSON, Tile
from sim.world.grid import TileGrid, VersionedDict, versioned
from sim.world.map import NoPath, World


@dataclass(frozen=True)
class Frame:
    """What others can see of an agent at one tick; also what the replay stores."""

    tile: Tile
    action: str
    emoji: str
    place: str | None
    object: str | None
    chat: str | None = None

    def to_json(self) -> JSON:
        """JSON-shaped form (written out: `asdict` was a tenth of a 1,000-agent tick)."""
        return {
            "tile": list(self.tile),
            "action": self.action,
            "emoji": self.emoji,
            "place": self.place,
            "object": self.object,
            "chat": self.chat,
        }

    @classmethod
    def from_json(cls, data: JSON) -> Frame:
        """Inverse of `to_json`."""
        return cls(**{**data, "tile": tuple(data["tile"])})


@dataclass(frozen=True)
class Move:
    """An agent's intended destination and visible action for this tick."""

    agent: str
    target: Tile
    action: str
    emoji: str
    object: str | None
    chat: str | None = None
    walking: str | None = None  # what others see on the way; default "heading to PLACE: ACTION"


class WorldState:
    """Agent frames, their remaining routes, and the non-default object states.

    `frames` and `objects` count their writes, so the spatial index perception reads is
    rebuilt once after positions change instead of once per agent.
    """

    def __init__(self) -> None:
        self._frames: VersionedDict[str, Frame] = VersionedDict()
        self._objects: VersionedDict[str, str] = VersionedDict()
        self._replaced = 0  # times `frames` or `objects` was assigned a new dict
        self._grids: tuple[tuple[int, ...], TileGrid, TileGrid] | None = None
        self.routes: dict[str, tuple[Tile, list[Tile]]] = {}

    @property
    def frames(self) -> VersionedDict[str, Frame]:
        """What others see of each agent, by name."""
        return self._frames

    @frames.setter
    def frames(self, value: dict[str, Frame]) -> None:
        self._frames = versioned(value)
        self._replaced += 1

    @property
    def objects(self) -> VersionedDict[str, str]:
        """State text of every object not in its default state, by object key."""
        return self._objects

    @objects.setter
    def objects(self, value: dict[str, str]) -> None:
        self._objects = versioned(value)
        self._replaced += 1

    def grids(self, world: World, cell: int) -> tuple[TileGrid, TileGrid]:
        """Agents and non-default objects bucketed by tile; rebuilt only after a change."""
        key = (cell, id(world), self._replaced, self._frames.version, self._objects.version)
        if self._grids is None or self._grids[0] != key:
            agents = TileGrid(cell, ((n, f.tile) for n, f in self._frames.items()))
            objects = TileGrid(cell, ((k, world.objects[k].tile) for k in self._objects))
            self._grids = (key, agents, objects)
        return self._grids[1], self._grids[2]

    def object_state(self, world: World, key: str) -> str:
        """Current state text of an object."""
        return self.objects.get(key, world.objects[key].default_state)

    def apply_moves(self, world: World, moves: list[Move], speed: int = 1) -> None:
        """Advance each agent up to `speed` tiles along its route and refresh object states."""
        for move in sorted(moves, key=lambda m: m.agent):
            frame = self.frames[move.agent]
            goal, route = self.routes.get(move.agent, (frame.tile, []))
            if goal != move.target:
                try:
                    route = world.path(frame.tile, move.target)
                except NoPath:
                    route = []
            tile = frame.tile
            for _ in range(min(speed, len(route))):
                tile = route.pop(0)
            self.routes[move.agent] = (move.target, route)
            arrived = tile == move.target
            action = (
                move.action
                if arrived
                else (move.walking or f"heading to {world.arena_of(move.target)}: {move.action}")
            )
            self.frames[move.agent] = replace(
                frame,
                tile=tile,
                action=action,
                emoji=move.emoji if arrived else "🚶",
                place=world.arena_of(tile),
                object=move.object if arrived else None,
                chat=move.chat,
            )
        self.objects = {}
        for name in sorted(self.frames):
            frame = self.frames[name]
            if frame.object and frame.object not in self.objects:
                self.objects[frame.object] = f"in use by {name} ({frame.action})"

    def get_state(self) -> JSON:
        """JSON-shaped state."""
        return {
            "frames": {k: v.to_json() for k, v in sorted(self.frames.items())},
            "routes": {
                k: {"goal": list(g), "route": [list(t) for t in r]}
                for k, (g, r) in sorted(self.routes.items())
            },
            "objects": dict(sorted(self.objects.items())),
        }

    def set_state(self, state: JSON) -> None:
        """Restore from `get_state` output."""
        self.frames = {k: Frame.from_json(v) for k, v in state["frames"].items()}
        self.routes = {
            k: (tuple(v["goal"]), [tuple(t) for t in v["route"]])  # type: ignore[misc]
            for k, v in state["routes"].items()
        }
        self.objects = dict(state["objects"])
