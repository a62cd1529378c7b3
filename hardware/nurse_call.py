"""The nurse-call contact: a relay or optocoupler on a GPIO pin, as facility equipment expects.

Nurse-call inputs take a dry contact. In the fail-safe, normally-closed wiring the kiosk keeps
the relay energised (contact closed) while all is well; a call, a crash, a power cut, a stop
or a cut cable all open it, because a released GPIO line and an unpowered relay look the same
as a call. In the normally-open wiring the contact closes on a call only (and a crash is
silent: only use it where the nurse-call system cannot take a normally-closed input).
"""

from __future__ import annotations

from typing import Any

NORMALLY_CLOSED = "normally_closed"
NORMALLY_OPEN = "normally_open"


class NurseCallOutput:
    """The contact on `pin` (BCM). `calling` is what it signals now."""

    def __init__(self, pin: int, mode: str = NORMALLY_CLOSED, pin_factory: Any = None) -> None:
        from gpiozero import DigitalOutputDevice

        if mode not in (NORMALLY_CLOSED, NORMALLY_OPEN):
            raise ValueError(f"nurse-call mode {mode!r}: use {NORMALLY_CLOSED} or {NORMALLY_OPEN}")
        self.mode = mode
        self.calling = False
        # Normally closed: energised (pin high) while there is no call.
        self.device = DigitalOutputDevice(
            pin, initial_value=mode == NORMALLY_CLOSED, pin_factory=pin_factory
        )

    def call(self) -> None:
        self.calling = True
        self._drive()

    def clear(self) -> None:
        self.calling = False
        self._drive()

    def _drive(self) -> None:
        energised = self.calling if self.mode == NORMALLY_OPEN else not self.calling
        self.device.value = energised

    def close(self) -> None:
        """Release the line: the relay drops out, which a normally-closed input reads as a
        call (the kiosk is not watching any more). Safe to call twice."""
        if not self.device.closed:
            self.device.off()  # de-energised, as after a crash or a power cut
        self.device.close()


class NoNurseCall:
    """Where no nurse-call output is wired (nurse_call.pin = -1)."""

    calling = False

    def call(self) -> None:
        self.calling = True

    def clear(self) -> None:
        self.calling = False

    def close(self) -> None:
        pass
