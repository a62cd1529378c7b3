"""What happens at the kiosk, as the broker's messages: the listeners bootstrap wires in.

The safety monitor's events and readings (on the safety thread), the call-for-help watch's
events (on its thread) and the session's start and end (on the screen's thread) each become a
message queued in the outbox; `state()` is what the link keeps retained. Every listener only
builds a small JSON object and queues it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from kiosk.link.messages import (
    EVENT_TYPE_OF,
    distance_payload,
    event_payload,
    session_payload,
    state_payload,
    zone_of,
)
from kiosk.log.export import session_record
from kiosk.log.queries import day_start_ms
from kiosk.vocabulary import EventKind

log = logging.getLogger(__name__)

DISTANCE_EVERY_S = 1.0  # the Distance sensor: at most once a second,
DISTANCE_STEP_MM = 20  # and only on a change of this much
WEB_URL_EVERY_S = 60.0


class KioskFeed:
    def __init__(
        self,
        link: Any,
        store: Any,
        monitor: Any,
        escalation: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
        web_url: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.link, self.store, self.monitor, self.escalation = link, store, monitor, escalation
        self.topics = link.topics
        self._clock = clock
        self._lock = threading.Lock()
        self._session: int | None = None
        self._walker: str | None = None
        self._distance: int | None = None
        self._distance_at: float | None = None
        self._today = date.today()
        self._minutes_today = self._walked_today()
        self._name = name
        self._web_url_source = web_url
        self._web_url: str | None = None
        self._web_url_at: float | None = None

    # -- listeners ---------------------------------------------------------------------------

    def on_safety(self, event: Any) -> None:
        """Alarms while armed (a walker away during a rest is no alarm), faults always."""
        if not event.armed and event.kind in (EventKind.ALARM_ON, EventKind.ALARM_OFF):
            return
        self._event(EVENT_TYPE_OF[event.kind], detail=event.reason, distance_mm=event.distance_mm)

    def on_call(self, kind: EventKind, words: str) -> None:
        self._event(EVENT_TYPE_OF[kind], detail=words)

    def on_session(self, what: str, session_id: int, profile_id: int) -> None:
        if what == "started":
            with self._lock:
                self._session, self._walker = session_id, self._walker_name(profile_id)
            self._event("session_started")
            return
        detail = self.store.session_detail(session_id)
        record = session_record(detail.session) if detail is not None else {}
        self._event("session_ended", result=record.get("result"))
        if record:
            self.link.send("session", self.topics.session, session_payload(record, self._kid))
        with self._lock:
            self._session = None
        self._minutes_today = self._walked_today()

    def on_reading(self, t: float, distance_mm: int | None) -> None:
        """Safety-thread listener: a distance sample when it moved 20 mm, at most once a second."""
        last = self._distance_at
        if distance_mm is None or (last is not None and t - last < DISTANCE_EVERY_S):
            return
        if self._distance is not None and abs(distance_mm - self._distance) < DISTANCE_STEP_MM:
            return
        self._distance, self._distance_at = distance_mm, t
        payload = distance_payload(distance_mm, self._session)
        self.link.send("distance", self.topics.distance, payload)

    # -- the retained state ------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything the state topic says but its time (the link adds that)."""
        if date.today() != self._today:  # past midnight: a new day's minutes
            self._today, self._minutes_today = date.today(), self._walked_today()
        status, armed = self.monitor.status, bool(self.monitor.armed)
        zone = zone_of(armed=armed, out_of_reach=status.alarm, fault=status.fault is not None)
        state = state_payload(
            armed=armed,
            zone=zone,
            distance_mm=self._distance,
            walker=self._walker,
            session_id=self._session,
            escalated=self.escalation.call is not None,
            minutes_today=self._minutes_today,
        )
        del state["updated"]
        if self._name:
            state["name"] = self._name
        web_url = self._dashboard_url()
        if web_url:
            state["web_url"] = web_url
        return state

    def _dashboard_url(self) -> str | None:
        """The dashboard's address for a facility page, looked up again once a minute (an
        address from DHCP may change)."""
        now = self._clock()
        if self._web_url_at is None or now - self._web_url_at >= WEB_URL_EVERY_S:
            self._web_url_at = now
            try:
                self._web_url = self._web_url_source()
            except Exception:  # a link to the dashboard is nice to have
                log.exception("could not find the dashboard's address")
                self._web_url = None
        return self._web_url

    # -- helpers -----------------------------------------------------------------------------

    @property
    def _kid(self) -> str:
        return self.topics.kiosk_id

    def _event(self, event_type: str, **more: Any) -> None:
        with self._lock:
            session, walker = self._session, self._walker
        payload = event_payload(
            event_type, kiosk_id=self._kid, session_id=session, walker=walker, **more
        )
        self.link.send(event_type, self.topics.event, payload)

    def _walker_name(self, profile_id: int) -> str | None:
        try:
            return next((p.name for p in self.store.profiles() if p.id == profile_id), None)
        except Exception:  # a name is nice to have; the event goes out without it
            log.exception("could not read the walker's name")
            return None

    def _walked_today(self) -> float:
        """Minutes walked at this kiosk today, all walkers, sessions ended."""
        try:
            with self.store.reading() as conn:
                (seconds,) = conn.execute(
                    "SELECT coalesce(sum(seconds_walking), 0) FROM sessions "
                    "WHERE started_at >= ? AND ended_at IS NOT NULL",
                    (day_start_ms(date.today()),),
                ).fetchone()
        except Exception:
            log.exception("could not count today's minutes")
            return 0.0
        return float(seconds) / 60
