"""Sessions: the newest sessions as large rows; a tap opens one with its chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.log.queries import SessionDetail, local_time
from kiosk.screens.caregiver.page import ROW_GAP, SMALL_ROW_PX, Page, draw_title, small_body_px
from kiosk.screens.charts import draw_session_chart
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text
from kiosk.wording import duration, plural

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea


class SessionsPage(Page):
    """As many rows as fit, newest first; Older and Newer page through the rest."""

    name = "sessions"

    def on_session(self, area: CaregiverArea, value: str) -> None:
        area.session_id = int(value)
        area.go("detail")

    def on_older(self, area: CaregiverArea, _: str) -> None:
        area.sessions_page += 1

    def on_newer(self, area: CaregiverArea, _: str) -> None:
        area.sessions_page = max(0, area.sessions_page - 1)

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        y = draw_title(surface, layout, "Sessions") + layout.gap
        back, newer, older = layout.button_row(3)
        buttons = [Button(back, "Back", "page:menu")]
        fit = max(
            1, (min(newer.top, back.top) - layout.gap - y + ROW_GAP) // (SMALL_ROW_PX + ROW_GAP)
        )
        try:
            page = area.tools.store.list_sessions(page=area.sessions_page + 1, page_size=fit)
        except Exception as error:  # the log may be unreadable; say so, do not crash
            message = f"The session log cannot be read: {error}"
            draw_text(
                surface, message, pygame.Rect(content.left, y, content.width, 200), layout.body_px
            )
            return buttons
        if not page.sessions:
            words = "No sessions yet." if area.sessions_page == 0 else "No older sessions."
            draw_text(
                surface, words, pygame.Rect(content.left, y, content.width, 100), layout.body_px
            )
        for summary in page.sessions:
            rect = pygame.Rect(content.left, y, content.width, SMALL_ROW_PX)
            buttons.append(Button(rect, _row_label(summary), f"session:{summary.id}"))
            y += SMALL_ROW_PX + ROW_GAP
        if area.sessions_page > 0:
            buttons.append(Button(newer, "Newer", "newer"))
        if page.has_more:
            buttons.append(Button(older, "Older", "older"))
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
        reach_mm, label = _reach_line(detail, area.tools.settings["safety.reach_mm"])
        draw_session_chart(surface, chart, detail, reach_mm, label=label)
        return [Button(back, "Back", "page:sessions")]


def _reach_line(detail: SessionDetail, today_mm: int) -> tuple[int, str]:
    """The reach line the session was walked against; today's, marked as such, for a session
    recorded before the kiosk kept its settings."""
    settings = detail.session.settings
    if settings is not None:
        return settings.reach_mm, f"reach {settings.reach_mm} mm"
    return today_mm, f"reach {today_mm} mm today (not recorded then)"
