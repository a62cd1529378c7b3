"""Problems to fix: a routine that cannot be played, and what the session log could not do,
in words, until the caregiver has seen them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens.caregiver.page import Page, draw_title, small_body_px
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

SHOWN = 3  # the newest problems; older ones are in the journal


class ProblemsPage(Page):
    name = "problems"

    def on_seen(self, area: CaregiverArea, _: str) -> None:
        area.mark_log_problems_seen()
        area.go("menu")

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        y = draw_title(surface, layout, "Problems to fix")
        rows = layout.button_row(2)
        for message in area.problems_to_fix()[:SHOWN]:
            room = pygame.Rect(content.left, y + layout.gap, content.width, rows[0].top - y)
            y = draw_text(surface, message, room, small_body_px(layout))
        return [Button(rows[0], "Back", "page:menu"), Button(rows[1], "Seen", "seen", "go")]
