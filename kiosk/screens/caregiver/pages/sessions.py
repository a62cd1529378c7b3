"""Sessions: the newest sessions as large rows; a tap opens one with its chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.log.queries import local_time
from kiosk.screens.caregiver.page import ROW_GAP, SMALL_ROW_PX, Page, draw_title, small_body_px
from kiosk.screens.charts import draw_session_chart
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text
from kiosk.wording import duration, plural

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

ROWS_READ = 8


class SessionsPage(Page):
    name = "sessions"

    def on_session(self, area: CaregiverArea, value: str) -> None:
        area.session_id = int(value)
        area.go("detail")

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        y = draw_title(surface, layout, "Sessions") + layout.gap
        back = layout.button_row(1)[0]
        buttons = [Button(back, "Back", "page:menu")]
        try:
            sessions = area.tools.store.list_sessions(page_size=ROWS_READ).sessions
        except Exception as error:  # the log may be unreadable; say so, do not crash
            message = f"The session log cannot be read: {error}"
            draw_text(
                surface, message, pygame.Rect(content.left, y, content.width, 200), layout.body_px
            )
            return buttons
        if not sessions:
            draw_text(
                surface,
                "No sessions yet.",
                pygame.Rect(content.left, y, content.width, 100),
                layout.body_px,
            )
        for summary in sessions:
            if y + SMALL_ROW_PX > back.top - layout.gap:  # 96 px rows, as every target
                break
            rect = pygame.Rect(content.left, y, content.width, SMALL_ROW_PX)
            buttons.append(Button(rect, _row_label(summary), f"session:{summary.id}"))
            y += SMALL_ROW_PX + ROW_GAP
        return buttons


def _row_label(summary) -> str:
    when = local_time(summary.started_at).strftime("%a %d %b %H:%M")
    if not summary.time_confirmed:
        when += " (date unsure)"
    how = "completed" if summary.completed else (summary.ended_how or "open")
    walked = duration(summary.seconds_walking)
    return (
        f"{when}  {summary.profile_name}\n{walked}, {plural(summary.reminders, 'reminder')}, {how}"
    )


class SessionDetailPage(Page):
    name = "detail"

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        back = layout.button_row(1)[0]
        store = area.tools.store
        detail = store.session_detail(area.session_id) if area.session_id else None
        if detail is None:
            draw_title(surface, layout, "Session not found")
            return [Button(back, "Back", "page:sessions")]
        s = detail.session
        y = draw_title(surface, layout, f"Session {s.id}")
        text = (
            f"{s.profile_name}: {duration(s.seconds_walking)} walked, "
            f"{plural(s.reminders, 'reminder')}, longest out of reach "
            f"{duration(s.longest_out_of_reach_s)}"
        )
        if not s.time_confirmed:
            text += ". Its date is not confirmed: the clock was not set"
        y = draw_text(
            surface, text, pygame.Rect(content.left, y, content.width, 200), small_body_px(layout)
        )
        chart = pygame.Rect(
            content.left, y + layout.gap, content.width, back.top - y - 2 * layout.gap
        )
        draw_session_chart(surface, chart, detail, area.tools.settings["safety.reach_mm"])
        return [Button(back, "Back", "page:sessions")]
