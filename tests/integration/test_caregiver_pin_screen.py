"""The PIN pad in front of the caregiver area, when the PIN file is damaged: it asks for the
PIN and says what is wrong and who can fix it, and never lets anyone choose a new PIN."""

from __future__ import annotations

import pygame
from fakes import finger

CORNER = {"x": 0.01, "y": 0.01, "touch_id": 1, "finger_id": 0}


def open_pin_pad(app) -> None:
    """A 3-second press on the top-left corner."""
    app.frame([pygame.event.Event(pygame.FINGERDOWN, **CORNER)])
    app.test_clock.now += 3.1
    app.frame([])
    app.frame([pygame.event.Event(pygame.FINGERUP, **CORNER)])
    assert app.current_screen == "caregiver-pin"


def type_pin(app, digits: str) -> None:
    for digit in digits:
        app.frame(finger(app, f"digit:{digit}"))
    app.frame(finger(app, "enter"))


def test_a_damaged_pin_file_never_offers_a_new_pin(make_kiosk):
    app = make_kiosk()
    pin_file = app.kiosk.data.caregiver_pin
    pin_file.write_text("{}")  # damaged while the kiosk runs (or before it started)

    open_pin_pad(app)
    assert "Choose" not in app.caregiver.message
    for _ in range(2):  # what choosing a new PIN would take: the same PIN twice
        type_pin(app, "1357")
        assert app.current_screen == "caregiver-pin"
        assert "damaged" in app.caregiver.message
        assert "balance-kiosk pin reset" in app.caregiver.message
    assert pin_file.read_text() == "{}"
