"""The sessions CSV, byte for byte: what a caregiver's spreadsheet (or a clinician's script)
reads must not change when the export is made faster.

The log below holds what the kiosk can leave behind: a reminder sounded twice before the walker
came back, a second "back" without a reminder, a reminder and its end in the same millisecond,
a reminder still sounding when the session ended (or when the kiosk stopped with the session
open), sensor faults, a walk across the night clocks go forward, minutes that round half-way
(10.25), a name a spreadsheet would run, a session dated after 2037, and sessions started
before the clock was set (one of them moved once it was). The expected text was written by the
export before it was reworked for speed; the last column, whether the times are confirmed,
was added after.
"""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.log.export import export
from kiosk.log.store import SessionStore


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


# Berlin moved its clocks from 02:00 to 03:00 on 2026-03-29, at 01:00 UTC.
SPRING = ms(2026, 3, 29, 0, 30)
SESSIONS = [
    # id, profile, routine, level, started_at, ended_at, ended_how, walking s, paused s
    (1, 1, "beginner", 1, SPRING, SPRING + 80 * 60_000, "completed", 615.0, 15.0),
    (2, 2, "beginner", 2, ms(2026, 7, 1, 8, 0, 0) + 999, None, None, 0.0, 0.0),
    (3, 3, "=cmd", 3, ms(2026, 12, 31, 23, 59, 59), ms(2027, 1, 1, 0, 4, 59), "fault", 9.0, 3.0),
    (4, 1, "beginner", 1, ms(2026, 8, 2, 6, 0), ms(2026, 8, 2, 6, 12), "stopped", 720.0, 0.0),
]
# After 2037 SQLite's local time is a guess; a log holding such a date is still exported exactly.
AFTER_2037 = (
    5,
    2,
    "beginner",
    1,
    ms(2040, 7, 1, 12, 0),
    ms(2040, 7, 1, 12, 5),
    "interrupted",
    1,
    2,
)
MARKS = [
    # session, ms after its start, kind; in id order
    (1, 1_000, "alarm_on"),
    (1, 2_000, "alarm_on"),  # still sounding: not a second span
    (1, 4_500, "alarm_off"),
    (1, 5_000, "alarm_off"),  # back again without a reminder: nothing
    (1, 6_000, "alarm_on"),
    (1, 6_000, "alarm_off"),  # the same millisecond: a span of 0
    (1, 7_000, "fault_on"),
    (1, 3_600_000, "alarm_on"),  # still on at the end: runs to the session's end
    (2, 0, "clock_unset"),  # started before the clock was set, and never corrected
    (2, 5_000, "chapter"),
    (2, 10_000, "alarm_on"),
    (2, 12_345, "fault_on"),  # open session: the span runs to the last mark
    (3, 0, "clock_unset"),
    (3, 100, "fault_on"),
    (3, 200, "fault_on"),
    (3, 300, "clock_corrected"),  # the clock was set later and the times were moved
    (4, 10_000, "alarm_off"),
    (4, 60_000, "alarm_on"),
    (4, 62_049, "alarm_off"),
]

HEADER = (
    "session_id,profile,date,start_time,end_time,utc_offset,routine,level,result,completed,"
    "minutes_walked,minutes_paused,reminders,longest_out_of_reach_s,sensor_faults,time_confirmed\n"
)
IN_BERLIN = HEADER + (
    "1,'=Anna;'-x,2026-03-29,01:30:00,03:50:00,+01:00,beginner,1,completed,yes,10.2,0.2,4,"
    "1200.0,1,yes\n"
    "2,Ben,2026-07-01,10:00:00,,+02:00,beginner,2,open,no,0.0,0.0,1,2.3,1,no\n"
    "3,Cléo,2027-01-01,00:59:59,01:04:59,+01:00,'=cmd,3,fault,no,0.1,0.1,0,0.0,2,yes\n"
    "4,'=Anna;'-x,2026-08-02,08:00:00,08:12:00,+02:00,beginner,1,stopped,no,12.0,0.0,1,2.0,0,yes\n"
)
ROW_2040_IN_BERLIN = (
    "5,Ben,2040-07-01,14:00:00,14:05:00,+02:00,beginner,1,interrupted,no,0.0,0.0,0,0.0,0,yes\n"
)
IN_UTC = HEADER + (
    "1,'=Anna;'-x,2026-03-29,00:30:00,01:50:00,+00:00,beginner,1,completed,yes,10.2,0.2,4,"
    "1200.0,1,yes\n"
    "2,Ben,2026-07-01,08:00:00,,+00:00,beginner,2,open,no,0.0,0.0,1,2.3,1,no\n"
    "3,Cléo,2026-12-31,23:59:59,00:04:59,+00:00,'=cmd,3,fault,no,0.1,0.1,0,0.0,2,yes\n"
    "4,'=Anna;'-x,2026-08-02,06:00:00,06:12:00,+00:00,beginner,1,stopped,no,12.0,0.0,1,2.0,0,yes\n"
)
ROW_2040_IN_UTC = (
    "5,Ben,2040-07-01,12:00:00,12:05:00,+00:00,beginner,1,interrupted,no,0.0,0.0,0,0.0,0,yes\n"
)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "sessions.db"
    SessionStore.open(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO profiles (id, name, created_at) VALUES (?, ?, ?)",
            [(1, "=Anna;-x", SPRING), (2, "Ben", SPRING), (3, "Cléo", SPRING)],
        )
    add_sessions(path, SESSIONS)
    with conn:
        starts = {s[0]: s[4] for s in SESSIONS}
        conn.executemany(
            "INSERT INTO events (session_id, t, kind) VALUES (?, ?, ?)",
            [(sid, starts[sid] + offset, kind) for sid, offset, kind in MARKS],
        )
    conn.close()
    return path


def add_sessions(path: Path, sessions: list[tuple]) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            """INSERT INTO sessions (id, profile_id, routine, level, started_at, ended_at,
               ended_how, seconds_walking, seconds_paused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            sessions,
        )


@pytest.fixture
def berlin() -> Iterator[None]:
    """The system's local time is Berlin's for the test (as on a kiosk set up there)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def sessions_csv(path: Path, **options: object) -> str:
    out = io.StringIO(newline="")
    conn = sqlite3.connect(path)
    try:
        export(conn, out, **options)  # type: ignore[arg-type]
    finally:
        conn.close()
    return out.getvalue()


def test_sessions_csv_in_local_time_is_unchanged_byte_for_byte(log, berlin):
    assert sessions_csv(log) == IN_BERLIN


def test_sessions_csv_in_a_given_zone_is_unchanged_byte_for_byte(log):
    assert sessions_csv(log, tz=ZoneInfo("Europe/Berlin")) == IN_BERLIN
    assert sessions_csv(log, tz=UTC) == IN_UTC


def test_filtered_sessions_csv_keeps_the_same_rows(log, berlin):
    rows = IN_BERLIN.splitlines(keepends=True)
    assert sessions_csv(log, profile_id=1) == HEADER + rows[1] + rows[4]
    assert sessions_csv(log, since_ms=ms(2026, 8, 1)) == HEADER + "".join(rows[3:])


def test_a_session_dated_after_2037_is_exported_in_its_own_local_time(log, berlin):
    add_sessions(log, [AFTER_2037])
    assert sessions_csv(log) == IN_BERLIN + ROW_2040_IN_BERLIN
    assert sessions_csv(log, tz=UTC) == IN_UTC + ROW_2040_IN_UTC
