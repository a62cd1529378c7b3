"""Settings: every labelled setting of the schema, with - and + or Change, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame

from kiosk.player.routine import installed_routines
from kiosk.screens.caregiver.page import (
    ROW_GAP,
    SMALL_ROW_PX,
    Page,
    draw_title,
    minus_plus,
    row_label,
    small_body_px,
)
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button
from kiosk.settings import SCHEMA, Setting

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

EDITABLE = {s.key: s for s in SCHEMA if s.label}  # the settings on the caregiver's screen


def choices_for(setting: Setting) -> tuple[Any, ...]:
    """A choice setting's values; for the routine, the routines installed."""
    if setting.key == "routine.name":
        return tuple(installed_routines())
    return setting.choices


class SettingsPage(Page):
    name = "settings"

    def __init__(self) -> None:
        self.page_index = 0

    def on_more(self, area: CaregiverArea, _: str) -> None:
        self.page_index += 1
        area.message = ""  # a message is about a row of the page it was said on

    def on_adjust(self, area: CaregiverArea, value: str) -> None:
        key, _, direction = value.rpartition(",")
        setting = EDITABLE[key]
        current = area.tools.settings[key]
        choices = list(choices_for(setting))
        if choices:
            position = choices.index(current) if current in choices else -1
            new = choices[(position + 1) % len(choices)]
        else:
            step = setting.step if direction == "up" else -setting.step
            new = type(setting.default)(current + step)
        area.save_setting(key, new)

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        # Room under the title for two lines of message, so it never runs over a row.
        y = draw_title(surface, layout, "Settings") + 2 * small_body_px(layout) + 8
        rows = layout.button_row(2)
        row_height = SMALL_ROW_PX + ROW_GAP
        per_page = max(1, (rows[0].top - layout.gap - y) // row_height)
        editable = list(EDITABLE.values())
        pages = (len(editable) + per_page - 1) // per_page
        page = self.page_index % pages
        buttons = [Button(rows[0], "Back", "page:menu")]
        if pages > 1:
            buttons.append(Button(rows[1], f"More ({page + 1} of {pages})", "more", "primary"))
        for setting in editable[page * per_page : (page + 1) * per_page]:
            buttons += _setting_row(surface, layout, setting, area.tools.settings[setting.key], y)
            y += row_height
        return buttons


def _setting_row(
    surface: pygame.Surface, layout: Layout, setting: Setting, value: Any, y: int
) -> list[Button]:
    shown = f"{value} {setting.unit}".strip()
    row_label(surface, layout, f"{setting.label}: {shown}", y, small_body_px(layout))
    if setting.choices or setting.key == "routine.name":
        width = 2 * SMALL_ROW_PX + ROW_GAP
        rect = pygame.Rect(layout.content.right - width, y, width, SMALL_ROW_PX)
        return [Button(rect, "Change", f"adjust:{setting.key},next")]
    return minus_plus(layout, y, f"adjust:{setting.key}")
