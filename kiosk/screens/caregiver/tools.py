"""What the caregiver area acts on, handed to it by the wiring point."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kiosk.access.pin_lock import PinLock
from kiosk.settings import LiveSettings
from kiosk.web.address import DashboardOptions, local_addresses, read_options


class WalkControls(Protocol):
    """What the caregiver may do to the walker's session (the flow implements it)."""

    @property
    def fault_pending(self) -> bool: ...

    @property
    def can_end(self) -> bool: ...

    def acknowledge_fault(self, now: float) -> None: ...

    def end_walk(self, now: float) -> None: ...


@dataclass
class CaregiverTools:
    pin: PinLock
    monitor: Any  # the safety monitor: its status, and arming restored after a test
    buzzer: Any  # the alarm buzzer: hold and test
    store: Any  # the session log
    settings: LiveSettings
    walk: WalkControls
    export_to_usb: Callable[[], Path | None]  # the file written; None: no stick found
    clock: Callable[[], float] = field(default=time.monotonic)
    # Why the routine cannot be played, and the fix; None when it can.
    routine_problem: Callable[[], str | None] = lambda: None
    escalation: Any = None  # calls for help: answered from the menu
    # Why the dates of new sessions cannot be trusted (the clock is not set); None when they can.
    clock_problem: Callable[[], str | None] = lambda: None
    # The web dashboard's page: its password and certificate files (DataFolder's), its
    # options (port, TLS) and this machine's addresses.
    web_password: Path | None = None
    web_certificate: Path | None = None
    dashboard_options: Callable[[], DashboardOptions] = read_options
    addresses: Callable[[], list[str]] = local_addresses
