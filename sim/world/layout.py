"""Turn a validated WorldSpec into tiles, and reject maps an agent could not live in.

Every check reports the exact field (`grid`, `legend['k']`, `areas[1].arenas[0].objects[2].at`)
so a user can fix their world.yaml from the message alone, and appends to a list instead of
raising, so `sim validate` can list every mistake at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from sim.errors import SimInputError
from sim.limits import MAX_GRID_SIDE
from sim.types import Tile
from sim.world.files import arena_problem
from sim.world.spec import TILE_KINDS, AreaSpec, WorldSpec

# Order in which a wall-mounted object looks for the tile an agent stands on to use it.
NEIGHBOURS: tuple[Tile, ...] = ((0, 1), (0, -1), (-1, 0), (1, 0))


@dataclass(frozen=True)
class Layout:
    """The grid resolved into tiles: who owns each tile, what is walkable, where objects are."""

    rows: tuple[str, ...]
    width: int
    height: int
    arena_at: dict[Tile, str]
    walkable: frozenset[Tile]
    arena_tiles: dict[str, tuple[Tile, ...]]
    placements: dict[str, tuple[Tile, Tile]]  # object key -> (tile, use tile)
    graph: nx.Graph


def build_layout(spec: WorldSpec, source: str) -> tuple[Layout | None, list[SimInputError]]:
    """Check the grid against the legend and areas; the Layout, or None and every problem.

    Tile checks need a readable grid, so a bad legend or grid stops before them rather than
    reporting the same typo again as empty arenas and misplaced objects.
    """
    problems: list[SimInputError] = []
    declared = _check_names(spec, source, problems)
    legend_ok = _check_legend(spec, declared, source, problems)
    rows = _rows(spec, source, problems)
    if rows is None or not legend_ok:
        return None, problems
    arena_at: dict[Tile, str] = {}
    walkable: set[Tile] = set()
    for y, row in enumerate(rows):
        for x, char in enumerate(row):
            value = spec.legend[char]
            if value == "floor" or value not in TILE_KINDS:
                walkable.add((x, y))
            if value not in TILE_KINDS:
                arena_at[(x, y)] = value
    arena_tiles = _arena_tiles(spec, arena_at, source, problems)
    placements = _place_objects(spec, rows, arena_at, arena_tiles, source, problems)
    graph = nx.grid_2d_graph(len(rows[0]), len(rows)).subgraph(walkable).copy()
    _check_reachable(spec, graph, arena_tiles, source, problems)
    if problems:
        return None, problems
    layout = Layout(
        rows=rows,
        width=len(rows[0]),
        height=len(rows),
        arena_at=arena_at,
        walkable=frozenset(walkable),
        arena_tiles=arena_tiles,
        placements=placements,
        graph=nx.freeze(graph),
    )
    return layout, problems


def check_map(
    legend: dict[str, str] | None, grid: str | None, areas: list[AreaSpec] | None, source: str
) -> list[SimInputError]:
    """The map's problems when other world.yaml fields are wrong: whatever parsed is checked.

    A misspelt `tick_seconds` must not hide a ragged grid row, so `sim validate` checks the
    grid whenever `legend` and `grid` parsed, and the tiles whenever `areas` did too.
    """
    if legend is None or grid is None:
        return []
    if not areas:  # none declared, or not readable: only the grid itself can be checked
        problems: list[SimInputError] = []
        _rows(WorldSpec.model_construct(legend=legend, grid=grid), source, problems)
        return problems
    return build_layout(WorldSpec.model_construct(legend=legend, grid=grid, areas=areas), source)[1]


def _arenas(spec: WorldSpec) -> list[tuple[str, str]]:
    """(field, "Area:Arena") for every declared arena, in file order."""
    return [
        (f"areas[{i}].arenas[{j}]", f"{area.name}:{arena.name}")
        for i, area in enumerate(spec.areas)
        for j, arena in enumerate(area.arenas)
    ]


def _check_names(spec: WorldSpec, source: str, problems: list[SimInputError]) -> list[str]:
    """Report duplicate area/arena/object names; return the declared arena paths in order."""
    _unique([a.name for a in spec.areas], "areas[{}].name", "area", source, problems)
    for i, area in enumerate(spec.areas):
        where = f"areas[{i}].arenas[{{}}].name"
        _unique([r.name for r in area.arenas], where, "arena", source, problems)
        for j, arena in enumerate(area.arenas):
            where = f"areas[{i}].arenas[{j}].objects[{{}}].name"
            _unique([o.name for o in arena.objects], where, "object", source, problems)
    return [path for _, path in _arenas(spec)]


def _unique(
    names: list[str], where: str, what: str, source: str, problems: list[SimInputError]
) -> None:
    seen: set[str] = set()
    for k, name in enumerate(names):
        if name in seen:
            problems.append(
                SimInputError(
                    source,
                    where.format(k),
                    f"duplicate {what} name {name!r}",
                    "give it another name",
                )
            )
        seen.add(name)


def _check_legend(
    spec: WorldSpec, declared: list[str], source: str, problems: list[SimInputError]
) -> bool:
    """Report bad legend entries; True when every entry is usable."""
    before = len(problems)
    for char, value in spec.legend.items():
        field = f"legend[{char!r}]"
        if len(char) != 1 or char in "\r\n":
            problems.append(
                SimInputError(
                    source, field, "legend keys must be exactly one character", "use one character"
                )
            )
        elif value not in TILE_KINDS and value not in declared:
            problem, fix = arena_problem(value, declared, "`areas`", also=TILE_KINDS)
            problems.append(SimInputError(source, field, problem, fix))
    return len(problems) == before


def _rows(spec: WorldSpec, source: str, problems: list[SimInputError]) -> tuple[str, ...] | None:
    """Grid rows without blank leading/trailing lines, or None after reporting why they are bad.

    Each ragged row and each character missing from the legend is reported once (with its
    first position), so a stray character used a hundred times is still one line.
    """
    lines = spec.grid.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        problems.append(
            SimInputError(source, "grid", "grid is empty", "draw the map, one row per line")
        )
        return None
    widest = max(len(row) for row in lines)
    if len(lines) > MAX_GRID_SIDE or widest > MAX_GRID_SIDE:
        problems.append(
            SimInputError(
                source,
                "grid",
                f"the grid is {widest}x{len(lines)} tiles; the most is "
                f"{MAX_GRID_SIDE}x{MAX_GRID_SIDE}",
                "draw a smaller map: one tile is about a metre, so 300 tiles is a small town",
            )
        )
        return None
    before = len(problems)
    width = len(lines[0])
    unknown: dict[str, tuple[int, int, int]] = {}  # char -> (x, y, count)
    for y, row in enumerate(lines):
        if len(row) != width:
            problems.append(
                SimInputError(
                    source,
                    "grid",
                    f"row y={y} is {len(row)} characters wide but row y=0 is {width}",
                    "pad or trim rows so all have the same length (watch trailing spaces)",
                )
            )
        for x, char in enumerate(row):
            if char not in spec.legend:
                first = unknown.get(char, (x, y, 0))
                unknown[char] = (first[0], first[1], first[2] + 1)
    for char, (x, y, count) in unknown.items():
        times = f" (and {count - 1} more times)" if count > 1 else ""
        problems.append(
            SimInputError(
                source,
                "grid",
                f"character {char!r} at [{x}, {y}]{times} is not in the legend",
                f"add {char!r} to legend or use one of: {''.join(spec.legend)}",
            )
        )
    return tuple(lines) if len(problems) == before else None


def _arena_tiles(
    spec: WorldSpec, arena_at: dict[Tile, str], source: str, problems: list[SimInputError]
) -> dict[str, tuple[Tile, ...]]:
    """Tiles of each arena in (y, x) order; a declared arena without tiles is a problem."""
    tiles: dict[str, list[Tile]] = {}
    for tile, path in arena_at.items():
        tiles.setdefault(path, []).append(tile)
    out: dict[str, tuple[Tile, ...]] = {}
    for field, path in _arenas(spec):
        if path in tiles:
            out[path] = tuple(sorted(tiles[path], key=lambda t: (t[1], t[0])))
        else:
            problems.append(
                SimInputError(
                    source,
                    field,
                    f"arena {path!r} has no tiles in the grid",
                    f"map a legend character to {path!r} and draw it in the grid",
                )
            )
    return out


def _place_objects(
    spec: WorldSpec,
    rows: tuple[str, ...],
    arena_at: dict[Tile, str],
    arena_tiles: dict[str, tuple[Tile, ...]],
    source: str,
    problems: list[SimInputError],
) -> dict[str, tuple[Tile, Tile]]:
    """Each object's (tile, use tile): on its arena, or on a wall/void right next to it.

    Objects of an arena without tiles are skipped: that arena is already reported.
    """
    width, height = len(rows[0]), len(rows)
    out: dict[str, tuple[Tile, Tile]] = {}
    for i, area in enumerate(spec.areas):
        for j, arena in enumerate(area.arenas):
            path = f"{area.name}:{arena.name}"
            if path not in arena_tiles:
                continue
            for k, obj in enumerate(arena.objects):
                field = f"areas[{i}].arenas[{j}].objects[{k}].at"
                x, y = obj.at
                if not (0 <= x < width and 0 <= y < height):
                    problems.append(
                        SimInputError(
                            source,
                            field,
                            f"[{x}, {y}] is outside the {width}x{height} grid",
                            f"use x in 0..{width - 1} and y in 0..{height - 1}",
                        )
                    )
                    continue
                use = _use_tile(spec, rows, arena_at, path, (x, y))
                if use is None:
                    problems.append(
                        SimInputError(
                            source,
                            field,
                            f"[{x}, {y}] is a {_describe(spec, rows, arena_at, (x, y))} tile, "
                            f"not in {path!r}",
                            f"put it on a tile of {path!r} or on a wall/void tile touching one",
                        )
                    )
                    continue
                out[f"{path}:{obj.name}"] = ((x, y), use)
    return out


def _use_tile(
    spec: WorldSpec, rows: tuple[str, ...], arena_at: dict[Tile, str], path: str, tile: Tile
) -> Tile | None:
    if arena_at.get(tile) == path:
        return tile
    x, y = tile
    if spec.legend[rows[y][x]] not in ("wall", "void"):
        return None
    for dx, dy in NEIGHBOURS:
        if arena_at.get((x + dx, y + dy)) == path:
            return (x + dx, y + dy)
    return None


def _describe(spec: WorldSpec, rows: tuple[str, ...], arena_at: dict[Tile, str], t: Tile) -> str:
    return repr(arena_at[t]) if t in arena_at else spec.legend[rows[t[1]][t[0]]]


def _check_reachable(
    spec: WorldSpec,
    graph: nx.Graph,
    arena_tiles: dict[str, tuple[Tile, ...]],
    source: str,
    problems: list[SimInputError],
) -> None:
    """Every arena tile must lie in the one walkable region that joins the most arenas."""
    order = list(arena_tiles)
    if not order:
        return
    components = [set(c) for c in nx.connected_components(graph)]

    def reach(component: set[Tile]) -> int:
        return sum(1 for p in order if component.intersection(arena_tiles[p]))

    main = max(components, key=reach)
    anchor = next(p for p in order if main.intersection(arena_tiles[p]))
    for field, path in _arenas(spec):
        stranded = [t for t in arena_tiles.get(path, ()) if t not in main]
        if stranded:
            x, y = stranded[0]
            problems.append(
                SimInputError(
                    source,
                    field,
                    f"arena {path!r} cannot be reached from {anchor!r} (tile [{x}, {y}] is "
                    "walled in)",
                    "open a door: replace a wall tile between them with a walkable one",
                )
            )
