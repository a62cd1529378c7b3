"""Buttons, wrapped text and the distance gauge."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from kiosk.screens import theme
from kiosk.screens.layout import Layout
from kiosk.text_layout import wrap

_STYLES = {
    "go": (theme.GO, theme.TEXT),
    "primary": (theme.PRIMARY, theme.PRIMARY_TEXT),
    "panel": (theme.PANEL, theme.TEXT),
    "fault": (theme.BACKGROUND, theme.TEXT),
}


@dataclass(frozen=True)
class Button:
    rect: pygame.Rect
    label: str
    action: str
    style: str = "panel"

    def hit(self, point: tuple[int, int]) -> bool:
        return self.rect.collidepoint(point)


def draw_button(surface: pygame.Surface, button: Button, layout: Layout) -> Button:
    fill, ink = _STYLES[button.style]
    radius = round(14 * layout.scale)
    pygame.draw.rect(surface, fill, button.rect, border_radius=radius)
    pygame.draw.rect(surface, theme.TEXT, button.rect, width=3, border_radius=radius)
    lines, label_font = _fit_label(button.label, button.rect, layout.body_px)
    step = label_font.get_linesize()
    top = button.rect.centery - step * len(lines) // 2
    for i, line in enumerate(lines):
        image = label_font.render(line, True, ink)
        surface.blit(image, image.get_rect(midtop=(button.rect.centerx, top + i * step)))
    return button


def _fit_label(label: str, rect: pygame.Rect, size: int) -> tuple[list[str], pygame.font.Font]:
    """The label on one line, else on two, else smaller (never below 24 px)."""
    room = rect.width - 24
    while True:
        label_font = theme.font(size, bold=True)
        lines = label.split("\n")
        if len(lines) == 1 and label_font.size(label)[0] > room:
            lines = wrap(label, label_font, room)
        fits = all(label_font.size(line)[0] <= room for line in lines)
        tall_enough = len(lines) * label_font.get_linesize() <= rect.height - 8
        if (fits and tall_enough) or size <= 24:
            return lines, label_font
        size -= 2


def fit_size(
    text: str, width: int, max_lines: int, largest: int, smallest: int, bold: bool = False
) -> int:
    """The largest type size from `largest` down to `smallest` that keeps `text` in
    `max_lines` lines; `smallest` if none does."""
    size = largest
    while size > smallest and len(wrap(text, theme.font(size, bold), width)) > max_lines:
        size -= 2
    return max(size, smallest)


def draw_text(
    surface: pygame.Surface,
    text: str,
    rect: pygame.Rect,
    size: int,
    colour: theme.Colour = theme.TEXT,
    *,
    bold: bool = False,
    centre: bool = False,
) -> int:
    """Draw wrapped text from the top of `rect`; returns the y below the last line."""
    text_font = theme.font(size, bold)
    y = rect.top
    for line in wrap(text, text_font, rect.width):
        image = text_font.render(line, True, colour)
        x = rect.centerx - image.get_width() // 2 if centre else rect.left
        surface.blit(image, (x, y))
        y += text_font.get_linesize()
    return y


def draw_gauge(
    surface: pygame.Surface,
    rect: pygame.Rect,
    distance_mm: int | None,
    reach_mm: int,
    layout: Layout,
    *,
    full_scale_mm: int = 1200,
    labels: bool = True,
) -> list[pygame.Rect]:
    """The support at the left, the reach line, and the walker as a large dot; returns where
    the labels went."""
    pygame.draw.rect(surface, theme.PANEL, rect, border_radius=rect.height // 2)
    inner = rect.inflate(-rect.height, 0)
    reach_x = inner.left + round(inner.width * min(reach_mm, full_scale_mm) / full_scale_mm)
    safe = pygame.Rect(rect.left, rect.top, reach_x - rect.left, rect.height)
    pygame.draw.rect(surface, theme.GAUGE_SAFE, safe, border_radius=rect.height // 2)
    pygame.draw.rect(surface, theme.TEXT, (reach_x - 3, rect.top - 12, 6, rect.height + 24))
    # the support
    pygame.draw.rect(surface, theme.TEXT, (rect.left - 10, rect.top - 20, 14, rect.height + 40))
    if distance_mm is None:
        x = rect.right
        colour = theme.GAUGE_OUT
    else:
        x = inner.left + round(inner.width * min(distance_mm, full_scale_mm) / full_scale_mm)
        colour = theme.TEXT if distance_mm <= reach_mm else theme.GAUGE_OUT
    pygame.draw.circle(surface, colour, (x, rect.centery), rect.height)
    pygame.draw.circle(surface, theme.BACKGROUND, (x, rect.centery), rect.height, width=4)
    if not labels:
        return []
    return _gauge_labels(surface, rect, reach_x, layout)


def _gauge_labels(
    surface: pygame.Surface, rect: pygame.Rect, reach_x: int, layout: Layout
) -> list[pygame.Rect]:
    """ "support" under the support, "arm's reach" under the reach line; on a narrow gauge
    the second goes on a line of its own rather than over the first."""
    small = theme.font(max(layout.body_px - 4, 28))
    support = small.render("support", True, theme.MUTED_TEXT)
    top = rect.bottom + 22
    support_box = surface.blit(support, (rect.left - 10, top))
    reach = small.render("arm's reach", True, theme.MUTED_TEXT)
    x = min(reach_x - reach.get_width() // 2, rect.right - reach.get_width())
    if x < support_box.right + small.size(" ")[0]:
        x, top = max(rect.left - 10, x), support_box.bottom
    return [support_box, surface.blit(reach, (x, top))]


def draw_badge(
    surface: pygame.Surface,
    layout: Layout,
    text: str,
    fill: theme.Colour,
    ink: theme.Colour,
) -> pygame.Rect:
    """A small label in the top-right corner (the alarm's state), over whatever is there."""
    image = theme.font(28, bold=True).render(text, True, ink)
    box = image.get_rect().inflate(24, 12)
    box.topright = (layout.width - 8, 8)
    pygame.draw.rect(surface, fill, box, border_radius=8)
    surface.blit(image, image.get_rect(center=box.center))
    return box
