"""The PIN pad: the way in, and on a kiosk without a PIN the place to choose one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.access.pin_lock import PinError
from kiosk.screens import theme
from kiosk.screens.caregiver.page import Page, small_body_px
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

KEY_WIDTH = 150
NO_PIN_YET = (
    "No caregiver PIN is set yet. A caregiver sets one with a 3-second press on the "
    "top-left corner, or with 'balance-kiosk pin set' at the kiosk's console."
)
KEY_GAP = 8
LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Erase", "0", "OK"]
ACTIONS = [f"digit:{d}" for d in "123456789"] + ["erase", "digit:0", "enter"]


class PinPage(Page):
    name = "pin"
    shows_message = False  # drawn beside the keypad instead

    def __init__(self) -> None:
        self.may_choose = False
        self.digits = ""
        self._new_pin: str | None = None
        self._message_at = pygame.Rect(0, 0, 0, 0)

    def reset(self, area: CaregiverArea, *, may_choose: bool) -> None:
        self.digits, self._new_pin = "", None
        self.may_choose = may_choose
        if area.tools.pin.has_pin:
            area.message = ""
        elif may_choose:
            area.message = "Choose a caregiver PIN (4-8 digits)."
        else:
            area.message = NO_PIN_YET

    # -- taps -------------------------------------------------------------------------------

    def on_digit(self, area: CaregiverArea, value: str) -> None:
        if len(self.digits) < 8:
            self.digits += value

    def on_erase(self, area: CaregiverArea, _: str) -> None:
        self.digits = self.digits[:-1]

    def on_enter(self, area: CaregiverArea, _: str) -> None:
        pin, self.digits = self.digits, ""
        lock = area.tools.pin
        if not lock.has_pin:
            if self.may_choose:
                self._choose(area, pin)
            return
        result = lock.check(pin)
        area.message = "" if result.ok else result.message
        if result.ok:
            area.go("menu")

    def _choose(self, area: CaregiverArea, pin: str) -> None:
        if self._new_pin is None:
            if not (pin.isdigit() and 4 <= len(pin) <= 8):
                area.message = "A PIN is 4 to 8 digits. Choose a PIN."
                return
            self._new_pin, area.message = pin, "Enter the same PIN again."
            return
        if pin != self._new_pin:
            self._new_pin, area.message = None, "The PINs differ. Choose a PIN again."
            return
        try:
            area.tools.pin.set_pin(pin)
        except PinError as error:
            area.message = str(error)
            return
        self._new_pin = None
        area.go("menu")
        area.message = "PIN saved."

    # -- drawing ----------------------------------------------------------------------------

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        column = _text_column(layout)
        title = "Caregiver PIN" if area.tools.pin.has_pin else "New caregiver PIN"
        y = draw_text(surface, title, column, layout.title_px, bold=True)
        dots = theme.font(layout.title_px, bold=True).render(
            "• " * len(self.digits) or "-", True, theme.TEXT
        )
        top = y + layout.gap
        surface.blit(dots, (layout.content.left, top))
        below_dots = top + dots.get_height() + layout.gap
        self._message_at = pygame.Rect(layout.content.left, below_dots, column.width, 200)
        if area.message:
            size = small_body_px(layout)
            draw_text(surface, area.message, self._message_at, size, theme.PRIMARY)
        keys = _keypad(layout, below_dots + 2 * layout.body_px)
        if not (area.tools.pin.has_pin or self.may_choose):  # nothing to type: only Close
            return [_cancel_button(layout, keys)]
        return [*keys, _cancel_button(layout, keys)]


def _text_column(layout: Layout) -> pygame.Rect:
    """Beside the keypad in landscape; above it in portrait."""
    area = layout.content
    if layout.portrait:
        return area.copy()
    keypad = 3 * KEY_WIDTH + 2 * KEY_GAP
    return pygame.Rect(area.left, area.top, area.width - keypad - layout.gap, area.height)


def _keypad(layout: Layout, top_in_portrait: int) -> list[Button]:
    area = layout.content
    rows, cols = 4, 3
    if layout.portrait:
        pad_width, left, top = area.width, area.left, top_in_portrait
        height = max(96, (area.bottom - top - (rows - 1) * KEY_GAP) // rows)
    else:
        pad_width = min(area.width, 3 * KEY_WIDTH + 2 * KEY_GAP)
        left, top = area.right - pad_width, area.top
        height = max(96, (area.height - (rows - 1) * KEY_GAP) // rows)
    width = (pad_width - (cols - 1) * KEY_GAP) // cols
    return [
        Button(
            pygame.Rect(
                left + (i % cols) * (width + KEY_GAP),
                top + (i // cols) * (height + KEY_GAP),
                width,
                height,
            ),
            label,
            action,
            "go" if label == "OK" else "panel",
        )
        for i, (label, action) in enumerate(zip(LABELS, ACTIONS, strict=True))
    ]


def _cancel_button(layout: Layout, keys: list[Button]) -> Button:
    area = layout.content
    cancel = pygame.Rect(area.left, area.bottom - layout.button_height, 220, layout.button_height)
    if layout.portrait:
        cancel.bottom = keys[0].rect.top - layout.gap
        cancel.right = area.right
    return Button(cancel, "Cancel", "close")
