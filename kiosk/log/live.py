"""What is happening at the kiosk now, read from its session log alone.

The kiosk writes no separate status file: everything a caregiver elsewhere can know is in the
log it keeps anyway. A session that is open is a walk going on; its newest safety events say
whether the walker is out of reach, the sensor is failing, the walk is paused or help was
called. Distance samples arrive at least once a second while a walk runs, so an open session
with nothing written for STALE_AFTER_MS is one the kiosk left open (it stopped, or lost power)
and will close as interrupted when it starts again, not a walk in progress.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from kiosk.log import queries as q
from kiosk.vocabulary import EventKind, sql_list

STALE_AFTER_MS = 60_000

_STATE_KINDS = (
    EventKind.ALARM_ON,
    EventKind.ALARM_OFF,
    EventKind.FAULT_ON,
    EventKind.FAULT_OFF,
    EventKind.PAUSE,
    EventKind.RESUME,
    EventKind.HELP_REQUESTED,
    EventKind.ESCALATED,
    EventKind.ACKNOWLEDGED,
)
# For each question, the kinds that answer yes and no; the newest of them decides.
_PAIRS = {
    "out_of_reach": ({EventKind.ALARM_ON}, {EventKind.ALARM_OFF}),
    "sensor_problem": ({EventKind.FAULT_ON}, {EventKind.FAULT_OFF}),
    "paused": ({EventKind.PAUSE}, {EventKind.RESUME}),
    "help_called": ({EventKind.HELP_REQUESTED, EventKind.ESCALATED}, {EventKind.ACKNOWLEDGED}),
}


@dataclass(frozen=True)
class OpenWalk:
    session_id: int
    walker: str
    started_at: int
    last_written_at: int
    stale: bool  # nothing written for a minute: the kiosk left it open
    out_of_reach: bool
    sensor_problem: bool
    paused: bool
    help_called: bool


@dataclass(frozen=True)
class WalkerDay:
    """A walker's minutes today and this week against the goal. Minutes count once a session
    has ended (the kiosk writes them at its end)."""

    profile: q.Profile
    sessions_today: int
    minutes_today: float
    week: q.WeekSummary


def open_walk(conn: sqlite3.Connection, now_ms: int) -> OpenWalk | None:
    """The newest open session with its state, or None when nobody walks."""
    row = conn.execute(
        """SELECT s.id, p.name, s.started_at FROM sessions s
           JOIN profiles p ON p.id = s.profile_id
           WHERE s.id IN (SELECT id FROM sessions WHERE ended_at IS NULL)
           ORDER BY s.started_at DESC LIMIT 1"""
    ).fetchone()
    if row is None:
        return None
    session_id, walker, started_at = row
    last = conn.execute(
        """SELECT max(coalesce((SELECT max(t) FROM events WHERE session_id = ?), 0),
                      coalesce((SELECT max(t) FROM samples WHERE session_id = ?), 0))""",
        (session_id, session_id),
    ).fetchone()[0]
    last = max(last or 0, started_at)
    kinds = [
        k
        for (k,) in conn.execute(
            f"""SELECT kind FROM events WHERE session_id = ? AND kind IN {sql_list(_STATE_KINDS)}
                ORDER BY t DESC, id DESC""",
            (session_id,),
        )
    ]
    answers = {name: _newest_says_yes(kinds, yes, no) for name, (yes, no) in _PAIRS.items()}
    return OpenWalk(session_id, walker, started_at, last, now_ms - last > STALE_AFTER_MS, **answers)


def _newest_says_yes(kinds_newest_first: list[str], yes: set, no: set) -> bool:
    for kind in kinds_newest_first:
        if kind in yes:
            return True
        if kind in no:
            return False
    return False


def walkers_today(
    conn: sqlite3.Connection, today: date, tz: tzinfo | None = None
) -> list[WalkerDay]:
    """Every walker's sessions and minutes today, and this week's summary, by name."""
    start = q.day_start_ms(today, tz)
    end = q.day_start_ms(today + timedelta(days=1), tz)
    tally = {
        pid: (count, seconds / 60)
        for pid, count, seconds in conn.execute(
            """SELECT profile_id, count(*), total(seconds_walking) FROM sessions
               WHERE started_at >= ? AND started_at < ? GROUP BY profile_id""",
            (start, end),
        )
    }
    days = []
    for profile in q.profiles(conn):
        summary = q.weekly_summary(conn, profile.id, weeks=1, today=today, tz=tz)
        if summary is None or not summary.weeks:
            continue
        count, minutes = tally.get(profile.id, (0, 0.0))
        days.append(WalkerDay(profile, count, minutes, summary.weeks[-1]))
    return days


def last_session(conn: sqlite3.Connection) -> q.SessionSummary | None:
    page = q.list_sessions(conn, page_size=1)
    return page.sessions[0] if page.sessions else None
