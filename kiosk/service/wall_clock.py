"""Is the wall clock right? A Pi has no battery-backed clock.

Without a network at boot a Pi starts from the time it saved at its last shutdown, hours or
months behind. Durations are measured on the monotonic clock everywhere; what the wall clock
decides is the date a session is logged under. So the kiosk asks whether the clock has been
synchronised, marks the sessions it logs before it is, and corrects them when the clock is set
while it is still running (the jump is then known exactly, see `LogClock`).
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from pathlib import Path

# systemd-timesyncd creates this file once it has synchronised the clock (systemd 239 and on).
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
TIME_ERROR = 5  # adjtimex(2): the kernel's clock is not synchronised
JUMP_S = 60.0  # a change of the wall clock smaller than this is drift, not a setting


def kernel_says_synchronised() -> bool | None:
    """The kernel's own flag, set by any time daemon (timesyncd, chrony, ntpd); None when it
    cannot be asked (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        timex = ctypes.create_string_buffer(512)  # struct timex with modes = 0: only reads
        state = libc.adjtimex(timex)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != TIME_ERROR


def clock_synchronised(
    flag: Path = TIMESYNC_FLAG, kernel: Callable[[], bool | None] = kernel_says_synchronised
) -> bool | None:
    """True when the wall clock is known to be right, False when known not to be, None when
    this system cannot say."""
    if flag.exists():
        return True
    return kernel()


def clock_words(synchronised: bool | None) -> str:
    """One line for `doctor` and the caregiver."""
    if synchronised:
        return "the clock is synchronised"
    if synchronised is None:
        return "this system cannot say whether the clock is synchronised"
    return (
        "the clock has not been set (no time server reached since the Pi started): sessions "
        "logged now are marked 'time not confirmed'. Connect the kiosk to a network, or set "
        "the time with 'sudo timedatectl set-time'"
    )


class LogClock:
    """The time the session log stamps rows with: the wall clock as it was at the last check,
    carried forward on the monotonic clock.

    Between checks a step of the wall clock cannot split a session into two time scales;
    at a check, a step after the clock was unsynchronised is reported as the correction the
    rows logged so far need.
    """

    def __init__(
        self,
        probe: Callable[[], bool | None] = clock_synchronised,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._wall = wall
        self._monotonic = monotonic
        self._offset = wall() - monotonic()
        self.synchronised = probe()

    def now(self) -> float:
        return self._monotonic() + self._offset

    def check(self) -> float | None:
        """Look at the wall clock again. Returns the jump in seconds when the clock has just
        been set after it was not synchronised (the correction for what was logged before);
        None otherwise. A step while synchronised (someone set the date) is followed without
        a correction: what was logged then was right."""
        was = self.synchronised
        self.synchronised = self._probe()
        offset = self._wall() - self._monotonic()
        jump, self._offset = offset - self._offset, offset
        if was is False and self.synchronised:
            return jump if abs(jump) >= JUMP_S else 0.0
        return None
