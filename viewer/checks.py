"""Shape checks for what the viewer reads from a run database.

A damaged file (a hand edit, a half-copied disk, a future writer) can hold any JSON in a JSON
column (and, in SQLite, any value in any column: RunReader.wrong_type finds those). Each check
returns the first problem as words, or None, so the source can name the file, the table and
what is wrong in one line instead of failing later in the middle of drawing.
"""

from __future__ import annotations

from typing import Any

MAX_SIDE = 2000  # tiles; a bigger map cannot be drawn at a readable zoom anyway


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def layers_problem(layers: Any) -> str | None:
    """What is wrong with the recorded map layers, if anything."""
    if not isinstance(layers, dict):
        return "the map layers are not a JSON object"
    missing = [k for k in ("width", "height", "grid", "legend") if k not in layers]
    if missing:
        return f"the map layers lack {', '.join(missing)}"
    w, h, grid, legend = layers["width"], layers["height"], layers["grid"], layers["legend"]
    if not (_is_int(w) and _is_int(h) and 0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE):
        return f"the map size {w!r} x {h!r} is not two whole numbers in 1..{MAX_SIDE}"
    if not isinstance(grid, list) or len(grid) != h:
        return f"the map grid is not a list of {h} rows"
    if any(not isinstance(row, str) or len(row) != w for row in grid):
        return f"a map grid row is not text of {w} characters"
    if not isinstance(legend, dict) or any(not isinstance(v, str) for v in legend.values()):
        return "the map legend is not an object of character -> kind"
    objects = layers.get("objects", [])
    if not isinstance(objects, list):
        return "the map objects are not a list"
    for o in objects:
        tile = o.get("tile") if isinstance(o, dict) else None
        if not isinstance(o, dict) or not isinstance(o.get("key"), str):
            return f"a map object has no text key: {str(o)[:60]}"
        if not (isinstance(tile, list) and len(tile) == 2 and all(map(_is_int, tile))):
            return f"map object {o['key']!r} has no [x, y] tile"
    return None


def agents_problem(personas: Any) -> str | None:
    """What is wrong with the recorded personas, if anything (the viewer needs the names)."""
    if not isinstance(personas, list):
        return "the personas are not a JSON list"
    for p in personas:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            return f"a persona has no text name: {str(p)[:60]}"
    return None


def conversation_problem(participants: Any, lines: Any) -> str | None:
    """What is wrong with a conversation's participants and lines, if anything."""
    if not isinstance(participants, list) or not all(isinstance(p, str) for p in participants):
        return "participants_json is not a list of names"
    pairs = isinstance(lines, list) and all(
        isinstance(line, list) and len(line) == 2 and all(isinstance(x, str) for x in line)
        for line in lines
    )
    return None if pairs else "lines_json is not a list of [speaker, text] pairs"


def memories_problem(memories: Any) -> str | None:
    """What is wrong with a retrieval's memories, if anything."""
    if isinstance(memories, list) and all(isinstance(m, dict) for m in memories):
        return None
    return "memories_json is not a list of objects"
