"""The caregiver's menu: what needs attention first, then every tool and page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from hardware.buzzer import MAX_HOLD_S, HoldOutcome, Priority
from kiosk.screens.caregiver.page import ROW_GAP, SMALL_ROW_PX, Page, button_grid, draw_title
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

TEST_S = 2.0  # how long the alarm test sounds

HOLD_MESSAGES = {
    HoldOutcome.HELD: "Alarm on hold for {seconds:.0f} s; it comes back by itself.",
    HoldOutcome.NOTHING_SOUNDING: "No alarm is sounding: there is nothing to hold.",
    HoldOutcome.ALREADY_HELD: "This alarm has had its hold; it cannot be held again.",
    HoldOutcome.SAFETY_LOOP_STOPPED: "The safety check has stopped: its alarm cannot be held.",
}

TOOLS = [
    ("Hold alarm 30 s", "hold", "panel"),
    ("Test alarm", "test:HIGH", "panel"),
    ("Calibrate reach", "page:calibrate", "panel"),
    ("Settings", "page:settings", "panel"),
    ("Sessions", "page:sessions", "panel"),
    ("Weekly progress", "page:weekly", "panel"),
    ("Walkers and goals", "page:walkers", "panel"),
    ("Export to USB", "export", "panel"),
    ("Web dashboard", "page:web", "panel"),
]
CLOSE = ("Close", "close", "go")
MORE = ("More", "more_tools", "panel")
MOST_COLUMNS = 4  # button_grid's widest grid


class MenuPage(Page):
    name = "menu"

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        draw_title(surface, layout, "Caregiver")
        items = []
        escalation = area.tools.escalation
        if escalation is not None and escalation.call is not None:
            items.append(("Answer the call for help", "answer", "primary"))
        if area.tools.walk.fault_pending:
            items.append(("Acknowledge fault", "acknowledge", "primary"))
        if area.tools.walk.can_end:
            items.append(("End the walk", "end_walk", "primary"))
        if area.problems_to_fix():
            items.append(("Problems to fix", "page:problems", "primary"))
        top = layout.content.top + layout.title_px + 2 * layout.body_px
        return button_grid(layout, top, self.shown(area, items + TOOLS, _room(layout, top)))

    def shown(self, area: CaregiverArea, items: list, room: int) -> list:
        """What needs attention first, then the tools; Close always. When they do not all
        fit (a small panel with several things to attend to), More pages through them."""
        if len(items) + 1 <= room:
            return [*items, CLOSE]
        per_page = max(1, room - 2)
        pages = (len(items) + per_page - 1) // per_page
        area.menu_page %= pages
        start = area.menu_page * per_page
        return [*items[start : start + per_page], MORE, CLOSE]

    def on_more_tools(self, area: CaregiverArea, _: str) -> None:
        area.menu_page += 1

    def on_acknowledge(self, area: CaregiverArea, _: str) -> None:
        area.tools.walk.acknowledge_fault(area.tools.clock())
        area.close()
        area.message = "Fault acknowledged."

    def on_answer(self, area: CaregiverArea, _: str) -> None:
        call = area.tools.escalation.call
        if area.tools.escalation.acknowledge("on the kiosk") and call is not None:
            area.message = f"The call for help ({call.words}) is answered."

    def on_end_walk(self, area: CaregiverArea, _: str) -> None:
        area.tools.walk.end_walk(area.tools.clock())
        area.close()

    def on_hold(self, area: CaregiverArea, _: str) -> None:
        result = area.tools.buzzer.hold(MAX_HOLD_S)
        area.message = HOLD_MESSAGES[result.outcome].format(seconds=result)

    def on_test(self, area: CaregiverArea, value: str) -> None:
        priority = Priority[value or "HIGH"]
        area.tools.buzzer.activate(priority)
        area.test_ends_at = area.tools.clock() + TEST_S
        area.message = f"Testing the {priority.name.lower()} alarm for {TEST_S:.0f} s."

    def on_export(self, area: CaregiverArea, _: str) -> None:
        area.export()


def _room(layout: Layout, top: int) -> int:
    """How many buttons of the smallest touch size fit below `top`."""
    rows = (layout.content.bottom - top + ROW_GAP) // (SMALL_ROW_PX + ROW_GAP)
    return max(rows, 1) * MOST_COLUMNS
