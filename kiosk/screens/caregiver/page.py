"""What every caregiver page is, and the drawing pieces the pages share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

SMALL_ROW_PX = 96  # the smallest touch target
ROW_GAP = 8


class Page:
    """A page draws itself and handles the taps on its buttons.

    A button's action is "kind:value"; `press` calls the page's `on_<kind>(area, value)` and
    returns False when the page has no such handler (the area then tries its own).
    """

    name = ""
    shows_message = True  # the area draws the message under the title

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        raise NotImplementedError

    def press(self, area: CaregiverArea, kind: str, value: str) -> bool:
        handler = getattr(self, f"on_{kind}", None)
        if handler is None:
            return False
        handler(area, value)
        return True


def draw_title(surface: pygame.Surface, layout: Layout, text: str) -> int:
    """The page's title at the top; returns the y below it."""
    return draw_text(surface, text, layout.content, layout.title_px, bold=True)


def small_body_px(layout: Layout) -> int:
    return max(28, layout.body_px - 4)


def button_grid(layout: Layout, top: int, items: list[tuple[str, str, str]]) -> list[Button]:
    """(label, action, style) as a grid of large buttons from `top` to the bottom."""
    area = layout.content
    cols = 1 if layout.portrait else 2
    while (len(items) + cols - 1) // cols * (SMALL_ROW_PX + ROW_GAP) > area.bottom - top and (
        cols < 4
    ):
        cols += 1  # a short landscape panel: more columns, never smaller buttons
    rows = (len(items) + cols - 1) // cols
    room = (area.bottom - top - (rows - 1) * ROW_GAP) // max(rows, 1)
    height = max(SMALL_ROW_PX, min(layout.button_height, room))
    width = (area.width - (cols - 1) * layout.gap) // cols
    return [
        Button(
            pygame.Rect(
                area.left + (i % cols) * (width + layout.gap),
                top + (i // cols) * (height + ROW_GAP),
                width,
                height,
            ),
            label,
            action,
            style,
        )
        for i, (label, action, style) in enumerate(items)
    ]


def minus_plus(layout: Layout, y: int, action: str) -> list[Button]:
    """A "-" and a "+" button at the right end of a row; actions end in ",down" and ",up"."""
    area, size = layout.content, SMALL_ROW_PX
    return [
        Button(pygame.Rect(area.right - 2 * size - ROW_GAP, y, size, size), "-", f"{action},down"),
        Button(pygame.Rect(area.right - size, y, size, size), "+", f"{action},up"),
    ]


def row_label(surface: pygame.Surface, layout: Layout, text: str, y: int, size: int) -> None:
    """A row's label, left of its buttons."""
    area = layout.content
    room = pygame.Rect(area.left, y + 28, area.width - 2 * SMALL_ROW_PX - 20, SMALL_ROW_PX)
    draw_text(surface, text, room, size)
