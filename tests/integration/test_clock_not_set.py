"""A Pi without a battery-backed clock: sessions logged before the clock is set are marked, and
moved to the right time when it is set while the kiosk runs (issue 13, item 16)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from fakes import finger, run_cli

from kiosk.log.queries import local_time
from kiosk.log.store import SessionStore
from kiosk.service.clock_keeper import ClockKeeper
from kiosk.service.wall_clock import LogClock
from kiosk.vocabulary import Ending, EventKind
from kiosk.walk.recorder import SessionRecorder

DAY_MS = 86_400_000
SAVED_AT_SHUTDOWN = datetime(2026, 3, 1, 9, 0).timestamp()  # what the Pi boots with
REAL_NOW = datetime(2026, 11, 30, 10, 15).timestamp()


class SystemClock:
    """The machine's wall and monotonic clocks and timesyncd's verdict, moved by the test."""

    def __init__(self, wall: float) -> None:
        self.wall, self.mono, self.synchronised = wall, 100.0, False

    def pass_time(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def set_by_time_server(self, wall: float) -> None:
        self.wall, self.synchronised = wall, True


def logging_kiosk(path, system: SystemClock):
    clock = LogClock(
        lambda: system.synchronised, wall=lambda: system.wall, monotonic=lambda: system.mono
    )
    store = SessionStore.open(path, clock=clock.now)
    recorder = SessionRecorder(
        store, clock=lambda: system.mono, wall_clock_set=lambda: clock.synchronised
    )
    return clock, store, recorder


def walk(store, recorder, system, minutes: float) -> int:
    walker = store.ensure_profile("Ada")
    session = recorder.start(walker, "beginner", 1)
    recorder.on_reading(system.mono, 450)
    system.pass_time(minutes * 30)
    recorder.note(EventKind.PAUSE)
    system.pass_time(minutes * 30)
    recorder.finish(Ending.COMPLETED)
    return session


def test_a_session_logged_before_the_clock_is_set_moves_to_the_real_time(tmp_path):
    system = SystemClock(SAVED_AT_SHUTDOWN)
    clock, store, recorder = logging_kiosk(tmp_path / "sessions.db", system)
    try:
        session = walk(store, recorder, system, minutes=10)
        before = store.session_detail(session)
        assert not before.session.time_confirmed
        assert local_time(before.session.started_at).date() == datetime(2026, 3, 1).date()
        assert [e.kind for e in before.events][0] == EventKind.CLOCK_UNSET

        system.pass_time(60)
        jump_ms = round((REAL_NOW - system.wall) * 1000)
        system.set_by_time_server(REAL_NOW)
        assert ClockKeeper(clock, store).check_once() == [session]

        after = store.session_detail(session)
        assert after.session.time_confirmed
        assert after.session.started_at == before.session.started_at + jump_ms
        assert after.session.ended_at == before.session.ended_at + jump_ms
        assert [e.t for e in after.events[:-1]] == [e.t + jump_ms for e in before.events]
        assert [s.t for s in after.samples] == [s.t + jump_ms for s in before.samples]
        assert after.events[-1].kind == EventKind.CLOCK_CORRECTED
        assert "times moved by +274 d" in after.events[-1].detail
        assert local_time(after.session.started_at).date() == datetime(2026, 11, 30).date()
        assert after.session.seconds_walking == before.session.seconds_walking
    finally:
        store.close()


def test_a_session_walked_while_the_clock_is_set_stays_on_one_time_scale(tmp_path):
    system = SystemClock(SAVED_AT_SHUTDOWN)
    clock, store, recorder = logging_kiosk(tmp_path / "sessions.db", system)
    keeper = ClockKeeper(clock, store)
    try:
        walker = store.ensure_profile("Ada")
        session = recorder.start(walker, "beginner", 1)
        system.pass_time(120)
        recorder.note(EventKind.PAUSE)
        system.set_by_time_server(REAL_NOW)  # mid-walk
        system.pass_time(4)
        assert keeper.check_once() == [session]
        system.pass_time(120)
        recorder.note(EventKind.RESUME)
        recorder.finish(Ending.COMPLETED)
        detail = store.session_detail(session)
        times = [detail.session.started_at, *(e.t for e in detail.events), detail.session.ended_at]
        assert times == sorted(times)
        assert detail.session.ended_at - detail.session.started_at == 244_000
        assert detail.session.time_confirmed
    finally:
        store.close()


def test_sessions_of_an_earlier_run_keep_their_mark_and_the_cli_shows_it(tmp_path):
    path = tmp_path / "sessions.db"
    system = SystemClock(SAVED_AT_SHUTDOWN)
    clock, store, recorder = logging_kiosk(path, system)
    earlier = walk(store, recorder, system, minutes=5)
    store.close()  # the Pi is switched off before it ever reached a time server

    system = SystemClock(SAVED_AT_SHUTDOWN + 3600)
    clock, store, recorder = logging_kiosk(path, system)
    try:
        system.set_by_time_server(REAL_NOW)
        assert ClockKeeper(clock, store).check_once() == []
        assert not store.session_detail(earlier).session.time_confirmed
        later = walk(store, recorder, system, minutes=5)
        assert store.session_detail(later).session.time_confirmed
    finally:
        store.close()

    listed = run_cli("--data-dir", tmp_path, "logs", "list")
    assert listed.returncode == 0, listed.stderr
    lines = [line.strip() for line in listed.stdout.splitlines()]
    rows = {line.split()[0]: line for line in lines if line[:1].isdigit()}
    assert " *" in rows[str(earlier)] and " *" not in rows[str(later)]
    assert "* time not confirmed: logged before the clock was set" in listed.stdout
    shown = run_cli("--data-dir", tmp_path, "logs", "show", str(earlier))
    assert "(time not confirmed" in shown.stdout


def test_the_exports_say_which_sessions_have_times_not_confirmed(tmp_path):
    system = SystemClock(SAVED_AT_SHUTDOWN)
    clock, store, recorder = logging_kiosk(tmp_path / "sessions.db", system)
    try:
        unconfirmed = walk(store, recorder, system, minutes=5)  # never corrected (see above)
        store.close()
        system = SystemClock(SAVED_AT_SHUTDOWN + 3600)
        clock, store, recorder = logging_kiosk(tmp_path / "sessions.db", system)
        moved = walk(store, recorder, system, minutes=5)
        system.set_by_time_server(REAL_NOW)
        assert ClockKeeper(clock, store).check_once() == [moved]
        confirmed = walk(store, recorder, system, minutes=5)
    finally:
        store.close()

    exported = run_cli("--data-dir", tmp_path, "logs", "export", "--out", "-")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout.removeprefix("\ufeff")  # the mark that tells Excel it is UTF-8
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(int(r["session_id"]), r["time_confirmed"]) for r in rows] == [
        (unconfirmed, "no"),
        (moved, "yes"),
        (confirmed, "yes"),
    ]
    exported = run_cli("--data-dir", tmp_path, "logs", "export", "--format", "json", "--out", "-")
    assert exported.returncode == 0, exported.stderr
    sessions = json.loads(exported.stdout)["sessions"]
    assert [(s["session_id"], s["time_confirmed"]) for s in sessions] == [
        (unconfirmed, False),
        (moved, True),
        (confirmed, True),
    ]


def test_the_caregiver_is_told_when_the_clock_is_not_set(make_kiosk):
    system = SystemClock(SAVED_AT_SHUTDOWN)
    clock = LogClock(
        lambda: system.synchronised, wall=lambda: system.wall, monotonic=lambda: system.mono
    )
    app = make_kiosk(wall_clock=clock)
    app.caregiver.show()
    app.caregiver.page = "menu"
    app.frame([])
    app.frame(finger(app, "page:problems"))
    assert app.current_screen == "caregiver-problems"
    assert any("clock has not been set" in p for p in app.caregiver.problems_to_fix())
    system.set_by_time_server(REAL_NOW)
    clock.check()
    assert app.caregiver.problems_to_fix() == []
