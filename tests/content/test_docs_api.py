"""docs/api.md runs as written: its python blocks in order in one namespace, like a notebook.

A line `EXPR  # -> VALUE` in a block is also checked: `repr(EXPR)` must be VALUE, so the outputs
the page shows cannot drift from what the code gives.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from sim.runlog import FRAME_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
SHOWN = "  # -> "


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fences, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def run_block(source: str, namespace: dict[str, Any], name: str) -> None:
    """Execute one block statement by statement, checking every shown value."""
    lines = source.splitlines()
    for node in ast.parse(source, name).body:
        assert node.end_lineno is not None
        last = lines[node.end_lineno - 1]
        module = ast.Module(body=[node], type_ignores=[])
        if isinstance(node, ast.Expr) and SHOWN in last:
            shown = last.rsplit(SHOWN, 1)[1].strip()
            value = eval(compile(ast.Expression(node.value), name, "eval"), namespace)
            assert repr(value) == shown, f"{name}, line {node.lineno}: got {value!r}"
        else:
            exec(compile(module, name, "exec"), namespace)


def test_every_python_block_runs_in_order_in_one_namespace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) > 10
    namespace: dict[str, Any] = {"__name__": "docs_api"}
    try:
        for number, block in enumerate(blocks, 1):
            name = f"docs/api.md python block {number}"
            try:
                run_block(block, namespace, name)
            except Exception as exc:  # name the block, whatever it raised
                pytest.fail(f"{name} failed: {type(exc).__name__}: {exc}")
    finally:
        if isinstance(namespace.get("tmp"), Path):  # the page's own temporary folder
            shutil.rmtree(namespace["tmp"], ignore_errors=True)


def test_the_frames_table_lists_every_frame_with_its_columns() -> None:
    rows = re.findall(
        r"^\| `(\w+)` \| ((?:`\w+`(?:, )?)+) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE
    )
    documented = {name: tuple(re.findall(r"`(\w+)`", cells)) for name, cells in rows}
    for name, columns in FRAME_COLUMNS.items():
        assert documented.get(name) == columns, name
    assert documented["agents"] == ("agent", "place", "action", "x", "y", "memories")
