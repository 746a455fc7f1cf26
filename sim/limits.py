"""Size limits on user files, in one place so the loaders, their messages and docs agree.

Each limit is far above anything a hand-written or generated town needs, and low enough that a
hostile or mistaken file is refused in well under a second instead of eating memory.
"""

from __future__ import annotations

MAX_FILE_BYTES = 4 * 1024 * 1024  # one YAML file; a 300x300 grid is about 90 KB
MAX_YAML_NODES = 200_000  # values in one file once aliases are expanded (alias bombs)
MAX_YAML_DEPTH = 40  # nesting of lists and mappings
MAX_DIGITS = 18  # digits in one integer: anything longer does not fit a 64-bit seed
MAX_GRID_SIDE = 300  # rows and columns of a world grid (300x300 builds in about 2 s)
MAX_NAME_CHARS = 80  # a person's, area's, arena's or object's name
MAX_MEMORIES = 200  # seed memories per persona (each is rated by the LM before tick 0)
MAX_MEMORY_CHARS = 500  # one seed memory
