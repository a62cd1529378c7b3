"""The safety loop: sensor readings in, alarms out, on a thread of its own.

The monitor owns the sensor and drives the buzzer itself, so the alarm never waits for the
screen. Listeners (the screens, the session log) hear about each change, on this thread.
Every way the sensor can fail ends in the same safe place: a sensor-fault alarm and an event
that says why. The buzzer's watchdog covers the one case this thread cannot report: its own
death or hang.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hardware.buzzer import Priority
from hardware.tof_sensor import Reading, SensorFault
from kiosk.safety.reach import ReachClassifier, ReachRule, ReachZone
from kiosk.settings import MAX_FAULT_MS
from kiosk.vocabulary import EventKind

log = logging.getLogger(__name__)

MAX_FAULT_S = MAX_FAULT_MS / 1000


@dataclass(frozen=True)
class SafetyEvent:
    t: float
    kind: EventKind
    reason: str
    distance_mm: int | None
    armed: bool = True  # whether the alarm was armed: unarmed events sound nothing


@dataclass(frozen=True)
class SafetyStatus:
    """A snapshot for screens: what the walker's gauge and the alarm banner show."""

    t: float
    zone: ReachZone
    fault: str | None
    distance_mm: int | None  # filtered; None when nothing is in range or no reading yet
    raw_mm: int | None
    reach_mm: int
    return_mm: int

    @property
    def alarm(self) -> bool:
        return self.zone is ReachZone.OUT_OF_REACH


@dataclass(frozen=True)
class SafetyConfig:
    rule: ReachRule = ReachRule()
    period_s: float = 0.033
    fault_after_periods: int = 3
    reconnect_interval_s: float = 0.1
    poll_interval_s: float = 0.002
    min_plausible_mm: int = 20
    # A fault ends only after usable readings have come without a break this long: a sensor
    # that answers between errors is not trusted again.
    fault_clear_s: float = 1.0
    supervise_every_s: float = 0.02  # how often a blocked read is looked for

    @property
    def stale_s(self) -> float:
        """No usable reading for this long is a sensor fault: the periods the settings ask for,
        but never more than MAX_FAULT_S (at a 100 ms period that is 2 periods, not 3)."""
        return min(self.fault_after_periods * self.period_s, MAX_FAULT_S)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SafetyConfig:
        return cls(
            rule=ReachRule.from_settings(settings),
            period_s=settings["sensor.period_ms"] / 1000,
            fault_after_periods=settings["safety.fault_after_periods"],
        )


class RepeatedErrorLog:
    """The same error again and again is logged once with its traceback, then counted: a
    loop that fails 400 times a second must not fill the card with tracebacks."""

    def __init__(self, logger: logging.Logger, every_s: float = 60.0) -> None:
        self._log = logger
        self._every_s = every_s
        self._last: str | None = None
        self._repeats = 0
        self._reported_at = 0.0

    def report(self, error: Exception) -> None:
        key = f"{type(error).__name__}: {error}"
        now = time.monotonic()
        if key != self._last:
            self._flush()
            self._last, self._repeats, self._reported_at = key, 0, now
            self._log.error("safety loop error", exc_info=error)
            return
        self._repeats += 1
        if now - self._reported_at >= self._every_s:
            self._flush()
            self._reported_at = now

    def _flush(self) -> None:
        if self._repeats:
            self._log.error("safety loop error repeated %d times: %s", self._repeats, self._last)
            self._repeats = 0


class Sensor(Protocol):
    @property
    def connected(self) -> bool: ...

    def connect(self) -> None: ...

    def poll(self) -> Reading | None: ...

    def close(self) -> None: ...


class Alarm(Protocol):
    def activate(self, priority: Priority) -> None: ...

    def deactivate(self, priority: Priority) -> None: ...

    def chirp(self) -> None: ...

    def heartbeat(self) -> None: ...


@dataclass(frozen=True)
class SelfTestResult:
    ok: bool
    message: str
    distance_mm: int | None = None


Listener = Callable[[SafetyEvent], None]


