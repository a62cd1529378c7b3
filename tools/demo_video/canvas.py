"""Scaled drawing on one picture: the colours, fonts, cached text, wrapped lines, bullets and
the anti-aliased shapes the frames are made of.

Every size and position is given for 1280x720 and scaled to the picture's height, so the quick
320x180 version is the same drawing, smaller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pygame
import pygame.gfxdraw

from kiosk.text_layout import wrap

Color = tuple[int, int, int]

BG = (14, 22, 34)
HEADER_BG = (30, 44, 64)
WHITE = (246, 246, 246)
MUTED = (196, 206, 220)
ACCENT = (255, 212, 60)
BODY = (244, 244, 244)
BODY_FAR = (150, 162, 180)
FLOOR = (44, 54, 68)
FLOOR_LINE = (150, 160, 175)
COUNTER_FACE = (120, 84, 52)
COUNTER_SEAM = (84, 58, 36)
COUNTER_TOP = (232, 186, 124)
COUNTER_KICK = (70, 50, 32)
LABEL = (255, 240, 214)
DIM = (92, 104, 124)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def find_font(bold: bool) -> Path | None:
    """DejaVu Sans when installed; None lets pygame use its own default font."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return path if path.exists() else None


class Canvas:
    """A picture of the given size and the scaled drawing operations on it."""

    def __init__(self, size: tuple[int, int]) -> None:
        pygame.font.init()
        self.w, self.h = size
        self.k = self.h / 720
        self.surface = pygame.Surface(size)
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._texts: dict[tuple[str, int, bool, Color], pygame.Surface] = {}

    def px(self, v: float) -> int:
        """A 1280x720 length in this picture's pixels."""
        return round(v * self.k)

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        if key not in self._fonts:
            path = find_font(bold)
            scaled = max(8, self.px(size))
            font = pygame.font.Font(str(path) if path else None, scaled)
            if path is None:
                font.set_bold(bold)
            self._fonts[key] = font
        return self._fonts[key]

    def text(self, s: str, size: int, color: Color = WHITE, bold: bool = False) -> pygame.Surface:
        """One line of text, rendered once and then reused: most frames repeat the last one's."""
        key = (s, size, bold, color)
        if key not in self._texts:
            self._texts[key] = self.font(size, bold).render(s, True, color)
        return self._texts[key]

    def blit_lines(
        self,
        s: str,
        size: int,
        x: int,
        y: int,
        width: int,
        color: Color = WHITE,
        bold: bool = False,
    ) -> int:
        """Draw wrapped text; return the y below it."""
        font = self.font(size, bold)
        for line in wrap(s, font, width):
            self.surface.blit(self.text(line, size, color, bold), (x, y))
            y += font.get_linesize()
        return y

    def bullets(self, items: Sequence[str], x: int, y: int, width: int, size: int = 52) -> int:
        """A bulleted list, each item wrapped beside its dot; return the y below it."""
        indent = self.px(46)
        font = self.font(size)
        for item in items:
            r = max(2, self.px(10))
            cy = y + font.get_linesize() // 2
            self.disc(x + self.px(14), cy, r, ACCENT)
            y = self.blit_lines(item, size, x + indent, y, width - indent)
            y += self.px(16)
        return y

    def disc(self, x: int, y: int, r: int, color: Color) -> None:
        """A filled circle with an anti-aliased edge."""
        pygame.gfxdraw.aacircle(self.surface, x, y, r, color)
        pygame.gfxdraw.filled_circle(self.surface, x, y, r, color)

    def polygon(self, points: Sequence[tuple[int, int]], color: Color) -> None:
        """A filled polygon with an anti-aliased edge."""
        pygame.gfxdraw.aapolygon(self.surface, points, color)
        pygame.gfxdraw.filled_polygon(self.surface, points, color)

    def capsule(
        self, a: tuple[float, float], b: tuple[float, float], width: float, color: Color
    ) -> None:
        """A thick line with round ends, anti-aliased."""
        r = width / 2
        dx, dy = b[0] - a[0], b[1] - a[1]
        d = math.hypot(dx, dy)
        if d > 1e-6:
            nx, ny = -dy / d * r, dx / d * r
            quad = [
                (round(a[0] + nx), round(a[1] + ny)),
                (round(b[0] + nx), round(b[1] + ny)),
                (round(b[0] - nx), round(b[1] - ny)),
                (round(a[0] - nx), round(a[1] - ny)),
            ]
            self.polygon(quad, color)
        ri = max(1, round(r))
        for p in (a, b):
            self.disc(round(p[0]), round(p[1]), ri, color)
