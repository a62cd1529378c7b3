"""doctor's nurse-call check: the pin can be driven to its idle state, and what the facility's
nurse-call input reads while the kiosk is stopped.

It never signals a call on purpose: in a facility that would bring a nurse running. It only
claims the pin in the state of "no call", reads the level back, and releases it (which, in the
normally-closed wiring, is what a stopped kiosk shows anyway: a call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.service.doctor_checks import FAIL, OK, SKIP, CheckResult

NAME = "nurse-call"


def check_nurse_call(
    make_output: Callable[[], Any], *, pin: int, mode: str, simulated: bool
) -> CheckResult:
    if pin < 0:
        return CheckResult(NAME, SKIP, "not wired (nurse_call.pin = -1)")
    where = f"{mode.replace('_', '-')} contact on GPIO{pin}"
    try:
        output = make_output()
    except Exception as error:  # a busy pin, no pin library, a wrong mode
        return CheckResult(
            NAME,
            FAIL,
            f"cannot drive the {where}: {type(error).__name__}: {error}",
            "check nurse_call.pin and nurse_call.mode in config.toml; a pin shared with the "
            "buzzer or in use by the kiosk is busy; on a Pi install the pin library and add "
            "the user to the gpio group",
        )
    try:
        idle_level = output.device.value
        expected = 0 if mode == "normally_open" else 1
    finally:
        output.close()
    if idle_level != expected:
        return CheckResult(
            NAME, FAIL, f"the {where} did not take its idle level ({idle_level})", "check wiring"
        )
    stopped = (
        "reads as a call while the kiosk is stopped (fail-safe)"
        if mode == "normally_closed"
        else "stays silent while the kiosk is stopped, and after a crash"
    )
    pins = "mock pins" if simulated else "the pin"
    return CheckResult(NAME, OK, f"{where}: idle level driven on {pins}; the contact {stopped}")
