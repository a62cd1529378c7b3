"""Walkers and goals: move through the walkers, add one, set minutes a day and days a week."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens.caregiver.page import (
    ROW_GAP,
    SMALL_ROW_PX,
    Page,
    draw_title,
    minus_plus,
    row_label,
)
from kiosk.screens.caregiver.pages.name_entry import NameEntryPage
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

GOAL_STEPS = {
    "minutes,up": (5, 0),
    "minutes,down": (-5, 0),
    "days,up": (0, 1),
    "days,down": (0, -1),
}


class WalkersPage(Page):
    name = "walkers"

    def on_goal(self, area: CaregiverArea, value: str) -> None:
        profile = area.current_profile()
        if profile is None:
            return
        more_minutes, more_days = GOAL_STEPS[value]
        minutes = min(60, max(5, profile.goal_minutes + more_minutes))
        days = min(7, max(1, profile.goal_days + more_days))
        area.tools.store.set_goal(profile.id, goal_minutes=minutes, goal_days=days)
        area.message = f"{profile.name}: goal {minutes} minutes, {days} days a week."

    def on_add_walker(self, area: CaregiverArea, _: str) -> None:
        area.pages_by_type(NameEntryPage).start(area, None)

    def on_rename(self, area: CaregiverArea, _: str) -> None:
        profile = area.current_profile()
        if profile is not None:
            area.pages_by_type(NameEntryPage).start(area, profile.id, profile.name)

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        rows = _action_rects(layout)
        profile = area.current_profile()
        name = profile.name if profile else "nobody yet"
        y = draw_title(surface, layout, f"Walker: {name}") + 2 * layout.body_px
        buttons = [
            Button(rows[0], "Back", "page:menu"),
            Button(rows[1], "Next walker", "profile:next"),
            Button(rows[2], "Add walker", "add_walker"),
            Button(rows[3], "Rename", "rename"),
        ]
        if profile is None:
            return buttons
        for label, value, key in (
            ("Minutes a day", profile.goal_minutes, "minutes"),
            ("Days a week", profile.goal_days, "days"),
        ):
            if y + SMALL_ROW_PX > min(r.top for r in rows) - layout.gap:
                break
            row_label(surface, layout, f"{label}: {value}", y, layout.body_px)
            buttons += minus_plus(layout, y, f"goal:{key}")
            y += SMALL_ROW_PX + ROW_GAP
        return buttons


def _action_rects(layout: Layout) -> list[pygame.Rect]:
    """Four buttons along the bottom when each gets 160 px, else two rows of two."""
    content = layout.content
    width = (content.width - 3 * ROW_GAP) // 4
    if width >= 160:
        top = content.bottom - SMALL_ROW_PX
        return [
            pygame.Rect(content.left + i * (width + ROW_GAP), top, width, SMALL_ROW_PX)
            for i in range(4)
        ]
    lower = layout.button_row(2)
    upper = layout.button_row(2, bottom=min(r.top for r in lower) - layout.gap)
    return [*lower, *upper]
