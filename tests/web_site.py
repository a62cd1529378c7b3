"""A kiosk's data folder with a few walks in a real session log, and the dashboard over it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from starlette.testclient import TestClient

from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder
from kiosk.web.app import create_app
from kiosk.web.dashboard import Dashboard
from kiosk.web.throttle import SignInThrottle

PASSWORD = "kitchen counter 42"
ORIGIN = "http://testserver"
# Tuesday 4 March 2025, 10:00 local time: the walks below are that morning.
NOW = datetime(2025, 3, 4, 10, 0).timestamp()


class ManualClock:
    """Monotonic time for the sign-in throttle, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fill_log(path: Path) -> dict[str, int]:
    """Ann: a completed walk with one reminder; Bob: a walk stopped in a sensor fault."""
    start = int((NOW - 3600) * 1000)
    store = SessionStore.open(path, clock=lambda: NOW)
    ann = store.add_profile("Ann", goal_minutes=10, goal_days=3)
    bob = store.add_profile("Bob", goal_minutes=5, goal_days=2)
    first = store.start_session(ann, "beginner", 1, t_ms=start)
    for i in range(0, 600):  # 2 minutes at 5 Hz
        distance = 720 if 200 <= i < 230 else 450 + (i % 7)
        store.record_sample(first, distance, t_ms=start + i * 200)
    store.record_event(first, "alarm_on", "out of reach", 720, t_ms=start + 40_600)
    store.record_event(first, "alarm_off", "back within reach", 455, t_ms=start + 46_000)
    store.end_session(
        first, "completed", seconds_walking=660, seconds_paused=0, t_ms=start + 720_000
    )
    second = store.start_session(bob, "beginner", 2, t_ms=start + 1_800_000)
    store.record_sample(second, 430, t_ms=start + 1_800_200)
    store.record_event(second, "fault_on", "no answer from the sensor", t_ms=start + 1_805_000)
    store.end_session(second, "fault", seconds_walking=5, seconds_paused=0, t_ms=start + 1_806_000)
    store.close()
    return {"ann": ann, "bob": bob, "first": first, "second": second}


@dataclass
class Site:
    folder: DataFolder
    dashboard: Dashboard
    client: TestClient
    ids: dict[str, int]
    monotonic: ManualClock

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, f"no CSRF token on {path}: {page.text[:300]}"
        return found.group(1)

    def sign_in(self, password: str = PASSWORD, **headers: str):
        token = self.csrf()
        return self.client.post(
            "/login",
            data={"csrf": token, "password": password, "next": "/"},
            headers={"Origin": ORIGIN, **headers},
            follow_redirects=False,
        )

    def post(self, path: str, data: dict, origin: str | None = ORIGIN, with_csrf: bool = True):
        fields = dict(data)
        if with_csrf:
            fields["csrf"] = self.csrf("/walkers")
        headers = {"Origin": origin} if origin else {}
        return self.client.post(path, data=fields, headers=headers, follow_redirects=False)


def build_site(base: Path, *, password: bool = True, secure: bool = False) -> Site:
    folder = DataFolder(base / "data").create()
    ids = fill_log(folder.sessions_db)
    monotonic = ManualClock()
    dashboard = Dashboard.for_folder(
        folder,
        secure_cookies=secure,
        clock=lambda: NOW,
        throttle=SignInThrottle(monotonic),
    )
    if password:
        dashboard.passwords.set(PASSWORD)
    client = TestClient(create_app(dashboard), raise_server_exceptions=True)
    return Site(folder, dashboard, client, ids, monotonic)
