"""Weekly progress: a walker's minutes and days against the goal, and whether to build up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens.caregiver.page import Page, draw_title, small_body_px
from kiosk.screens.charts import draw_weekly_chart
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text
from kiosk.walk.progression import suggest_for

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

WEEKS_SHOWN = 6


class WeeklyPage(Page):
    name = "weekly"

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        rows = layout.button_row(2)
        store = area.tools.store
        profile = area.current_profile()
        if profile is None:
            draw_title(surface, layout, "Weekly progress")
            room = pygame.Rect(content.left, content.top + 80, content.width, 100)
            draw_text(surface, "No walkers yet.", room, layout.body_px)
            return [Button(rows[0], "Back", "page:menu")]
        y = draw_title(surface, layout, f"Weekly progress: {profile.name}")
        summary = store.weekly_summary(profile.id, weeks=WEEKS_SHOWN)
        reason = suggest_for(store, profile.id).reason
        room = pygame.Rect(content.left, y, content.width, 200)
        y = draw_text(surface, reason, room, small_body_px(layout))
        chart = pygame.Rect(
            content.left, y + layout.gap, content.width, rows[0].top - y - 2 * layout.gap
        )
        if summary is not None:
            draw_weekly_chart(surface, chart, summary)
        return [
            Button(rows[0], "Back", "page:menu"),
            Button(rows[1], "Next walker", "profile:next"),
        ]
