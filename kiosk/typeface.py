"""The kiosk's one typeface, for the screens and the captions alike.

DejaVu Sans where it is installed (Raspberry Pi OS has it; the installer makes sure), else
pygame's own font. Sizes are line heights in pixels, so "32 px text" means what it says.
"""

from __future__ import annotations

from functools import cache

import pygame

from kiosk.font_files import BOLD, REGULAR, find_font


def font_path(bold: bool = False) -> str | None:
    """The typeface's file, or None for pygame's own font."""
    found = find_font(BOLD if bold else REGULAR)
    return str(found) if found else None


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
