"""The world map: world.yaml format, tiles, places, objects and pathfinding."""

from sim.world.map import (
    AreaInfo,
    ArenaInfo,
    NoPath,
    Places,
    World,
    WorldCheck,
    WorldObject,
    check_world,
    load_world,
)

__all__ = [
    "AreaInfo",
    "ArenaInfo",
    "NoPath",
    "Places",
    "World",
    "WorldCheck",
    "WorldObject",
    "check_world",
    "load_world",
]
