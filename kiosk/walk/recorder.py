"""Writes the walker's session to the log as it happens, from whichever thread sees it.

Safety events and distance samples come from the safety thread, so the record does not
depend on the screen loop; pauses and the ending come from the screens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.log.queries import SessionSettings
from kiosk.safety.monitor import SafetyConfig, SafetyEvent
from kiosk.vocabulary import Ending, EventKind

log = logging.getLogger(__name__)

SAMPLE_INTERVAL_S = 0.2  # 5 Hz is enough for the caregiver's chart

# Told ("started" or "ended", session id, walker's profile id) once the store has the row.
SessionListener = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SessionTotals:
    session_id: int | None
    seconds_walking: float
    seconds_paused: float
    reminders: int

    @property
    def minutes_walked(self) -> float:
        return self.seconds_walking / 60


class SessionRecorder:
    """``in_force`` gives the safety loop's configuration as it runs now (the caregiver may
    have moved the reach line since the kiosk started); each session is recorded with it."""

    def __init__(
        self,
        store: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        in_force: Callable[[], SafetyConfig] | None = None,
        wall_clock_set: Callable[[], bool | None] = lambda: True,
    ) -> None:
        self.store = store
        self._clock = clock
        self._in_force = in_force
        self._wall_clock_set = wall_clock_set  # False: the session's date is not confirmed
        self._lock = threading.Lock()
        self._session: int | None = None
        self._started = 0.0
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._reminders = 0
        self._last_sample = 0.0
        self._profile = 0
        self._session_listeners: list[SessionListener] = []

    def add_session_listener(self, listener: SessionListener) -> None:
        """Called after a session is opened and after it is closed (the broker's link)."""
        self._session_listeners.append(listener)

    def _tell(self, what: str, session: int) -> None:
        for listener in self._session_listeners:
            try:
                listener(what, session, self._profile)
            except Exception:  # the walk goes on whatever a listener does
                log.exception("a session listener failed on %s", what)

    @property
    def session_id(self) -> int | None:
        return self._session

    def start(self, profile_id: int, routine: str, level: int) -> int | None:
        with self._lock:
            self._started = self._clock()
            self._paused_since = None
            self._paused_total = 0.0
            self._reminders = 0
        try:
            settings = self._settings()
            session = self.store.start_session(profile_id, routine, level, settings=settings)
        except Exception:  # the routine goes on without a log; the store reports why
            log.exception("could not start a session record")
            session = None
        self._session = session
        if session is not None and self._wall_clock_set() is False:
            self.store.record_event(session, EventKind.CLOCK_UNSET, "the clock was not set")
        if session is not None:
            self._profile = profile_id
            self._tell("started", session)
        return session

    def _settings(self) -> SessionSettings | None:
        if self._in_force is None:
            return None
        config = self._in_force()
        rule = config.rule
        return SessionSettings(
            reach_mm=rule.reach_mm,
            margin_mm=rule.margin_mm,
            alarm_delay_readings=rule.delay_readings,
            sensor_period_ms=round(config.period_s * 1000),
        )

    def on_safety(self, event: SafetyEvent) -> None:
        """Safety-thread listener: alarms and faults of the open session. The walker out of
        reach while the alarm is not armed (a rest, a talking part) is no reminder."""
        session = self._session
        if session is None:
            return
        if not event.armed and event.kind in (EventKind.ALARM_ON, EventKind.ALARM_OFF):
            return
        if event.kind is EventKind.ALARM_ON:
            with self._lock:
                self._reminders += 1
        self.store.record_event(session, str(event.kind), event.reason, event.distance_mm)

    def on_call(self, kind: EventKind, words: str) -> None:
        """Call-for-help listener: help asked, called and answered, in the open session."""
        session = self._session
        if session is not None:
            self.store.record_event(session, kind, words)

    def on_reading(self, t: float, distance_mm: int | None) -> None:
        """Safety-thread listener: distance samples at 5 Hz."""
        session = self._session
        if session is None or t - self._last_sample < SAMPLE_INTERVAL_S:
            return
        self._last_sample = t
        self.store.record_sample(session, distance_mm)

    def note(self, kind: EventKind, detail: str = "") -> None:
        """pause, resume or chapter, from the screens."""
        now = self._clock()
        with self._lock:
            if kind == EventKind.PAUSE and self._paused_since is None:
                self._paused_since = now
            elif kind == EventKind.RESUME and self._paused_since is not None:
                self._paused_total += now - self._paused_since
                self._paused_since = None
        if self._session is not None:
            self.store.record_event(self._session, kind, detail)

    def totals(self) -> SessionTotals:
        now = self._clock()
        with self._lock:
            paused = self._paused_total
            if self._paused_since is not None:
                paused += now - self._paused_since
            elapsed = now - self._started if self._started else 0.0
            return SessionTotals(self._session, max(0.0, elapsed - paused), paused, self._reminders)

    def finish(self, ending: Ending, why: str = "") -> SessionTotals:
        """Close the session; `why` says more than the ending (e.g. the video broke)."""
        totals = self.totals()
        session, self._session = self._session, None
        if session is not None:
            if ending != Ending.COMPLETED:
                self.store.record_event(session, EventKind.STOP, why or ending)
            self.store.end_session(
                session,
                ending,
                seconds_walking=totals.seconds_walking,
                seconds_paused=totals.seconds_paused,
            )
            self._tell("ended", session)
        return totals
