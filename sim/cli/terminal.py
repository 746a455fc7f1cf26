"""Text from personas, worlds and models is data: made safe and short before a terminal shows it.

An escape sequence in a persona's name or a model's answer could recolour, retitle or clear the
user's terminal, so everything but newlines and tabs among the control characters is removed.
"""

from __future__ import annotations

import re

from sim.types import JSON

# ANSI sequences (CSI, OSC with its terminator, and two-byte escapes), then lone C0/C1 controls.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clears
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI written as one C1 character
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without terminal control sequences or control characters (newline and tab stay)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def scrub(value: JSON) -> JSON:
    """`clean` applied to every string in a JSON-shaped value (keys included)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def shorten(text: str, width: int) -> str:
    """`text` cut to at most `width` characters at a word boundary, marked with "…"."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:  # a very long word is cut inside rather than losing most of the text
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def plural(n: int, noun: str) -> str:
    """A count with its noun: 1 memory, 2 memories, 3 turns."""
    if n == 1:
        return f"1 {noun}"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return f"{n} {noun[:-1]}ies"
    return f"{n} {noun}s"
