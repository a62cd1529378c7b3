"""The caregiver area: PIN, then settings, calibration, alarm test and hold, logs and export.

It opens over the walker's screens after a 3-second press on the top-left corner; the safety
loop keeps running underneath, and closing it returns the walker to where they were.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygame

from kiosk.access.pin_lock import PinError, PinLock
from kiosk.screens import theme
from kiosk.screens.charts import draw_session_chart, draw_weekly_chart
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_button, draw_gauge, draw_text
from kiosk.settings import SCHEMA, ConfigError, Setting
from kiosk.walk.progression import suggest_for

log = logging.getLogger(__name__)

EDITABLE = {s.key: s for s in SCHEMA if s.label}  # the settings on the caregiver's screen


def choices_for(setting: Setting) -> tuple[Any, ...]:
    """A choice setting's values; for the routine, the routines installed."""
    if setting.key == "routine.name":
        from kiosk.player.routine import routines_root

        root = routines_root()
        found = sorted(p.name for p in root.iterdir() if (p / "routine.toml").is_file())
        return tuple(found)
    return setting.choices


@dataclass
class CaregiverTools:
    """What the caregiver area acts on; the app wires the real parts."""

    pin: PinLock
    monitor: Any
    buzzer: Any
    store: Any
    settings: Callable[[], Any]
    save_setting: Callable[[str, Any], str]  # returns a message for the caregiver
    export_to_usb: Callable[[], str]
    acknowledge_fault: Callable[[], None]
    fault_pending: Callable[[], bool]


