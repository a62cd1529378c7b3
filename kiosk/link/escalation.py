"""Calling for help: when the walker needs a person, not only a buzzer.

A call is made when, during an armed walk, the walker stays out of reach (or out of the beam)
for `after_s` seconds in a row, or the sensor stays out of order that long (the safety loop's
own death counts), or the walker asks with the "Call for help" button. A call switches the
nurse-call contact, goes to the listeners (the session log, the screen, the broker), and stays
until a caregiver answers it: the walker coming back is recorded, but does not quietly cancel
a call that someone may already be walking to.

Calls must be few and meaningful (bed alarms alone did not reduce falls in a large trial,
Shorr 2012, largely because staff learned to ignore them): a walker who comes back within the
delay, or rests with the alarm off, makes no call. The watch runs on a thread of its own, so a
call never waits for the screen, the log or the network.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.vocabulary import EventKind

log = logging.getLogger(__name__)

WATCH_EVERY_S = 0.1


@dataclass(frozen=True)
class Call:
    """A call for help under way: why, in words for the screen and the log."""

    cause: str  # "help button", "out of reach" or "sensor problem"
    words: str  # e.g. "out of reach for 20 s"
    t: float  # on the watch's clock


Listener = Callable[[EventKind, str], None]


class Escalation:
    def __init__(
        self,
        monitor: Any,
        buzzer: Any,
        nurse_call: Any,
        after_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.monitor, self.buzzer, self.nurse_call = monitor, buzzer, nurse_call
        self.after_s = after_s
        self._clock = clock
        self._lock = threading.RLock()
        self._call: Call | None = None
        self._away_since: float | None = None
        self._faulty_since: float | None = None
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def call(self) -> Call | None:
        return self._call

    def add_listener(self, listener: Listener) -> None:
        """Called with (event kind, words) for each help request, call and answer."""
        self._listeners.append(listener)

    # -- the three ways in, and the one way out ------------------------------------------------

    def request_help(self) -> None:
        """The walker asked (and confirmed): a call at once."""
        self._emit(EventKind.HELP_REQUESTED, "the walker asked for help")
        self._make_call("help button", "the walker asked for help")

    def check(self) -> None:
        """One look at the walk: a call when away, or unwatched, for too long."""
        now = self._clock()
        armed = bool(self.monitor.armed)
        status = self.monitor.status
        stopped = bool(getattr(self.buzzer, "watchdog_tripped", False))
        self._away_since = _since(self._away_since, armed and status.alarm, now)
        faulty = armed and (status.fault is not None or stopped)
        self._faulty_since = _since(self._faulty_since, faulty, now)
        if self._call is not None:
            return
        if self._away_since is not None and now - self._away_since >= self.after_s:
            self._make_call("out of reach", f"out of reach for {self.after_s:g} s")
        elif self._faulty_since is not None and now - self._faulty_since >= self.after_s:
            self._make_call("sensor problem", f"the sensor out of order for {self.after_s:g} s")

    def acknowledge(self, by: str) -> bool:
        """A caregiver answered (on the kiosk, on Home Assistant, on the broker). False when
        there was no call."""
        with self._lock:
            if self._call is None:
                return False
            self._call = None
            now = self._clock()  # a condition still there needs a whole delay again
            self._away_since = now if self._away_since is not None else None
            self._faulty_since = now if self._faulty_since is not None else None
        self.nurse_call.clear()
        log.warning("the call for help was answered (%s)", by)
        self._emit(EventKind.ACKNOWLEDGED, f"answered {by}")
        return True

    # -- running ------------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="escalation", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_EVERY_S):
            try:
                self.check()
            except Exception:  # the watch must go on; the buzzer's alarms do not need it
                log.exception("the call-for-help watch failed")

    def _make_call(self, cause: str, words: str) -> None:
        with self._lock:
            if self._call is not None:
                return
            self._call = Call(cause, words, self._clock())
        self.nurse_call.call()
        log.warning("help called: %s", words)
        self._emit(EventKind.ESCALATED, words)

    def _emit(self, kind: EventKind, words: str) -> None:
        for listener in self._listeners:
            try:
                listener(kind, words)
            except Exception:
                log.exception("a call-for-help listener failed on %s", kind)


def _since(since: float | None, now_true: bool, now: float) -> float | None:
    """When a condition that holds now began; None when it does not hold."""
    if not now_true:
        return None
    return now if since is None else since
