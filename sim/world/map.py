"""The loaded world: tiles, places, objects and shortest paths, fixed once loaded.

The engine asks it where things are and how to walk there; it never changes during a run
(object *states* live in the engine, this holds only their defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.clock import DAY
from sim.errors import SimInputError
from sim.types import JSON, GameSeconds, Tile
from sim.world.files import check_model, parse_hhmm, raise_first, read_yaml, shown
from sim.world.layout import Layout, build_layout, check_map
from sim.world.paths import Router, Unreachable
from sim.world.spec import AreaSpec, WorldSpec, parse_open

WORLD_FILE = "world.yaml"
_MAP_FIELDS = (
    ("legend", TypeAdapter(dict[str, str])),
    ("grid", TypeAdapter(str)),
    ("areas", TypeAdapter(list[AreaSpec])),
)


class NoPath(ValueError):
    """No walkable route joins the two tiles (or one of them is not walkable)."""


@dataclass(frozen=True)
class AreaInfo:
    """A place on the map; `open_hours` is (open, close) in seconds of day, None = always open."""

    name: str
    kind: str
    description: str
    open_hours: tuple[int, int] | None
    arenas: tuple[str, ...]


@dataclass(frozen=True)
class ArenaInfo:
    """A room or zone; `path` is "Area:Arena" and `objects` are object keys inside it."""

    path: str
    area: str
    name: str
    description: str
    tiles: tuple[Tile, ...]
    objects: tuple[str, ...]


@dataclass(frozen=True)
class WorldObject:
    """A usable thing; agents stand on `use_tile` (differs from `tile` for wall-mounted ones)."""

    key: str
    name: str
    arena: str
    tile: Tile
    use_tile: Tile
    description: str
    default_state: str
    uses: tuple[str, ...]  # what a plan step can do with it


@dataclass(frozen=True)
class Places:
    """The names a persona may refer to; known from the fields alone, before the grid is checked."""

    areas: tuple[str, ...]
    arenas: tuple[str, ...]
    source: Path

    @classmethod
    def of(cls, areas: list[AreaSpec], source: Path) -> Places:
        """Area names and "Area:Arena" paths declared in `areas`, in file order."""
        arenas = tuple(f"{a.name}:{r.name}" for a in areas for r in a.arenas)
        return cls(tuple(a.name for a in areas), arenas, source)


class World:
    """An immutable map built from a validated spec; use `load_world` to get one from disk."""

    def __init__(self, spec: WorldSpec, layout: Layout, source: Path) -> None:
        self.spec = spec
        self.name = spec.name
        self.description = spec.description
        self.source = source
        self.width = layout.width
        self.height = layout.height
        self.rows = layout.rows
        self.tick_seconds = spec.tick_seconds
        self.start: GameSeconds = parse_hhmm(spec.start)
        self.vision_radius = spec.vision_radius
        self.attention = spec.attention
        self.reflection_budget = spec.reflection_budget
        self.personas_path = (source.parent / spec.personas).resolve() if spec.personas else None
        self.places = Places.of(spec.areas, source)
        self.graph = layout.graph
        self._arena_at = layout.arena_at
        self._walkable = layout.walkable
        areas, arenas, objects = {}, {}, {}
        for area in spec.areas:
            paths = tuple(f"{area.name}:{arena.name}" for arena in area.arenas)
            hours = parse_open(area.open) if area.open else None
            areas[area.name] = AreaInfo(area.name, area.kind, area.description, hours, paths)
            for path, arena in zip(paths, area.arenas, strict=True):
                keys = tuple(f"{path}:{obj.name}" for obj in arena.objects)
                arenas[path] = ArenaInfo(
                    path, area.name, arena.name, arena.description, layout.arena_tiles[path], keys
                )
                for key, obj in zip(keys, arena.objects, strict=True):
                    tile, use = layout.placements[key]
                    uses = tuple(obj.uses) or (f"use the {obj.name}",)
                    objects[key] = WorldObject(
                        key, obj.name, path, tile, use, obj.description, obj.state, uses
                    )
        self.areas: MappingProxyType[str, AreaInfo] = MappingProxyType(areas)
        self.arenas: MappingProxyType[str, ArenaInfo] = MappingProxyType(arenas)
        self.objects: MappingProxyType[str, WorldObject] = MappingProxyType(objects)
        self._entries = {path: _central(info.tiles) for path, info in arenas.items()}
        self._router = Router(layout.walkable)
        self._route = lru_cache(maxsize=8192)(self._shortest)

    def __repr__(self) -> str:
        return f"World({self.name!r}, {self.width}x{self.height}, {len(self.arenas)} arenas)"

    def walkable(self, tile: Tile) -> bool:
        """True for floor and arena tiles; False for walls, void and anything off the grid."""
        return tile in self._walkable

    def arena_of(self, tile: Tile) -> str | None:
        """The "Area:Arena" a tile belongs to, or None for street floor, walls and void."""
        return self._arena_at.get(tile)

    def is_open(self, area: str, t: GameSeconds) -> bool:
        """Whether `area` is open at `t` (seconds of day, or game time: taken modulo a day)."""
        hours = self.areas[area].open_hours
        if hours is None:
            return True
        now, (opens, closes) = t % DAY, hours
        return opens <= now < closes if opens < closes else now >= opens or now < closes

    def entry_tile(self, arena: str) -> Tile:
        """Where an agent goes in `arena` when it has no object: the tile nearest its centre."""
        return self._entries[arena]

    def path(self, start: Tile, goal: Tile) -> list[Tile]:
        """Shortest 4-connected walk from `start` to `goal`, excluding start, including goal.

        Of several equally short walks, the one `sim.world.paths.Router` reads off its tree.
        """
        return list(self._route(tuple(start), tuple(goal)))

    def _shortest(self, start: Tile, goal: Tile) -> tuple[Tile, ...]:
        for tile in (start, goal):
            if not self.walkable(tile):
                raise NoPath(f"tile {list(tile)} is not walkable in {self.name!r}")
        try:
            return self._router.walk(start, goal)
        except Unreachable as exc:
            raise NoPath(str(exc)) from None

    def layers_json(self) -> JSON:
        """Everything a viewer needs to draw the map without the engine, as plain JSON."""
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "tick_seconds": self.tick_seconds,
            "grid": list(self.rows),
            "legend": dict(self.spec.legend),
            "areas": [
                {
                    "name": a.name,
                    "kind": a.kind,
                    "description": a.description,
                    "open_hours": list(a.open_hours) if a.open_hours else None,
                    "arenas": list(a.arenas),
                }
                for a in self.areas.values()
            ],
            "arenas": [
                {
                    "path": r.path,
                    "area": r.area,
                    "name": r.name,
                    "description": r.description,
                    "entry": list(self._entries[r.path]),
                    "bbox": _bbox(r.tiles),
                    "objects": list(r.objects),
                }
                for r in self.arenas.values()
            ],
            "objects": [
                {
                    "key": o.key,
                    "name": o.name,
                    "arena": o.arena,
                    "tile": list(o.tile),
                    "use_tile": list(o.use_tile),
                    "description": o.description,
                    "state": o.default_state,
                }
                for o in self.objects.values()
            ],
        }

    def spec_json(self) -> JSON:
        """The validated world file as JSON, stored with every run so it can be replayed."""
        return self.spec.model_dump(mode="json")


@dataclass(frozen=True)
class WorldCheck:
    """What `check_world` found: the World when clean, the spec whenever the fields parsed."""

    file: Path
    spec: WorldSpec | None
    world: World | None
    places: Places | None  # known whenever `areas` is valid, so personas can still be checked
    problems: list[SimInputError]


def check_world(path: str | Path) -> WorldCheck:
    """Check a world directory (or its world.yaml), collecting every problem instead of raising."""
    path = Path(path)
    file = path / WORLD_FILE if path.is_dir() else path
    source = shown(file)
    try:
        data: Any = read_yaml(file)
    except SimInputError as exc:
        return WorldCheck(file, None, None, None, [exc])
    spec, problems = check_model(WorldSpec, data, source)
    raw = data if isinstance(data, dict) else {}
    problems += _check_persona_path(raw.get("personas"), file, source)
    if spec is None:  # still check whatever parsed, so one pass finds every mistake
        legend, grid, areas = (_parsed(adapter, raw.get(key)) for key, adapter in _MAP_FIELDS)
        problems += check_map(legend, grid, areas, source)  # type: ignore[arg-type]
        places = Places.of(areas, file) if areas is not None else None  # type: ignore[arg-type]
        return WorldCheck(file, None, None, places, problems)
    layout, found = build_layout(spec, source)
    problems += found
    world = World(spec, layout, file) if layout is not None and not problems else None
    return WorldCheck(file, spec, world, Places.of(spec.areas, file), problems)


def _parsed(adapter: TypeAdapter[Any], value: Any) -> Any:
    """`value` validated by `adapter`, or None when it is wrong (its error is already listed)."""
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _check_persona_path(declared: Any, file: Path, source: str) -> list[SimInputError]:
    """A `personas:` path that does not exist, said relative to world.yaml as it is read."""
    if not isinstance(declared, str) or not declared:
        return []
    target = file.parent / declared
    try:
        found = target.exists()
    except (OSError, ValueError):
        found = False
    if found:
        return []
    problem = f"{declared!r} does not exist (read relative to world.yaml, it is {shown(target)})"
    fix = "correct the path from the folder of world.yaml, or remove `personas:`"
    return [SimInputError(source, "personas", problem, fix)]


def load_world(path: str | Path) -> World:
    """Load a world directory (or its world.yaml); the first mistake is a one-line SimInputError."""
    check = check_world(path)
    raise_first(check.problems)
    assert check.world is not None  # no problems means the layout was built
    return check.world


def _central(tiles: tuple[Tile, ...]) -> Tile:
    """The tile closest to the centroid, ties broken by (y, x): stable across runs."""
    cx = sum(x for x, _ in tiles) / len(tiles)
    cy = sum(y for _, y in tiles) / len(tiles)
    return min(tiles, key=lambda t: ((t[0] - cx) ** 2 + (t[1] - cy) ** 2, t[1], t[0]))


def _bbox(tiles: tuple[Tile, ...]) -> list[int]:
    """[x0, y0, x1, y1] inclusive, for labelling an arena on the map."""
    xs, ys = [x for x, _ in tiles], [y for _, y in tiles]
    return [min(xs), min(ys), max(xs), max(ys)]
