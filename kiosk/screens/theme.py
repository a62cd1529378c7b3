"""Colours, type sizes and fonts chosen for older eyes: large, plain, high contrast (>= 7:1)."""

from __future__ import annotations

import pygame

from kiosk import typeface

Colour = tuple[int, int, int]

BACKGROUND: Colour = (16, 20, 24)
TEXT: Colour = (255, 255, 255)
MUTED_TEXT: Colour = (214, 220, 226)
PANEL: Colour = (43, 52, 64)
GO: Colour = (14, 90, 30)  # start, resume
PRIMARY: Colour = (255, 212, 0)  # yellow buttons with dark text
PRIMARY_TEXT: Colour = (0, 0, 0)
ALERT: Colour = (122, 0, 0)  # out of reach: white on dark red
FAULT: Colour = (255, 212, 0)  # sensor fault: black on yellow
FAULT_TEXT: Colour = (0, 0, 0)
GAUGE_SAFE: Colour = (60, 200, 90)
GAUGE_OUT: Colour = (255, 90, 90)

# (text, background) pairs the screens use; the tests check each is at least 7:1.
PAIRS: dict[str, tuple[Colour, Colour]] = {
    "body": (TEXT, BACKGROUND),
    "muted": (MUTED_TEXT, BACKGROUND),
    "panel": (TEXT, PANEL),
    "go": (TEXT, GO),
    "primary": (PRIMARY_TEXT, PRIMARY),
    "alert": (TEXT, ALERT),
    "fault": (FAULT_TEXT, FAULT),
}


def _luminance(colour: Colour) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    """WCAG contrast ratio of two colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def font(size: int, bold: bool = False) -> pygame.font.Font:
    """The kiosk's typeface at `size` pixels of line height (kiosk/typeface.py)."""
    return typeface.font(size, bold)
