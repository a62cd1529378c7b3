"""Everything the dashboard's pages are handed: its collaborators, made by the command line.

Tests build one over a temporary data folder with their own clock; `kiosk.cli.web` builds the
real one. The pages reach it as `request.app.state.dashboard`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from kiosk.paths import DataFolder
from kiosk.web.credentials import PasswordFile, TokenFile, load_or_create_secret
from kiosk.web.facility import FacilityWatch
from kiosk.web.log_access import WebLog
from kiosk.web.session_cookie import CookieJar
from kiosk.web.throttle import SignInThrottle

DEFAULT_REACH_MM = 600


@dataclass
class Dashboard:
    log: WebLog
    passwords: PasswordFile
    tokens: TokenFile
    cookies: CookieJar
    reach_mm: Callable[[], int] = lambda: DEFAULT_REACH_MM
    clock: Callable[[], float] = time.time
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    tz: tzinfo | None = None  # None: the system's local time, as the kiosk shows it
    trust_forwarded_host: bool = False
    password_key: bytes = b""
    facility: FacilityWatch | None = None  # None: no broker set up (mqtt.host empty)
    facility_problem: str | None = None  # why the broker's settings cannot be used

    @classmethod
    def for_folder(
        cls,
        folder: DataFolder,
        *,
        secure_cookies: bool = False,
        **options: object,
    ) -> Dashboard:
        """The dashboard over a data folder's files (the cookie key is made there if missing)."""
        key = load_or_create_secret(folder.web_secret)
        return cls(
            log=WebLog(folder.sessions_db),
            passwords=PasswordFile(folder.web_password),
            tokens=TokenFile(folder.web_token),
            cookies=CookieJar(key, secure=secure_cookies),
            password_key=key,
            **options,  # type: ignore[arg-type]
        )

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), self.tz).date()
