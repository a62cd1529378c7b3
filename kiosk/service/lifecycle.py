"""Running the assembled kiosk as a service: start-up, watchdog pings, a clean stop.

The start-up sequence is the safety loop's self-test (a chirp and a first reading), the loop
started disarmed (nobody walks at the home screen), the first frame on the screen, and then
READY=1 to systemd. SIGTERM or SIGINT stop the screen loop; on the way out an open session is
closed as stopped and the buzzer falls silent before the safety thread ends.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.service.systemd import SdNotifier, ServiceWatchdog, install_signal_handlers

log = logging.getLogger(__name__)


def serve(kiosk: Any, notifier: SdNotifier | None = None) -> int:
    """Run `kiosk` (a bootstrap.Kiosk) until it is stopped; returns the exit status."""
    notifier = notifier or SdNotifier()
    app, monitor = kiosk.app, kiosk.safety.monitor
    result = kiosk.safety.start(armed=False)

    def stop() -> None:
        notifier.stopping("stopping")
        app.stop()

    install_signal_handlers(stop)
    watchdog = ServiceWatchdog(notifier, {"safety thread": lambda: monitor.alive})
    # A ping proves the screen loop turns (it ticks once a frame) and the safety thread lives.
    app.hooks.append(lambda _app, _now: watchdog.tick())
    app.frame([])  # the screen is up
    notifier.ready(result.message)
    try:
        app.run()
    finally:
        kiosk.end_walk()
    runner = kiosk.runner
    return 1 if runner is not None and runner.failure else 0


def serve_problem(screen: Any, notifier: SdNotifier | None = None) -> None:
    """Show why the kiosk cannot start until it is stopped. systemd sees it ready and alive,
    so it does not restart it every few seconds: the message stays for someone to read."""
    notifier = notifier or SdNotifier()

    def stop() -> None:
        notifier.stopping("stopping")
        screen.stop()

    install_signal_handlers(stop)
    watchdog = ServiceWatchdog(notifier, {"problem screen": lambda: True})
    screen.draw()
    notifier.ready(f"cannot start: {screen.title}")
    screen.run(on_frame=watchdog.tick)
