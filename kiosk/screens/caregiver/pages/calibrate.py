"""Calibrate reach: the walker stands at the farthest point still within reach; tap Set."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens import theme
from kiosk.screens.caregiver.page import Page, draw_title
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_gauge, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

HOW = (
    "The walker holds the support and stands at the farthest point still within reach. "
    "Then tap Set."
)


class CalibratePage(Page):
    name = "calibrate"
    shows_message = False  # in place of the instructions

    def on_calibrate(self, area: CaregiverArea, _: str) -> None:
        distance = area.tools.monitor.status.distance_mm
        if distance is None:
            area.message = "The sensor sees nobody: the walker stands in front of it first."
            return
        area.save_setting("safety.reach_mm", int(round(distance / 10) * 10))

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        y = draw_title(surface, layout, "Calibrate reach")
        status = area.tools.monitor.status
        rows = layout.button_row(2)
        y = draw_text(
            surface,
            area.message or HOW,
            pygame.Rect(content.left, y + layout.gap, content.width, 300),
            layout.body_px,
            theme.PRIMARY if area.message else theme.TEXT,
        )
        shown = "nobody seen" if status.distance_mm is None else f"{status.distance_mm} mm"
        y = draw_text(
            surface,
            f"Now: {shown}. Reach line: {status.reach_mm} mm.",
            pygame.Rect(content.left, y, content.width, 100),
            layout.body_px,
            bold=True,
        )
        gauge_top = min(y + 2 * layout.gap, rows[0].top - layout.gap - 48)
        gauge = pygame.Rect(content.left + 30, gauge_top, content.width - 60, 28)
        draw_gauge(surface, gauge, status.distance_mm, status.reach_mm, layout, labels=False)
        return [Button(rows[0], "Back", "page:menu"), Button(rows[1], "Set", "calibrate", "go")]