class SafetyMonitor:
    def __init__(
        self,
        sensor: Sensor,
        alarm: Alarm,
        config: SafetyConfig = SafetyConfig(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sensor = sensor
        self.alarm = alarm
        self.config = config
        self._clock = clock
        self._sleep = sleep
        self._classifier = ReachClassifier(config.rule)
        self._listeners: list[Listener] = []
        self._reading_listeners: list[Callable[[float, int | None], None]] = []
        now = clock()
        self._last_usable = now
        self._connected_at = now
        self._next_connect = now
        self._last_error: str | None = None
        self._fault: str | None = None
        self._raw_mm: int | None = None
        self._last_step = now
        self._trusted_since: float | None = None  # start of the unbroken run of usable readings
        self._armed = True
        self._alarm_lock = threading.Lock()
        self._fault_lock = threading.RLock()  # the loop and its supervisor both raise faults
        self._loop_errors = RepeatedErrorLog(log)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._publish(now)

    # -- for screens, the log and the service watchdog ---------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def add_reading_listener(self, listener: Callable[[float, int | None], None]) -> None:
        """Called on this thread with (time, filtered distance) for each usable reading."""
        self._reading_listeners.append(listener)

    @property
    def status(self) -> SafetyStatus:
        return self._status

    @property
    def alive(self) -> bool:
        """The loop thread runs and has stepped recently (for the service watchdog)."""
        thread = self._thread
        recent = self._clock() - self._last_step < max(1.0, 10 * self.config.stale_s)
        return thread is not None and thread.is_alive() and recent

    # -- arming ---------------------------------------------------------------------------------

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        """Sound alarms from now on; one already standing sounds at once."""
        self._armed = True
        self._sync_alarm()

    def disarm(self) -> None:
        """Keep watching and reporting, but sound nothing (nobody is walking)."""
        self._armed = False
        self._sync_alarm()

    def _sync_alarm(self) -> None:
        """Make the buzzer match the state; the lock makes the last caller see the latest."""
        with self._alarm_lock:
            armed = self._armed
            wanted = {
                Priority.HIGH: armed and self._classifier.zone is ReachZone.OUT_OF_REACH,
                Priority.MEDIUM: armed and self._fault is not None,
            }
            for priority, on in wanted.items():
                (self.alarm.activate if on else self.alarm.deactivate)(priority)

    # -- running --------------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._last_usable = self._clock()
        self._thread = threading.Thread(target=self._run, name="safety-monitor", daemon=True)
        self._thread.start()
        supervisor = threading.Thread(target=self._supervise, name="safety-supervisor", daemon=True)
        supervisor.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return  # still inside the driver: it owns the sensor; exit takes it down
        self.sensor.close()

    def self_test(self, timeout_s: float = 1.0) -> SelfTestResult:
        """Chirp the buzzer and wait for a usable reading; run before `start()`."""
        self.alarm.chirp()
        deadline = self._clock() + timeout_s
        started = self._clock()
        self._last_usable = started
        while self._clock() < deadline:
            self.step()
            if self._last_usable > started and self._fault is None:
                distance = self._classifier.filtered_mm
                shown = "nothing in range" if distance is None else f"{distance:.0f} mm"
                return SelfTestResult(True, f"sensor working: {shown}", self.status.distance_mm)
        reason = self._fault or self._last_error or "no reading from the sensor"
        return SelfTestResult(False, f"sensor self-test failed: {reason}")

    def _run(self) -> None:
        log.info("safety monitor running")
        while not self._stop.is_set():
            try:
                self.step()
            except Exception as error:  # never let the loop die: fail safe and keep going
                self._loop_errors.report(error)
                self._untrusted(f"internal error in the safety loop: {error}")
                self._raise_fault(self._clock(), f"internal error in the safety loop: {error}")
                self._sleep(self.config.poll_interval_s)

    def _supervise(self) -> None:
        """Beside the loop: a read blocked inside the driver stops the loop from noticing
        anything, so the fault is raised from here, on time, with its reason."""
        while not self._stop.wait(self.config.supervise_every_s):
            now = self._clock()
            blocked_s = now - self._last_step
            if blocked_s > self.config.stale_s and self._fault is None:
                self._raise_fault(
                    now,
                    f"the sensor has not answered for {blocked_s * 1000:.0f} ms "
                    "(a read on the bus is blocked)",
                )

    def step(self) -> None:
        """One turn of the loop: read if a reading is ready, update zone and fault, or wait."""
        now = self._clock()
        self._last_step = now
        self.alarm.heartbeat()
        reading = None
        if not self.sensor.connected:
            self._try_connect(now)
        else:
            try:
                reading = self.sensor.poll()
            except SensorFault as fault:
                self._untrusted(str(fault))
        if reading is not None:
            self._take(reading)
        self._check_stale(self._clock())
        if reading is None:
            self._sleep(self.config.poll_interval_s)

    # -- the decisions --------------------------------------------------------------------------

    def _try_connect(self, now: float) -> None:
        if now < self._next_connect:
            return
        self._next_connect = now + self.config.reconnect_interval_s
        try:
            self.sensor.connect()
        except SensorFault as fault:
            self._untrusted(str(fault))
            return
        self._connected_at = self._clock()

    def _untrusted(self, why: str) -> None:
        """The sensor failed to give a usable reading: its run of good readings starts again."""
        self._last_error = why
        self._trusted_since = None

    def _take(self, reading: Reading) -> None:
        self._raw_mm = reading.raw_mm if reading.distance_mm is not None else None
        distance = reading.distance_mm
        if distance is not None and distance < self.config.min_plausible_mm:
            self._untrusted(
                f"the sensor reads an implausible {distance} mm (is something covering it?)"
            )
            return
        if self._trusted_since is None or reading.t - self._last_usable > self.config.stale_s:
            self._trusted_since = reading.t
        self._last_usable = reading.t
        self._last_error = None
        before = self._classifier.zone
        zone = self._classifier.update(distance)
        if zone is not before:
            self._sync_alarm()
            if zone is ReachZone.OUT_OF_REACH:
                self._emit(reading.t, EventKind.ALARM_ON, "out of reach", self._filtered())
            else:
                self._emit(reading.t, EventKind.ALARM_OFF, "back within reach", self._filtered())
        if self._fault is not None and reading.t - self._trusted_since >= self.config.fault_clear_s:
            self._clear_fault(reading.t, distance)
        self._publish(reading.t)
        for listener in self._reading_listeners:
            try:
                listener(reading.t, self._status.distance_mm)
            except Exception:
                log.exception("a reading listener failed")

    def _check_stale(self, now: float) -> None:
        silent_for = now - self._last_usable
        if silent_for <= self.config.stale_s:
            return
        if self._fault is None:
            reason = self._last_error or (
                f"no reading from the sensor for {silent_for * 1000:.0f} ms (is it stuck?)"
            )
            self._raise_fault(now, reason)
        # A chip that reset (a replug) or hung answers nothing until it is set up again.
        if self.sensor.connected and now - self._connected_at > self.config.stale_s:
            self.sensor.close()
            self._next_connect = now

    def _raise_fault(self, t: float, reason: str) -> None:
        """The sensor cannot be trusted: the fault alarm, and the event that says why. The
        reach decision keeps its count: readings that still arrive go on counting."""
        with self._fault_lock:
            if self._fault is not None:
                return
            self._fault = reason
            self._sync_alarm()
            self._emit(t, EventKind.FAULT_ON, reason, None)
            self._publish(t)

    def _clear_fault(self, t: float, distance_mm: int | None) -> None:
        with self._fault_lock:
            if self._fault is None:
                return
            self._fault = None
            self._sync_alarm()
            reason = f"sensor readings steady again for {self.config.fault_clear_s:g} s"
            self._emit(t, EventKind.FAULT_OFF, reason, distance_mm)

    def set_rule(self, rule: ReachRule) -> None:
        """Use a new reach line (the caregiver changed it); takes effect at the next reading."""
        self._classifier.rule = rule
        self.config = replace(self.config, rule=rule)

    def _filtered(self) -> int | None:
        value = self._classifier.filtered_mm
        return None if value is None else int(round(value))

    def _publish(self, t: float) -> None:
        rule = self.config.rule
        self._status = SafetyStatus(
            t=t,
            zone=self._classifier.zone,
            fault=self._fault,
            distance_mm=self._filtered(),
            raw_mm=self._raw_mm,
            reach_mm=rule.reach_mm,
            return_mm=rule.return_mm,
        )

    def _emit(self, t: float, kind: EventKind, reason: str, distance_mm: int | None) -> None:
        event = SafetyEvent(t, kind, reason, distance_mm, self._armed)
        log.info("%s: %s (%s mm)", kind, reason, distance_mm)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a broken screen must not silence the safety loop
                log.exception("a safety listener failed on %s", kind)
