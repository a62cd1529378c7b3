"""A thread that watches the wall clock and corrects the log when the clock is set."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kiosk.service.wall_clock import LogClock

log = logging.getLogger(__name__)

CHECK_EVERY_S = 5.0


class ClockKeeper:
    """Checks the `LogClock` every few seconds; when the clock has just been set, asks the
    store to move the times of the sessions logged before. Never touches the safety loop."""

    def __init__(self, clock: LogClock, store: Any, *, every_s: float = CHECK_EVERY_S) -> None:
        self.clock = clock
        self.store = store
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clock-keeper", daemon=True)

    def start(self) -> ClockKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def check_once(self) -> list[int]:
        """One look at the clock; returns the sessions whose times were moved."""
        jump = self.clock.check()
        if jump is None:
            return []
        try:
            moved = self.store.correct_clock(int(round(jump * 1000)))
        except Exception:  # the log reports its own trouble; the marks stay
            log.exception("could not correct the sessions' times after the clock was set")
            return []
        log.info("the clock was set (%+.0f s); sessions corrected: %s", jump, moved or "none")
        return moved

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.check_once()
