"""The kiosk as a systemd service: readiness, status, the watchdog and a clean stop.

systemd starts the kiosk with ``Type=notify`` and ``WatchdogSec=`` (systemd/balance-kiosk.service).
It counts the kiosk as started when READY=1 arrives, and kills and restarts it when WATCHDOG=1
stops arriving. The protocol is one datagram of ``KEY=value`` lines sent to the socket named in
$NOTIFY_SOCKET. Outside systemd the variable is unset and every call here does nothing, so the
same code runs on a developer's machine and in the tests.

How the app uses it::

    notifier = SdNotifier()
    stop = install_signal_handlers(lambda: notifier.stopping("stopping"))
    ...open the screen, run the sensor self-test, start the safety thread...
    notifier.ready("walker within reach")        # systemd now counts the kiosk as started
    watchdog = ServiceWatchdog(notifier, {"safety thread": lambda: monitor.alive})
    while not stop.requested:                    # the screen loop
        ...draw a frame...
        watchdog.tick()
    ...silence the buzzer, close the session as "stopped", exit 0...

The watchdog is ticked by the screen loop rather than by a thread of its own: a ping then proves
that the screen loop turns (a hung screen cannot tick), and the checks prove the rest. A pinging
thread would go on pinging while the screen loop hangs, unless the loop also kept a heartbeat
for it to check: more parts for the same answer.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

Check = Callable[[], bool]

# A notification must never hold up the screen loop for long.
_SEND_TIMEOUT_S = 1.0


def _socket_address(value: str) -> str | None:
    """$NOTIFY_SOCKET as an AF_UNIX address: '@name' is an abstract socket, '/path' a file."""
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    log.warning("NOTIFY_SOCKET=%r is not a socket this kiosk can use; not notifying", value)
    return None


class SdNotifier:
    """Sends sd_notify(3) messages to systemd; does nothing when $NOTIFY_SOCKET is unset.

    Every method returns True when the message was sent. A failure to send is logged and
    never raised: the kiosk must go on running whether systemd hears it or not.
    """

    def __init__(
        self, address: str | None = None, *, environ: Mapping[str, str] | None = None
    ) -> None:
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "") if address is None else address
        self._address = _socket_address(raw)
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._failed_before = False

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=value`` assignments in one datagram."""
        if self._address is None or not assignments:
            return False
        payload = "\n".join(assignments).encode("utf-8")
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._socket.settimeout(_SEND_TIMEOUT_S)
                self._socket.sendto(payload, self._address)
            except OSError as error:
                level = logging.DEBUG if self._failed_before else logging.WARNING
                log.log(level, "could not notify systemd (%s): %s", assignments[0], error)
                self._failed_before = True
                return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """The kiosk is up: screen open, self-test run. Send once."""
        return self.notify("READY=1", *_status(status))

    def status(self, text: str) -> bool:
        """One line for `systemctl status balance-kiosk`."""
        return self.notify(*_status(text))

    def watchdog(self) -> bool:
        """The keep-alive ping. Prefer ServiceWatchdog, which sends it only when all is well."""
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        """The kiosk has begun to shut down."""
        return self.notify("STOPPING=1", *_status(status))

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def _status(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    return ("STATUS=" + " ".join(text.split()),)  # one line: a newline would end the field


def watchdog_timeout_s(
    environ: Mapping[str, str] | None = None, pid: int | None = None
) -> float | None:
    """The watchdog timeout systemd expects pings within, or None when it expects none.

    As sd_watchdog_enabled(3): $WATCHDOG_USEC must be a positive whole number of microseconds,
    and $WATCHDOG_PID, when set, must be this process (a child that inherited the variables
    is not the one systemd watches).
    """
    env = os.environ if environ is None else environ
    usec_text = env.get("WATCHDOG_USEC")
    if usec_text is None:
        return None
    try:
        usec = int(usec_text)
    except ValueError:
        usec = 0
    if usec <= 0:
        log.warning("WATCHDOG_USEC=%r is not a positive number; not pinging", usec_text)
        return None
    pid_text = env.get("WATCHDOG_PID")
    if pid_text is not None:
        try:
            watched = int(pid_text)
        except ValueError:
            log.warning("WATCHDOG_PID=%r is not a process id; not pinging", pid_text)
            return None
        if watched != (os.getpid() if pid is None else pid):
            return None
    return usec / 1_000_000


class ServiceWatchdog:
    """WATCHDOG=1 at half of systemd's timeout, and only while every liveness check passes.

    Call `tick()` from the screen loop, once a frame; it does nothing until a ping is due. When
    a check fails (or raises), the pings stop, the reason goes to the log and to
    `systemctl status`, and systemd restarts the kiosk once its WatchdogSec= has passed. Should
    the check pass again before then, the pings resume: a moment's stall is not a restart.
    """

    def __init__(
        self,
        notifier: SdNotifier,
        checks: Mapping[str, Check] | Iterable[Check],
        *,
        environ: Mapping[str, str] | None = None,
        pid: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier = notifier
        if isinstance(checks, Mapping):
            self._checks = dict(checks)
        else:
            self._checks = {_name(check, i): check for i, check in enumerate(checks)}
        self._clock = clock
        self.timeout_s = watchdog_timeout_s(environ, pid)
        self.interval_s = None if self.timeout_s is None else self.timeout_s / 2
        self._last_ping = -math.inf
        self._failing: tuple[str, ...] = ()
        self._raised: set[str] = set()

    @property
    def enabled(self) -> bool:
        """systemd expects pings and can be reached."""
        return self.interval_s is not None and self._notifier.enabled

    def failing(self) -> list[str]:
        """The names of the checks that fail now (a check that raises fails)."""
        failed = []
        for name, check in self._checks.items():
            try:
                ok = bool(check())
            except Exception:
                if name not in self._raised:  # once, not on every frame
                    log.exception("liveness check %r raised", name)
                self._raised.add(name)
                ok = False
            else:
                self._raised.discard(name)
            if not ok:
                failed.append(name)
        return failed

    def tick(self) -> bool:
        """Ping if one is due and all checks pass; True when a ping was sent."""
        if not self.enabled:
            return False
        assert self.interval_s is not None
        now = self._clock()
        if now - self._last_ping < self.interval_s:
            return False
        failed = tuple(self.failing())
        if failed != self._failing:
            self._report(failed)
            self._failing = failed
        if failed:
            return False
        if self._notifier.watchdog():
            self._last_ping = now
            return True
        return False

    def _report(self, failed: tuple[str, ...]) -> None:
        if failed:
            text = f"not responding: {', '.join(failed)}; systemd will restart the kiosk"
            log.error("watchdog pings stopped: %s", text)
            self._notifier.status(text)
        else:
            log.warning("liveness checks pass again; watchdog pings resumed")
            self._notifier.status("running")


def _name(check: Check, index: int) -> str:
    name = getattr(check, "__name__", "")
    return name if name and name != "<lambda>" else f"check {index + 1}"


class StopRequest:
    """Set by the first SIGTERM or SIGINT; the screen loop polls `requested`."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal: signal.Signals | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested (or the timeout passes); True once requested."""
        return self._event.wait(timeout)

    def restore(self) -> None:
        """Put back the handlers that were there before (for tests and nested use)."""
        for signum, handler in self._previous.items():
            # None: a handler set outside Python, which cannot be put back; use the default.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        self._previous.clear()


def install_signal_handlers(
    on_stop: Callable[[], None],
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> StopRequest:
    """Turn SIGTERM (systemctl stop, shutdown) and SIGINT (Ctrl-C) into a stop request.

    On the first signal the returned request is set and `on_stop()` is called once. Python runs
    it in the main thread, between two steps of whatever the main thread was doing, so keep it
    small: set flags, send STOPPING=1. The app then leaves its loop, silences the buzzer, closes
    the session as "stopped" and exits with status 0, within 2 s (systemd kills it after
    TimeoutStopSec=). Later signals are logged and otherwise ignored. Call from the main thread.
    """
    request = StopRequest()

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if request.requested:
            log.info("%s received; already stopping", name)
            return
        request.signal = signal.Signals(signum)
        request._event.set()
        log.info("%s received; stopping", name)
        try:
            on_stop()
        except Exception:  # the stop goes on: the request is set whatever the callback does
            log.exception("the stop callback failed")

    for signum in signals:
        request._previous[signum] = signal.signal(signum, handle)
    return request
