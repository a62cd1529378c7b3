"""GPIO pins: gpiozero's mock pins for a computer, and plain output lines (XSHUT).

gpiozero chooses the real pin library itself (lgpio first); a computer without GPIO uses the
mock pins made here, with PWM so that a passive piezo (TonalBuzzer) can be driven too.
"""

from __future__ import annotations

from typing import Any


def mock_pin_factory() -> Any:
    """gpiozero's MockFactory with PWM-capable pins; each pin remembers its states and times."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    return MockFactory(pin_class=MockPWMPin)


def output_line(pin: int, pin_factory: Any = None, *, initial_value: bool = True) -> Any:
    """A digital output on `pin` (BCM), or None when `pin` is negative (not wired)."""
    if pin < 0:
        return None
    from gpiozero import DigitalOutputDevice

    return DigitalOutputDevice(pin, initial_value=initial_value, pin_factory=pin_factory)