class CaregiverArea:
    def __init__(self, tools: CaregiverTools) -> None:
        self.tools = tools
        self.open = False
        self.page = "pin"
        self.message = ""
        self._digits = ""
        self._new_pin: str | None = None
        self._session_id: int | None = None
        self._profile_index = 0
        self._settings_page = 0
        self._problems_seen = 0
        self._exporting: threading.Thread | None = None
        self._pin_message_at = pygame.Rect(0, 0, 0, 0)

    # -- opening and closing ------------------------------------------------------------------

    def show(self) -> None:
        self.open, self.page, self._digits, self._new_pin = True, "pin", "", None
        self.message = "" if self.tools.pin.has_pin else "Choose a caregiver PIN (4-8 digits)."

    def close(self) -> None:
        self.open = False
        self._digits = ""

    # -- taps -----------------------------------------------------------------------------------

    def press(self, action: str) -> None:
        kind, _, value = action.partition(":")
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            log.debug("caregiver area ignored %r", action)
            return
        handler(value)

    def _on_digit(self, value: str) -> None:
        if len(self._digits) < 8:
            self._digits += value

    def _on_erase(self, _: str) -> None:
        self._digits = self._digits[:-1]

    def _on_enter(self, _: str) -> None:
        pin, self._digits = self._digits, ""
        lock = self.tools.pin
        if not lock.has_pin:
            self._choose_pin(pin)
            return
        result = lock.check(pin)
        self.message = "" if result.ok else result.message
        if result.ok:
            self.page = "menu"

    def _choose_pin(self, pin: str) -> None:
        if self._new_pin is None:
            if not (pin.isdigit() and 4 <= len(pin) <= 8):
                self.message = "A PIN is 4 to 8 digits. Choose a PIN."
                return
            self._new_pin, self.message = pin, "Enter the same PIN again."
            return
        if pin != self._new_pin:
            self._new_pin, self.message = None, "The PINs differ. Choose a PIN again."
            return
        try:
            self.tools.pin.set_pin(pin)
        except PinError as error:
            self.message = str(error)
            return
        self._new_pin, self.message, self.page = None, "PIN saved.", "menu"

    def _on_close(self, _: str) -> None:
        self.close()

    def _on_page(self, value: str) -> None:
        self.page, self.message = value, ""

    def _on_acknowledge(self, _: str) -> None:
        self.tools.acknowledge_fault()
        self.message = "Fault acknowledged."
        self.close()

    def _on_hold(self, _: str) -> None:
        seconds = self.tools.buzzer.hold(30)
        self.message = f"Alarm on hold for {seconds:.0f} s; it comes back by itself."

    def _on_test(self, value: str) -> None:
        from hardware.buzzer import Priority

        priority = Priority[value or "HIGH"]
        self.tools.buzzer.activate(priority)
        pygame.time.set_timer(pygame.USEREVENT + 1, 2000, loops=1)  # app ends the test
        self.message = f"Testing the {priority.name.lower()} alarm for 2 s."

    def end_test(self) -> None:
        from hardware.buzzer import Priority

        monitor = self.tools.monitor
        for priority in (Priority.HIGH, Priority.MEDIUM):
            self.tools.buzzer.deactivate(priority)
        # A hold taken during the test would have held the test's HIGH: let it go, so no
        # real alarm is swallowed by it.
        self.tools.buzzer.end_hold()
        monitor.arm() if monitor.armed else monitor.disarm()  # restore what the state needs

    def _on_calibrate(self, _: str) -> None:
        distance = self.tools.monitor.status.distance_mm
        if distance is None:
            self.message = "The sensor sees nobody: the walker stands in front of it first."
            return
        reach = int(round(distance / 10) * 10)
        self._save("safety.reach_mm", reach)

    def _on_adjust(self, value: str) -> None:
        key, _, direction = value.rpartition(",")
        setting = EDITABLE[key]
        current = self.tools.settings()[key]
        choices = list(choices_for(setting))
        if choices:
            position = choices.index(current) if current in choices else -1
            new = choices[(position + 1) % len(choices)]
        else:
            step = setting.step if direction == "up" else -setting.step
            new = type(setting.default)(current + step)
        self._save(key, new)

    def _save(self, key: str, value: Any) -> None:
        """Save one setting; a refused value or a failed write becomes a message, never a
        crash (the walker may be mid-routine)."""
        try:
            self.message = self.tools.save_setting(key, value)
        except ConfigError as error:
            self.message = str(error).split(": ", 1)[-1]
        except OSError as error:
            self.message = f"Could not save the setting: {error.strerror or error}."

    def _on_export(self, _: str) -> None:
        """On its own thread: a large log takes seconds on a Pi, and the screen loop must
        keep turning (it is what pings the service watchdog)."""
        if self._exporting is not None and self._exporting.is_alive():
            return
        self.message = "Exporting to the USB stick..."

        def export() -> None:
            try:
                self.message = self.tools.export_to_usb()
            except Exception as error:  # the export must never take the kiosk down
                log.exception("export to USB failed")
                self.message = f"Export failed: {error}"

        self._exporting = threading.Thread(target=export, name="usb-export", daemon=True)
        self._exporting.start()

    def _on_session(self, value: str) -> None:
        self._session_id, self.page = int(value), "detail"

    def _on_profile(self, _: str) -> None:
        self._profile_index += 1

    # -- drawing --------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        surface.fill(theme.BACKGROUND)
        buttons = getattr(self, f"_draw_{self.page}")(surface, layout)
        if self.message and self.page != "calibrate":  # calibrate shows it in its text
            area = layout.content
            where = pygame.Rect(
                area.left, area.top + layout.title_px + 4, area.width, 2 * layout.body_px
            )
            if self.page == "pin":
                where = self._pin_message_at
            draw_text(surface, self.message, where, max(28, layout.body_px - 4), theme.PRIMARY)
        return [draw_button(surface, b, layout) for b in buttons]

    def _pin_column(self, layout: Layout) -> pygame.Rect:
        """Beside the keypad in landscape; above it in portrait."""
        area = layout.content
        if layout.portrait:
            return area.copy()
        return pygame.Rect(
            area.left, area.top, area.width - (3 * 150 + 16) - layout.gap, area.height
        )

    def _title(self, surface: pygame.Surface, layout: Layout, text: str) -> int:
        return draw_text(surface, text, layout.content, layout.title_px, bold=True)

    def _draw_pin(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        title = "Caregiver PIN" if self.tools.pin.has_pin else "New caregiver PIN"
        y = draw_text(surface, title, self._pin_column(layout), layout.title_px, bold=True)
        dots = theme.font(layout.title_px, bold=True).render(
            "• " * len(self._digits) or "-", True, theme.TEXT
        )
        top = y + layout.gap
        surface.blit(dots, (area.left, top))
        labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Erase", "0", "OK"]
        actions = [f"digit:{d}" for d in "123456789"] + ["erase", "digit:0", "enter"]
        self._pin_message_at = pygame.Rect(
            area.left, top + dots.get_height() + layout.gap, self._pin_column(layout).width, 200
        )
        pad_top = top + dots.get_height() + layout.gap + 2 * layout.body_px
        rows, cols = 4, 3
        height = max(96, (area.bottom - pad_top - (rows - 1) * 8) // rows)
        pad_width = min(area.width, 3 * 150 + 2 * 8) if not layout.portrait else area.width
        width = (pad_width - (cols - 1) * 8) // cols
        if layout.portrait:
            left = area.left
        else:
            left = area.right - pad_width
            pad_top = area.top
            height = max(96, (area.height - (rows - 1) * 8) // rows)
        buttons = []
        for i, (label, action) in enumerate(zip(labels, actions, strict=True)):
            rect = pygame.Rect(
                left + (i % cols) * (width + 8), pad_top + (i // cols) * (height + 8), width, height
            )
            buttons.append(Button(rect, label, action, "go" if label == "OK" else "panel"))
        cancel = pygame.Rect(
            area.left, area.bottom - layout.button_height, 220, layout.button_height
        )
        if layout.portrait:
            cancel.bottom = pad_top - layout.gap
            cancel.right = area.right
        buttons.append(Button(cancel, "Cancel", "close"))
        return buttons

    def _grid(self, layout: Layout, top: int, items: list[tuple[str, str, str]]) -> list[Button]:
        area = layout.content
        cols = 1 if layout.portrait else 2
        while (len(items) + cols - 1) // cols * (96 + 8) > area.bottom - top and cols < 4:
            cols += 1  # a short landscape panel: more columns, never smaller buttons
        rows = (len(items) + cols - 1) // cols
        height = max(
            96, min(layout.button_height, (area.bottom - top - (rows - 1) * 8) // max(rows, 1))
        )
        width = (area.width - (cols - 1) * layout.gap) // cols
        return [
            Button(
                pygame.Rect(
                    area.left + (i % cols) * (width + layout.gap),
                    top + (i // cols) * (height + 8),
                    width,
                    height,
                ),
                label,
                action,
                style,
            )
            for i, (label, action, style) in enumerate(items)
        ]

    def _draw_menu(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        self._title(surface, layout, "Caregiver")
        items = []
        if self.tools.fault_pending():
            items.append(("Acknowledge fault", "acknowledge", "primary"))
        if self.unseen_log_problems():
            items.append(("Session log problem", "page:problems", "primary"))
        items += [
            ("Hold alarm 30 s", "hold", "panel"),
            ("Test alarm", "test:HIGH", "panel"),
            ("Calibrate reach", "page:calibrate", "panel"),
            ("Settings", "page:settings", "panel"),
            ("Sessions", "page:sessions", "panel"),
            ("Weekly progress", "page:weekly", "panel"),
            ("Walkers and goals", "page:walkers", "panel"),
            ("Export to USB", "export", "panel"),
            ("Close", "close", "go"),
        ]
        top = layout.content.top + layout.title_px + 2 * layout.body_px
        return self._grid(layout, top, items)

    def _current_profile(self) -> Any:
        profiles = self.tools.store.profiles()
        return profiles[self._profile_index % len(profiles)] if profiles else None

    def _on_goal(self, value: str) -> None:
        profile = self._current_profile()
        if profile is None:
            return
        minutes, days = profile.goal_minutes, profile.goal_days
        change = {
            "minutes,up": (5, 0),
            "minutes,down": (-5, 0),
            "days,up": (0, 1),
            "days,down": (0, -1),
        }[value]
        minutes = min(60, max(5, minutes + change[0]))
        days = min(7, max(1, days + change[1]))
        self.tools.store.set_goal(profile.id, goal_minutes=minutes, goal_days=days)
        self.message = f"{profile.name}: goal {minutes} minutes, {days} days a week."

    def _on_add_walker(self, _: str) -> None:
        names = {p.name for p in self.tools.store.profiles()}
        number = len(names) + 1
        while f"Walker {number}" in names:
            number += 1
        self.tools.store.add_profile(f"Walker {number}")
        self._profile_index = len(names)
        self.message = (
            f"Added Walker {number}. Rename with: balance-kiosk profiles rename "
            f"'Walker {number}' NAME"
        )

    def _draw_walkers(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        rows = layout.button_row(3)
        profile = self._current_profile()
        name = profile.name if profile else "nobody yet"
        y = self._title(surface, layout, f"Walker: {name}") + 2 * layout.body_px
        buttons = [
            Button(rows[0], "Back", "page:menu"),
            Button(rows[1], "Next walker", "profile:next"),
            Button(rows[2], "Add walker", "add_walker"),
        ]
        if profile is None:
            return buttons
        size = 96
        for label, value, key in (
            ("Minutes a day", profile.goal_minutes, "minutes"),
            ("Days a week", profile.goal_days, "days"),
        ):
            if y + size > rows[0].top - layout.gap:
                break
            draw_text(
                surface,
                f"{label}: {value}",
                pygame.Rect(area.left, y + 28, area.width - 2 * size - 20, size),
                layout.body_px,
            )
            buttons += [
                Button(
                    pygame.Rect(area.right - 2 * size - 8, y, size, size), "-", f"goal:{key},down"
                ),
                Button(pygame.Rect(area.right - size, y, size, size), "+", f"goal:{key},up"),
            ]
            y += size + 8
        return buttons

    def unseen_log_problems(self) -> list[str]:
        problems = [str(p) for p in getattr(self.tools.store, "problems", [])]
        return problems[self._problems_seen :]

    def _on_seen(self, _: str) -> None:
        self._problems_seen = len(getattr(self.tools.store, "problems", []))
        self.page = "menu"

    def _draw_problems(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        y = self._title(surface, layout, "Session log")
        rows = layout.button_row(2)
        for message in self.unseen_log_problems()[-3:]:
            y = draw_text(
                surface,
                message,
                pygame.Rect(area.left, y + layout.gap, area.width, rows[0].top - y),
                max(28, layout.body_px - 4),
            )
        return [Button(rows[0], "Back", "page:menu"), Button(rows[1], "Seen", "seen", "go")]

    def _draw_calibrate(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        y = self._title(surface, layout, "Calibrate reach")
        status = self.tools.monitor.status
        rows = layout.button_row(2)
        text = self.message or (
            "The walker holds the support and stands at the farthest point still within "
            "reach. Then tap Set."
        )
        y = draw_text(
            surface,
            text,
            pygame.Rect(area.left, y + layout.gap, area.width, 300),
            layout.body_px,
            theme.PRIMARY if self.message else theme.TEXT,
        )
        shown = "nobody seen" if status.distance_mm is None else f"{status.distance_mm} mm"
        y = draw_text(
            surface,
            f"Now: {shown}. Reach line: {status.reach_mm} mm.",
            pygame.Rect(area.left, y, area.width, 100),
            layout.body_px,
            bold=True,
        )
        gauge_top = min(y + 2 * layout.gap, rows[0].top - layout.gap - 48)
        gauge = pygame.Rect(area.left + 30, gauge_top, area.width - 60, 28)
        draw_gauge(surface, gauge, status.distance_mm, status.reach_mm, layout, labels=False)
        return [Button(rows[0], "Back", "page:menu"), Button(rows[1], "Set", "calibrate", "go")]

    def _draw_settings(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        y = self._title(surface, layout, "Settings") + 2 * layout.body_px
        settings = self.tools.settings()
        rows = layout.button_row(2)
        row_height = 96 + 8
        per_page = max(1, (rows[0].top - layout.gap - y) // row_height)
        editable = list(EDITABLE.values())
        pages = (len(editable) + per_page - 1) // per_page
        page = self._settings_page % pages
        buttons = [Button(rows[0], "Back", "page:menu")]
        if pages > 1:
            buttons.append(Button(rows[1], f"More ({page + 1} of {pages})", "more", "primary"))
        for setting in editable[page * per_page : (page + 1) * per_page]:
            buttons += self._setting_row(surface, layout, setting, settings[setting.key], y)
            y += row_height
        return buttons

    def _on_more(self, _: str) -> None:
        self._settings_page += 1

    def _setting_row(
        self, surface: pygame.Surface, layout: Layout, setting: Setting, value: Any, y: int
    ) -> list[Button]:
        area = layout.content
        size = 96
        shown = f"{value} {setting.unit}".strip()
        label = f"{setting.label}: {shown}"
        draw_text(
            surface,
            label,
            pygame.Rect(area.left, y + 28, area.width - 2 * size - 20, size),
            max(28, layout.body_px - 4),
        )
        if setting.choices or setting.key == "routine.name":
            rect = pygame.Rect(area.right - 2 * size - 8, y, 2 * size + 8, size)
            return [Button(rect, "Change", f"adjust:{setting.key},next")]
        minus = pygame.Rect(area.right - 2 * size - 8, y, size, size)
        plus = pygame.Rect(area.right - size, y, size, size)
        return [
            Button(minus, "-", f"adjust:{setting.key},down"),
            Button(plus, "+", f"adjust:{setting.key},up"),
        ]

    def _draw_sessions(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        y = self._title(surface, layout, "Sessions") + layout.gap
        back = layout.button_row(1)[0]
        buttons = [Button(back, "Back", "page:menu")]
        try:
            sessions = self.tools.store.list_sessions(page_size=8).sessions
        except Exception as error:  # the log may be unreadable; say so, do not crash
            draw_text(
                surface,
                f"The session log cannot be read: {error}",
                pygame.Rect(area.left, y, area.width, 200),
                layout.body_px,
            )
            return buttons
        if not sessions:
            draw_text(
                surface,
                "No sessions yet.",
                pygame.Rect(area.left, y, area.width, 100),
                layout.body_px,
            )
        row = 96
        for summary in sessions:
            if y + row > back.top - layout.gap:
                break
            from kiosk.log.queries import local_time

            when = local_time(summary.started_at).strftime("%a %d %b %H:%M")
            how = "completed" if summary.completed else (summary.ended_how or "open")
            label = (
                f"{when}  {summary.profile_name}\n{summary.minutes_walked:.1f} min, "
                f"{summary.reminders} reminders, {how}"
            )
            buttons.append(
                Button(
                    pygame.Rect(area.left, y, area.width, row - 8), label, f"session:{summary.id}"
                )
            )
            y += row
        return buttons

    def _draw_detail(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        back = layout.button_row(1)[0]
        detail = self.tools.store.session_detail(self._session_id) if self._session_id else None
        if detail is None:
            self._title(surface, layout, "Session not found")
        else:
            y = self._title(surface, layout, f"Session {detail.session.id}")
            s = detail.session
            text = (
                f"{s.profile_name}: {s.minutes_walked:.1f} min walked, {s.reminders} "
                f"reminders, longest out of reach {s.longest_out_of_reach_s:.0f} s"
            )
            y = draw_text(
                surface,
                text,
                pygame.Rect(area.left, y, area.width, 200),
                max(28, layout.body_px - 4),
            )
            chart = pygame.Rect(
                area.left, y + layout.gap, area.width, back.top - y - 2 * layout.gap
            )
            draw_session_chart(surface, chart, detail, self.tools.settings()["safety.reach_mm"])
        return [Button(back, "Back", "page:sessions")]

    def _draw_weekly(self, surface: pygame.Surface, layout: Layout) -> list[Button]:
        area = layout.content
        rows = layout.button_row(2)
        profiles = self.tools.store.profiles()
        if not profiles:
            self._title(surface, layout, "Weekly progress")
            draw_text(
                surface,
                "No walkers yet.",
                pygame.Rect(area.left, area.top + 80, area.width, 100),
                layout.body_px,
            )
            return [Button(rows[0], "Back", "page:menu")]
        profile = profiles[self._profile_index % len(profiles)]
        y = self._title(surface, layout, f"Weekly progress: {profile.name}")
        summary = self.tools.store.weekly_summary(profile.id, weeks=6)
        suggestion = suggest_for(self.tools.store, profile.id)
        y = draw_text(
            surface,
            suggestion.reason,
            pygame.Rect(area.left, y, area.width, 200),
            max(28, layout.body_px - 4),
        )
        chart = pygame.Rect(area.left, y + layout.gap, area.width, rows[0].top - y - 2 * layout.gap)
        if summary is not None:
            draw_weekly_chart(surface, chart, summary)
        return [
            Button(rows[0], "Back", "page:menu"),
            Button(rows[1], "Next walker", "profile:next"),
        ]
