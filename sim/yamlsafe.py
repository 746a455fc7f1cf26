"""Read a user's YAML file safely: every way it can be wrong or hostile is one SimInputError.

PyYAML alone keeps the last of two duplicate keys, reads an unquoted `22:00` as the number 1320
(YAML 1.1 base-60), builds a 5,000-digit integer and then fails converting it, expands alias
bombs, and lets a symlink loop or a 9 MB grid through. Here the file is composed into nodes
first, the nodes are checked against `sim.limits`, and only then turned into Python values.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import yaml

from sim import limits
from sim.errors import SimInputError

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C parser: fast
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WHOLE = re.compile(r"^[-+]?(0b[01]+|0x[0-9a-fA-F]+|[0-9]+)$")
_MISSING = "check the path: a relative one starts from the current folder"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader without YAML 1.1 base-60 numbers and dates: `sleep: 22:00` is the text '22:00'.

    No file format here has a date field, and `2024-13-45` would otherwise fail as a date.
    """

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {
        first: [
            (tag, re.compile(r"(?!.*:)" + rx.pattern, rx.flags) if tag in (_INT, _FLOAT) else rx)
            for tag, rx in resolvers
            if tag != "tag:yaml.org,2002:timestamp"
        ]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Render a location as `areas[1].arenas[0].at` (odd keys as `legend['x']`)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def shown(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return str(path)
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(resolved)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file into plain values; any problem is one SimInputError naming the file."""
    source = shown(path)
    text = _read_text(path, source)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _Walk(source).check(node, (), 0)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SimInputError(
            source,
            f"line {mark.line + 1 if mark else 0}",
            f"YAML syntax error: {exc.problem or exc.context}",
            "check indentation and quote text that contains ':' or '#'",
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        problem = f"cannot read YAML: {exc}".replace("\n", " ")
        raise SimInputError(source, "", problem, "save it as UTF-8 text in YAML format") from None
    finally:
        loader.dispose()


def _read_text(path: Path, source: str) -> str:
    """The file's text, refusing what is not a readable, reasonably sized UTF-8 file."""
    try:
        if path.is_symlink() and not path.exists():
            raise SimInputError(
                source, "", "a symbolic link that leads nowhere or to itself", "link a real file"
            )
        if not path.is_file():
            raise SimInputError(source, "", "file not found", _MISSING)
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            raise SimInputError(
                source,
                "",
                f"file is {size / 1e6:.1f} MB; the most a file may hold is "
                f"{limits.MAX_FILE_BYTES / 1e6:.1f} MB",
                "split it into smaller files or shrink the grid",
            )
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SimInputError(source, "", "not UTF-8 text", "save it as UTF-8 text") from None
    except OSError as exc:
        problem = f"cannot read the file: {exc.strerror or exc}"
        raise SimInputError(source, "", problem, _MISSING) from None


class _Walk:
    """One pass over the composed nodes: duplicate keys, numbers, control characters, size."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sizes: dict[int, int] = {}  # node id -> values under it, aliases expanded
        self.open: set[int] = set()  # nodes on the current path, to catch recursive aliases

    def fail(self, node: yaml.Node, loc: tuple[int | str, ...], problem: str, fix: str) -> NoReturn:
        where = field_path(loc) or "top level"
        raise SimInputError(self.source, f"{where} (line {node.start_mark.line + 1})", problem, fix)

    def check(self, node: yaml.Node, loc: tuple[int | str, ...], depth: int) -> int:
        """Check `node` and everything under it; the number of values it expands to."""
        if id(node) in self.sizes:
            return self.sizes[id(node)]
        if id(node) in self.open:
            self.fail(node, loc, "an alias refers to itself", "remove the recursive `*alias`")
        if depth > limits.MAX_YAML_DEPTH:
            deep = f"nested more than {limits.MAX_YAML_DEPTH} levels deep"
            self.fail(node, loc, deep, "flatten it")
        self.open.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            self.scalar(node, loc)
            size = 1
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self.check(v, (*loc, i), depth + 1) for i, v in enumerate(node.value))
        else:
            size = 1 + self.mapping(node, loc, depth)
        self.open.discard(id(node))
        if size > limits.MAX_YAML_NODES:
            self.fail(
                node,
                loc,
                f"holds more than {limits.MAX_YAML_NODES} values once aliases are expanded",
                "write it out without `*alias` references, or split the file",
            )
        self.sizes[id(node)] = size
        return size

    def mapping(self, node: yaml.MappingNode, loc: tuple[int | str, ...], depth: int) -> int:
        seen: dict[tuple[str, str], int] = {}  # (tag, key) -> line of its first use
        size = 0
        for key, value in node.value:
            here = loc
            if isinstance(key, yaml.ScalarNode):
                here = (*loc, key.value)
                first = seen.get((key.tag, key.value))
                if first is not None and key.value != "<<":
                    self.fail(
                        key,
                        here,
                        f"key {key.value!r} appears twice (first on line {first})",
                        "keep one: YAML would silently use the last",
                    )
                seen[(key.tag, key.value)] = key.start_mark.line + 1
            size += self.check(key, here, depth + 1) + self.check(value, here, depth + 1)
        return size

    def scalar(self, node: yaml.ScalarNode, loc: tuple[int | str, ...]) -> None:
        value = node.value
        bad = _CONTROL.search(value)
        if bad:
            self.fail(
                node,
                loc,
                f"holds the control character U+{ord(bad.group()):04X}",
                "remove it; only tabs and line breaks are allowed in text",
            )
        if node.tag not in (_INT, _FLOAT):
            return
        plain = value.replace("_", "")
        if node.tag == _INT and not _WHOLE.match(plain):
            self.fail(node, loc, f"{value[:20]!r} is not a whole number", "write digits only")
        digits = len(re.sub(r"^[-+]?(0[xob])?", "", plain))
        if node.tag == _INT and digits > limits.MAX_DIGITS:
            self.fail(
                node,
                loc,
                f"a number with {digits} digits; the most is {limits.MAX_DIGITS}",
                "use a smaller number",
            )
        if node.tag == _FLOAT and not _finite(plain):
            self.fail(node, loc, f"{value[:20]!r} is not a finite number", "use an ordinary number")


def _finite(text: str) -> bool:
    """Whether a YAML float is an ordinary number (not .inf, .nan, 1e999 or junk)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
