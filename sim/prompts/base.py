"""What every prompt shares: the call bundle, the system message and enum helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from sim.llm.protocol import Message

T = TypeVar("T", bound=BaseModel)

SYSTEM = (
    "You play one character in a simulated town. Stay in character, be concrete and brief, "
    "write in plain English, and answer only with a JSON object that follows the given schema."
)

# A closed emoji set: the tiny embedded model cannot invent glyphs the viewer cannot draw.
EMOJI = (
    "🙂", "😴", "☕", "🍳", "🍽️", "📚", "✍️", "💻", "🧹", "🚿", "🚶", "🛒", "🌳", "🌱",
    "💬", "🎨", "🎵", "🏃", "🧘", "📺", "🛠️", "📦", "💼", "🎉", "🤔", "📞", "🍺", "🧺",
)  # fmt: skip


@dataclass(frozen=True)
class PromptCall(Generic[T]):
    """A rendered prompt: the messages, the typed answer expected and the safe default."""

    purpose: str
    messages: tuple[Message, ...]
    output: type[T]
    fallback: T
    max_tokens: int = 200
    temperature: float = 0.7
    # Why an answer is unusable beyond its schema (None: usable); None here means the default
    # gate (`sim.cognition.gate.hard_failure`).
    check: Callable[[T], str | None] | None = None


def chat(user: str) -> tuple[Message, ...]:
    """System + user messages."""
    return (Message("system", SYSTEM), Message("user", user))


def choice(options: Iterable[str]) -> Any:
    """A Literal type over `options`, so the schema's enum holds only valid choices."""
    values = tuple(dict.fromkeys(options))
    if not values:
        raise ValueError("a choice needs at least one option")
    return Literal[values]  # type: ignore[valid-type]


def numbered(lines: Sequence[str], start: int = 1) -> str:
    """Render lines as a numbered list."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start)) or "(none)"


def clip(text: str, words: int) -> str:
    """`text` cut to its first `words` words, marked with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


def bullet(lines: Sequence[str]) -> str:
    """Render lines as a bullet list."""
    return "\n".join(f"- {line}" for line in lines) or "- (nothing yet)"
