"""When the kiosk finds no screen at start: say so wherever someone may look, then wait.

The unit restarts the kiosk after it exits with NO_SCREEN (69), because a screen can come up
late (a monitor switched on after the Pi). Restarting every 2 s would be a quiet loop that
fills the journal with the same line and keeps a small Pi busy loading Python. So under
systemd the kiosk says why once per try, in the journal (standard error), in
`systemctl status` (STATUS=), and on the console it was given (tty1: the text console may still
show on a screen that KMS cannot drive, or on a serial console), then waits before it exits:
one try every 20 s or so. Outside systemd it only prints the line and exits at once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from kiosk.service.systemd import SdNotifier

# Under TimeoutStartSec=30s, with room for Python to start on a Pi Zero 2 W.
RETRY_PAUSE_S = 15.0


def report_no_screen(
    problem: str,
    *,
    notifier: SdNotifier,
    console: TextIO | None,
    pause_s: float = RETRY_PAUSE_S,
    wait: Callable[[float], None] = time.sleep,
    stderr: TextIO | None = None,
) -> None:
    """Say that no screen could be opened and why; under systemd, wait `pause_s` after."""
    err = stderr or sys.stderr
    if not notifier.enabled:
        print(f"balance-kiosk run: {problem}", file=err)
        return
    again = f"systemd starts the kiosk again in about {pause_s + 2:.0f} s."
    print(f"balance-kiosk run: {problem} {again}", file=err, flush=True)
    notifier.status(f"No screen: {problem}")
    if console is not None:
        try:
            console.write(f"\n\n  BALANCE KIOSK: NO SCREEN\n\n  {problem}\n  {again}\n\n")
            console.flush()
        except OSError:
            pass  # a console that cannot be written shows nothing; the journal has it
    wait(pause_s)


def console_from_stdin() -> TextIO | None:
    """The terminal systemd gave the kiosk as standard input (tty1), opened for writing; None
    when standard input is not a terminal."""
    try:
        if not os.isatty(0):
            return None
        return open(os.ttyname(0), "w", encoding="utf-8")  # noqa: SIM115 (lives until exit)
    except OSError:
        return None
