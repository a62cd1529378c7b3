"""The kiosk's one typeface, for the screens and the captions alike.

DejaVu Sans where it is installed (Raspberry Pi OS has it; the installer makes sure), else
pygame's own font. Sizes are line heights in pixels, so "32 px text" means what it says.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pygame
import pygame.freetype

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def font_path(bold: bool = False) -> str | None:
    """The typeface's file, or None for pygame's own font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return None


def font(size: int, bold: bool = False) -> pygame.font.Font:
    """The typeface at `size` pixels of line height."""
    if not pygame.font.get_init():
        pygame.font.init()
        _font.cache_clear()  # fonts made before a pygame.quit() are dead
    return _font(size, bold)


@cache
def _font(size: int, bold: bool) -> pygame.font.Font:
    # Fonts differ in how tall a "size" is; grow the size until the line is tall enough.
    path = font_path(bold)
    points = size
    candidate = pygame.font.Font(path, points)
    while candidate.get_height() < size:
        points += 1
        candidate = pygame.font.Font(path, points)
    return candidate


def undrawable(text: str) -> list[str]:
    """The characters of `text` the typeface has no picture for (they would show as boxes)."""
    metrics = _glyph_font().get_metrics(text)
    return [c for c, m in zip(text, metrics, strict=False) if m is None and not c.isspace()]


@cache
def _glyph_font() -> pygame.freetype.Font:
    # pygame.freetype says which glyphs are missing (pygame.font draws a box for them).
    pygame.freetype.init()
    return pygame.freetype.Font(font_path(), 32)
