"""The caregiver area: PIN, then settings, calibration, alarm test and hold, logs and export.

It opens over the walker's screens after a 3-second press on the top-left corner; the safety
loop keeps running underneath, and closing it returns the walker to where they were. Each page
is a module in `pages/`; a new page is one module plus one line in `_pages()` below.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, TypeVar

import pygame

from hardware.buzzer import Priority
from kiosk.log.export import ExportError
from kiosk.screens import theme
from kiosk.screens.caregiver.page import Page, small_body_px
from kiosk.screens.caregiver.pages.calibrate import CalibratePage
from kiosk.screens.caregiver.pages.menu import MenuPage
from kiosk.screens.caregiver.pages.name_entry import NameEntryPage
from kiosk.screens.caregiver.pages.pin import PinPage
from kiosk.screens.caregiver.pages.problems import ProblemsPage
from kiosk.screens.caregiver.pages.sessions import SessionDetailPage, SessionsPage
from kiosk.screens.caregiver.pages.settings_page import SettingsPage
from kiosk.screens.caregiver.pages.walkers import WalkersPage
from kiosk.screens.caregiver.pages.web_dashboard import WebDashboardPage
from kiosk.screens.caregiver.pages.web_password import WebPasswordPage
from kiosk.screens.caregiver.pages.weekly import WeeklyPage
from kiosk.screens.caregiver.tools import CaregiverTools
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_badge, draw_button, draw_text
from kiosk.settings import ConfigError, for_people

log = logging.getLogger(__name__)

PageT = TypeVar("PageT", bound=Page)

IDLE_LOCK_S = 60.0  # the area locks itself after this long without a touch


def _pages(pin: PinPage) -> dict[str, Page]:
    pages: list[Page] = [
        pin,
        MenuPage(),
        CalibratePage(),
        SettingsPage(),
        SessionsPage(),
        SessionDetailPage(),
        WeeklyPage(),
        WalkersPage(),
        ProblemsPage(),
        NameEntryPage(),
        WebDashboardPage(),
        WebPasswordPage(),
    ]
    return {page.name: page for page in pages}


class CaregiverArea:
    def __init__(self, tools: CaregiverTools) -> None:
        self.tools = tools
        self.pin_page = PinPage()
        self.pages = _pages(self.pin_page)
        self.open = False
        self.page = "pin"
        self.message = ""
        self.session_id: int | None = None  # the session the detail page shows
        self.sessions_page = 0  # 0: the newest sessions; each Older goes one page back
        self.menu_page = 0  # the menu's page when its buttons do not all fit
        self.profile_index = 0  # the walker the walkers and weekly pages show
        self.test_ends_at: float | None = None  # while the alarm test sounds
        self.last_touch_at = 0.0
        self._problems_seen = 0
        self._exporting: threading.Thread | None = None

    # -- opening, closing, moving between pages -------------------------------------------------

    def show(self, *, corner_press: bool = False) -> None:
        """Open at the PIN pad. Choosing the first PIN is offered only after the caregiver's
        own gesture (the 3-second corner press), never from a button the walker may tap."""
        self.open, self.page = True, "pin"
        self.sessions_page = self.menu_page = 0
        self.last_touch_at = self.tools.clock()
        self.pin_page.reset(self, may_choose=corner_press)

    def close(self) -> None:
        self.open = False
        self.pin_page.digits = ""

    def go(self, page: str) -> None:
        self.page, self.message = page, ""

    # -- taps, and time -------------------------------------------------------------------------

    def press(self, action: str) -> None:
        self.last_touch_at = self.tools.clock()
        kind, _, value = action.partition(":")
        if self.pages[self.page].press(self, kind, value):
            return
        if kind == "close":
            self.close()
        elif kind == "page":
            self.go(value)
        elif kind == "profile":
            self.profile_index += 1
        else:
            log.debug("caregiver area ignored %r on %s", action, self.page)

    def tick(self, now: float) -> None:
        """Once a frame, open or not: ends the alarm test when its time is up, and locks the
        area when nobody has touched it for IDLE_LOCK_S."""
        if self.test_ends_at is not None and now >= self.test_ends_at:
            self.test_ends_at = None
            self._end_test()
        if self.open and now - self.last_touch_at >= IDLE_LOCK_S:
            log.info("caregiver area locked after %.0f s without a touch", IDLE_LOCK_S)
            self.close()

    def _end_test(self) -> None:
        buzzer, monitor = self.tools.buzzer, self.tools.monitor
        for priority in (Priority.HIGH, Priority.MEDIUM):
            buzzer.deactivate(priority)
        # A hold taken during the test would have held the test's HIGH: let it go, so no
        # real alarm is swallowed by it.
        buzzer.end_hold()
        monitor.arm() if monitor.armed else monitor.disarm()  # restore what the state needs

    # -- what several pages use -----------------------------------------------------------------

    def save_setting(self, key: str, value: Any) -> None:
        """Save one setting; a refused value or a failed write becomes a message, never a
        crash (the walker may be mid-routine)."""
        try:
            self.message = self.tools.settings.save(key, value)
        except ConfigError as error:
            self.message = for_people(str(error))
        except OSError as error:
            self.message = f"Could not save the setting: {error.strerror or error}."

    def current_profile(self) -> Any:
        profiles = self.tools.store.profiles()
        return profiles[self.profile_index % len(profiles)] if profiles else None

    def show_walker(self, walker_id: int) -> None:
        """The walkers page, at this walker (the list is in name order, so look it up)."""
        ids = [p.id for p in self.tools.store.profiles()]
        if walker_id in ids:
            self.profile_index = ids.index(walker_id)
        self.go("walkers")

    def pages_by_type(self, kind: type[PageT]) -> PageT:
        """The registered page of this class (for pages that start another with a value)."""
        return next(p for p in self.pages.values() if isinstance(p, kind))

    def unseen_log_problems(self) -> list[str]:
        problems = [str(p) for p in getattr(self.tools.store, "problems", [])]
        return problems[self._problems_seen :]

    def problems_to_fix(self) -> list[str]:
        """What a caregiver must fix: the routine that cannot be played, the clock, then the
        log's."""
        lasting = [self.tools.routine_problem(), self.tools.clock_problem()]
        return [p for p in lasting if p] + self.unseen_log_problems()

    def mark_log_problems_seen(self) -> None:
        self._problems_seen = len(getattr(self.tools.store, "problems", []))

    def export(self) -> None:
        """On its own thread: a large log takes seconds on a Pi, and the screen loop must
        keep turning (it is what pings the service watchdog)."""
        if self._exporting is not None and self._exporting.is_alive():
            return
        self.message = "Exporting to the USB stick..."

        def export() -> None:
            try:
                path = self.tools.export_to_usb()
            except ExportError as error:  # its message says what happened and what to do
                self.message = str(error)
            except Exception as error:  # the export must never take the kiosk down
                log.exception("export to USB failed")
                self.message = f"Export failed: {error}"
            else:
                self.message = (
                    "No USB stick found. Plug one in and try again."
                    if path is None
                    else f"Exported to the USB stick as {path.name}."
                )

        self._exporting = threading.Thread(target=export, name="usb-export", daemon=True)
        self._exporting.start()

    # -- drawing --------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        surface.fill(theme.BACKGROUND)
        page = self.pages[self.page]
        buttons = page.draw(self, surface, layout)
        if self.message and page.shows_message:
            area = layout.content
            where = pygame.Rect(
                area.left, area.top + layout.title_px + 4, area.width, 2 * layout.body_px
            )
            draw_text(surface, self.message, where, small_body_px(layout), theme.PRIMARY)
        drawn = [draw_button(surface, b, layout) for b in buttons]
        self._draw_alarm_state(surface, layout)
        return drawn

    def _draw_alarm_state(self, surface: pygame.Surface, layout: Layout) -> None:
        """The walker's alarm stays in sight on every page, the PIN pad included."""
        status, buzzer = self.tools.monitor.status, self.tools.buzzer
        if not (self.tools.monitor.armed or buzzer.sounding):
            return
        if status.alarm:
            draw_badge(surface, layout, "ALARM: walker out of reach", theme.ALERT, theme.TEXT)
        elif status.fault or getattr(buzzer, "watchdog_tripped", False):
            draw_badge(surface, layout, "ALARM: sensor problem", theme.FAULT, theme.FAULT_TEXT)
        elif buzzer.sounding:
            draw_badge(surface, layout, "ALARM sounding", theme.ALERT, theme.TEXT)
