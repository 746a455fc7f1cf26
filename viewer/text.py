"""Fonts and cached text surfaces, including emoji when some installed font can draw them.

Text is re-rendered every frame otherwise, which alone would cost the frame budget with 25
agents; the cache keys on (text, size, colour, bold). Emoji need a font that has them: if none
is found the viewer shows text only rather than tofu boxes or a crash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pygame

Color = tuple[int, int, int]
TEXT_FONTS = ["dejavusans", "notosans", "liberationsans", "arial", "helvetica"]
EMOJI_FONTS = ["notocoloremoji", "notoemoji", "applecoloremoji", "seguiemoji", "twemoji", "symbola"]
CACHE_LIMIT = 4000
NO_GLYPH = "\U0010fffd"  # a private-use code point no font draws


class Text:
    """Renders and caches text; one per window (fonts need `pygame.font.init`)."""

    def __init__(self) -> None:
        import pygame

        pygame.font.init()
        self._pygame = pygame
        self._path = pygame.font.match_font(TEXT_FONTS)
        self._bold_path = pygame.font.match_font(TEXT_FONTS, bold=True) or self._path
        self._emoji_path = pygame.font.match_font(EMOJI_FONTS)
        self._fonts: dict[tuple[int, bool, bool], pygame.font.Font | None] = {}
        self._cache: dict[tuple[str, int, Color, bool], pygame.Surface] = {}
        self._emoji: dict[tuple[str, int], pygame.Surface | None] = {}
        self._plates: dict[tuple[str, int, Color, Color], pygame.Surface] = {}
        self._wrapped: dict[tuple[str, int, int, bool], list[str]] = {}

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        """The text font at a pixel size."""
        key = (size, bold, False)
        if key not in self._fonts:
            self._fonts[key] = self._pygame.font.Font(self._bold_path if bold else self._path, size)
        return self._fonts[key]  # type: ignore[return-value]

    def render(self, text: str, size: int, color: Color, bold: bool = False) -> pygame.Surface:
        """`text` as an antialiased surface (cached)."""
        key = (text, size, color, bold)
        surface = self._cache.get(key)
        if surface is None:
            if len(self._cache) > CACHE_LIMIT:
                self._cache.clear()
            clean = text.replace("\x00", "")[:300] or " "
            surface = self.font(size, bold).render(clean, True, color)
            self._cache[key] = surface
        return surface

    def label(self, text: str, size: int, fg: Color, bg: Color) -> pygame.Surface:
        """Text on a rounded plate, for labels drawn over the busy map (cached)."""
        key = (text, size, fg, bg)
        plate = self._plates.get(key)
        if plate is None:
            if len(self._plates) > CACHE_LIMIT:
                self._plates.clear()
            inner = self.render(text, size, fg)
            w, h = inner.get_width() + 8, inner.get_height() + 2
            plate = self._pygame.Surface((w, h), self._pygame.SRCALPHA)
            self._pygame.draw.rect(plate, (*bg, 215), (0, 0, w, h), border_radius=4)
            plate.blit(inner, (4, 1))
            self._plates[key] = plate
        return plate

    def emoji(self, text: str, size: int) -> pygame.Surface | None:
        """`text` drawn with a font that has every glyph of it, or None if no font does."""
        key = (text, size)
        if key not in self._emoji:
            self._emoji[key] = self._render_emoji(text, size) if text.strip() else None
        return self._emoji[key]

    def _render_emoji(self, text: str, size: int) -> pygame.Surface | None:
        text = text.replace("\ufe0f", "")  # variation selectors: SDL_ttf draws no sequences
        for path in (self._emoji_path, self._path):
            font = self._emoji_font(path, size)
            if font is None:
                continue
            try:
                if any(self._missing(font, ch) for ch in text):
                    continue
                surface = font.render(text, True, (0, 0, 0))
            except (self._pygame.error, ValueError):
                continue
            if surface.get_height() > 2 * size:  # colour emoji fonts come in one big size
                w = max(1, surface.get_width() * size // max(1, surface.get_height()))
                surface = self._pygame.transform.smoothscale(surface, (w, size))
            return surface
        return None

    def _missing(self, font: pygame.font.Font, ch: str) -> bool:
        """Whether `font` lacks `ch`: it then draws the same box as for an unassigned code point."""
        tobytes = self._pygame.image.tobytes
        box = tobytes(font.render(NO_GLYPH, True, (0, 0, 0)), "RGBA")
        return tobytes(font.render(ch, True, (0, 0, 0)), "RGBA") == box

    def _emoji_font(self, path: str | None, size: int) -> pygame.font.Font | None:
        if path is None:
            return None
        key = (size, False, path == self._emoji_path)
        if key not in self._fonts:
            try:
                self._fonts[key] = self._pygame.font.Font(path, size)
            except (self._pygame.error, OSError, ValueError):
                self._fonts[key] = None
        return self._fonts[key]

    def wrap(self, text: str, size: int, width: int, bold: bool = False) -> list[str]:
        """Split `text` into lines that fit `width` pixels (long words are cut); cached."""
        key = (text, size, width, bold)
        if key not in self._wrapped:
            if len(self._wrapped) > CACHE_LIMIT:
                self._wrapped.clear()
            self._wrapped[key] = self._wrap(text, size, width, bold)
        return self._wrapped[key]

    def _wrap(self, text: str, size: int, width: int, bold: bool) -> list[str]:
        font = self.font(size, bold)
        lines: list[str] = []
        for paragraph in text.replace("\x00", "").split("\n"):
            line = ""
            for word in paragraph.split(" "):
                trial = f"{line} {word}" if line else word
                if font.size(trial)[0] <= width:
                    line = trial
                    continue
                if line:
                    lines.append(line)
                while font.size(word)[0] > width and len(word) > 1:
                    cut = max(1, len(word) * width // font.size(word)[0])
                    lines.append(word[:cut])
                    word = word[cut:]
                line = word
            lines.append(line)
        return lines
