"""The figures a clinician's report holds, read from the session log for one walker and period.

Everything is gathered here, quickly and in one go, so that the log is held only while it is
read and never while the pages are drawn. The weekly minutes come from the same query as the
caregiver's weekly page, the per-session counts from the same summaries as `logs list`, and the
build-up suggestion from the same rule as the kiosk's, applied to the sessions up to the
period's end, so a report of a past period says what its own data said.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from kiosk.log import queries as q
from kiosk.vocabulary import Ending, EventKind
from kiosk.walk.progression import Suggestion, suggest_next_level

SESSIONS_FOR_THE_RULE = 3  # the kiosk's own default (progression.suggest_for)


@dataclass(frozen=True)
class WeekFigures:
    """One ISO week of the period: the weekly summary plus the reminders and faults."""

    summary: q.WeekSummary
    partial: bool  # some of its days lie outside the period
    reminders: int = 0
    seconds_out_of_reach: float = 0.0
    longest_out_of_reach_s: float = 0.0
    faults: int = 0


@dataclass(frozen=True)
class Calls:
    requested: int  # the walker pressed "Call for help"
    called: int  # a call went out (button, out of reach too long, sensor problem)
    answered: int  # a caregiver answered


@dataclass(frozen=True)
class ReportFigures:
    profile: q.Profile
    first: date
    last: date
    made_at: datetime
    weeks: list[WeekFigures]
    sessions: int
    completed: int
    minutes_walked: float
    reminders: int
    seconds_out_of_reach: float
    longest_out_of_reach_s: float
    longest_on: date | None  # the day of the longest time out of reach
    faults: int  # sensor faults during sessions
    ended_by_fault: int  # sessions that ended because of one
    calls: Calls
    routines: list[str]  # "beginner, level 1" in the order first walked in the period
    suggestion: Suggestion

    @property
    def weekly_goal_minutes(self) -> int:
        return self.profile.goal_minutes * self.profile.goal_days

    @property
    def weeks_at_goal(self) -> int:
        return sum(1 for w in self.weeks if w.summary.goal_met)


def gather(
    conn: sqlite3.Connection,
    profile: q.Profile,
    first: date,
    last: date,
    *,
    tz: tzinfo | None = None,
    now_ms: int | None = None,
) -> ReportFigures:
    """The figures of ``profile``'s sessions started from ``first`` to ``last`` (local days,
    both included)."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    since_ms = q.day_start_ms(first, tz)
    until_ms = q.day_start_ms(last + timedelta(days=1), tz)
    sessions = list(
        q.iter_sessions(conn, profile_id=profile.id, since_ms=since_ms, until_ms=until_ms)
    )
    weekly = q.weekly_between(conn, profile.id, first, last, tz)
    weeks = _weeks(weekly.weeks if weekly else [], sessions, first, last, tz)
    longest = max(sessions, key=lambda s: s.longest_out_of_reach_s, default=None)
    return ReportFigures(
        profile=profile,
        first=first,
        last=last,
        made_at=q.local_time(now_ms, tz),
        weeks=weeks,
        sessions=len(sessions),
        completed=sum(1 for s in sessions if s.completed),
        minutes_walked=sum(s.minutes_walked for s in sessions),
        reminders=sum(s.reminders for s in sessions),
        seconds_out_of_reach=sum(s.seconds_out_of_reach for s in sessions),
        longest_out_of_reach_s=longest.longest_out_of_reach_s if longest else 0.0,
        longest_on=_day(longest, tz) if longest and longest.reminders else None,
        faults=sum(s.faults for s in sessions),
        ended_by_fault=sum(1 for s in sessions if s.ended_how == Ending.FAULT),
        calls=_calls(conn, profile.id, since_ms, until_ms),
        routines=_routines(sessions),
        suggestion=_suggestion(conn, profile.id, min(now_ms, until_ms - 1), tz),
    )


def _weeks(
    summaries: list[q.WeekSummary],
    sessions: list[q.SessionSummary],
    first: date,
    last: date,
    tz: tzinfo | None,
) -> list[WeekFigures]:
    """Each week's summary with the reminders and faults of the sessions started in it."""
    tallies: dict[date, list[float]] = {}
    for s in sessions:
        day = _day(s, tz)
        tally = tallies.setdefault(day - timedelta(days=day.weekday()), [0, 0.0, 0.0, 0])
        tally[0] += s.reminders
        tally[1] += s.seconds_out_of_reach
        tally[2] = max(tally[2], s.longest_out_of_reach_s)
        tally[3] += s.faults
    weeks = []
    for week in summaries:
        partial = week.monday < first or week.monday + timedelta(days=6) > last
        reminders, out, longest, faults = tallies.get(week.monday, (0, 0.0, 0.0, 0))
        weeks.append(WeekFigures(week, partial, int(reminders), out, longest, int(faults)))
    return weeks


def _day(session: q.SessionSummary, tz: tzinfo | None) -> date:
    return q.local_time(session.started_at, tz).date()


def _calls(conn: sqlite3.Connection, profile_id: int, since_ms: int, until_ms: int) -> Calls:
    kinds = (EventKind.HELP_REQUESTED, EventKind.ESCALATED, EventKind.ACKNOWLEDGED)
    counts = q.count_events(
        conn, kinds, profile_id=profile_id, since_ms=since_ms, until_ms=until_ms
    )
    return Calls(*(counts[str(k)] for k in kinds))


def _routines(sessions: list[q.SessionSummary]) -> list[str]:
    seen: dict[str, None] = {}
    for s in sorted(sessions, key=lambda s: s.started_at):
        seen.setdefault(f"{s.routine}, level {s.level}", None)
    return list(seen)


def _suggestion(
    conn: sqlite3.Connection, profile_id: int, as_of_ms: int, tz: tzinfo | None
) -> Suggestion:
    """The kiosk's build-up rule on the newest sessions before ``as_of_ms``."""
    recent = q.list_sessions(
        conn,
        profile_id=profile_id,
        until_ms=as_of_ms + 1,
        page_size=SESSIONS_FOR_THE_RULE + 2,
    ).sessions
    return suggest_next_level(recent, needed=SESSIONS_FOR_THE_RULE, now_ms=as_of_ms, tz=tz)


def months_in(first: date, last: date) -> int:
    """How many calendar months the period touches: the report's page limit."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
