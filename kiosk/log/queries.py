"""What a caregiver asks of the session log, as plain data for the screens, the CLI and exports.

Every function takes an open ``sqlite3.Connection`` and only reads. Figures derived from events
(reminders, time out of reach) are computed from the events each time, so they cannot drift
from what was recorded.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from kiosk.log.schema import SETTINGS_VERSION, SUMMARY_KINDS_SQL
from kiosk.vocabulary import SUMMARY_EVENTS, Ending, EventKind

DEFAULT_PAGE_SIZE = 20

# The words as plain strings for the loops that run once per session or event: looking up an
# enum member there costs several times a constant's load, and exports run them 100 000 times.
_COMPLETED = Ending.COMPLETED.value
_ALARM_ON = EventKind.ALARM_ON.value
_ALARM_OFF = EventKind.ALARM_OFF.value
_FAULT_ON = EventKind.FAULT_ON.value
_CLOCK_UNSET = EventKind.CLOCK_UNSET.value
_CLOCK_CORRECTED = EventKind.CLOCK_CORRECTED.value


def local_time(ms: int, tz: tzinfo | None = None) -> datetime:
    """An epoch-ms time as an aware datetime in ``tz`` (default: the system's local zone)."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz)


def _local_date(ms: int, tz: tzinfo | None) -> date:
    if tz is None:
        return date.fromtimestamp(ms / 1000)  # local; several times faster than astimezone
    return datetime.fromtimestamp(ms / 1000, tz).date()


def day_start_ms(day: date, tz: tzinfo | None = None) -> int:
    """Epoch ms of local midnight at the start of ``day``."""
    if tz is None:
        return int(datetime.combine(day, time()).timestamp() * 1000)
    return int(datetime.combine(day, time(), tzinfo=tz).timestamp() * 1000)


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    goal_minutes: int
    goal_days: int
    created_at: int


@dataclass(frozen=True)
class SessionSettings:
    """The safety settings in force when a session started: its chart is drawn against its own
    reach line, and a clinician can read what the alarm was set to."""

    reach_mm: int
    margin_mm: int
    alarm_delay_readings: int
    sensor_period_ms: int

    def as_row(self) -> tuple[int, int, int, int]:
        return (self.reach_mm, self.margin_mm, self.alarm_delay_readings, self.sensor_period_ms)

    def describe(self) -> str:
        return (
            f"reach {self.reach_mm} mm, margin {self.margin_mm} mm, alarm after "
            f"{self.alarm_delay_readings} readings in a row, a reading every "
            f"{self.sensor_period_ms} ms"
        )


def _settings_of(values: Sequence) -> SessionSettings | None:
    """Settings from their four columns; None for a session recorded before they were."""
    if any(v is None for v in values):
        return None
    return SessionSettings(*(int(v) for v in values))


@dataclass(frozen=True)
class SessionSummary:
    """One line of the session list; times are epoch ms (UTC)."""

    id: int
    profile_id: int
    profile_name: str
    routine: str
    level: int
    started_at: int
    ended_at: int | None
    ended_how: str | None  # None while the session is open
    seconds_walking: float
    seconds_paused: float
    reminders: int  # alarm_on events
    longest_out_of_reach_s: float
    faults: int  # fault_on events
    # The settings in force at its start; None when not recorded (or not asked for).
    settings: SessionSettings | None = None
    # False when the session began before the wall clock was set and was never corrected.
    time_confirmed: bool = True
    seconds_out_of_reach: float = 0.0  # all alarm spans together

    @property
    def completed(self) -> bool:
        return self.ended_how == _COMPLETED

    @property
    def minutes_walked(self) -> float:
        return self.seconds_walking / 60


@dataclass(frozen=True)
class Event:
    id: int
    session_id: int
    t: int
    kind: str
    detail: str
    distance_mm: int | None


@dataclass(frozen=True)
class Sample:
    t: int
    distance_mm: int | None


@dataclass(frozen=True)
class SessionDetail:
    session: SessionSummary
    events: list[Event]
    samples: list[Sample]
    alarm_spans: list[tuple[int, int]]  # (alarm_on t, alarm_off t or session end), epoch ms


@dataclass(frozen=True)
class SessionPage:
    sessions: list[SessionSummary]
    page: int
    page_size: int
    has_more: bool


@dataclass(frozen=True)
class WeekSummary:
    year: int  # ISO year
    week: int  # ISO week
    monday: date
    sessions: int
    minutes_walked: float
    days_walked: int
    days_at_goal: int  # days with at least the goal's minutes walked in total
    goal_met: bool  # days_at_goal >= the goal's days


@dataclass(frozen=True)
class WeeklySummary:
    profile: Profile
    weeks: list[WeekSummary]  # oldest first, weeks without sessions included


def alarm_spans(marks: Iterable[tuple[int, str]], end_ms: int | None) -> list[tuple[int, int]]:
    """Pair alarm_on with the next alarm_off; an alarm still on runs to ``end_ms``.

    ``marks`` are (t, kind) in time order; other kinds are ignored.
    """
    spans: list[tuple[int, int]] = []
    on: int | None = None
    last = None
    for t, kind in marks:
        last = t
        if kind == _ALARM_ON and on is None:
            on = t
        elif kind == _ALARM_OFF and on is not None:
            spans.append((on, t))
            on = None
    if on is not None:
        end = end_ms if end_ms is not None else last
        spans.append((on, max(on, end if end is not None else on)))
    return spans


_SESSION_COLUMNS = """s.id, s.profile_id, p.name, s.routine, s.level, s.started_at, s.ended_at,
    s.ended_how, s.seconds_walking, s.seconds_paused"""
_SETTINGS_COLUMNS = "s.reach_mm, s.margin_mm, s.alarm_delay_readings, s.sensor_period_ms"
_SUMMARY_WIDTH = 10  # the columns of _SESSION_COLUMNS; the settings, when asked for, follow


def _session_columns(conn: sqlite3.Connection, with_settings: bool) -> str:
    """The session columns to select, with the settings when asked and the file has them."""
    if with_settings and has_settings(conn):
        return f"{_SESSION_COLUMNS}, {_SETTINGS_COLUMNS}"
    return _SESSION_COLUMNS


def has_settings(conn: sqlite3.Connection) -> bool:
    """Whether this file records each session's settings (schema v4 on)."""
    return conn.execute("PRAGMA user_version").fetchone()[0] >= SETTINGS_VERSION


def _summary(row: Sequence, marks: list[tuple[int, str]]) -> SessionSummary:
    settings = _settings_of(row[_SUMMARY_WIDTH:]) if len(row) > _SUMMARY_WIDTH else None
    row = row[:_SUMMARY_WIDTH]
    if not marks:  # most sessions: skip the pairing
        return SessionSummary(
            *row, reminders=0, longest_out_of_reach_s=0.0, faults=0, settings=settings
        )
    spans = alarm_spans(marks, row[6])
    lengths = [b - a for a, b in spans]
    return SessionSummary(
        *row,
        reminders=sum(1 for _, k in marks if k == _ALARM_ON),
        longest_out_of_reach_s=max(lengths, default=0) / 1000,
        faults=sum(1 for _, k in marks if k == _FAULT_ON),
        settings=settings,
        seconds_out_of_reach=sum(lengths) / 1000,
    )


def session_filters(
    profile_id: int | None, since_ms: int | None, until_ms: int | None = None
) -> tuple[str, list]:
    clauses, params = [], []
    if profile_id is not None:
        clauses.append("profile_id = ?")
        params.append(profile_id)
    if since_ms is not None:
        clauses.append("started_at >= ?")
        params.append(since_ms)
    if until_ms is not None:
        clauses.append("started_at < ?")
        params.append(until_ms)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_sessions(
    conn: sqlite3.Connection,
    *,
    profile_id: int | None = None,
    since_ms: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    until_ms: int | None = None,
) -> SessionPage:
    """A page of sessions, newest first (page 1 is the newest); ``until_ms`` excludes
    sessions started at or after it."""
    page = max(1, page)
    where, params = session_filters(profile_id, since_ms, until_ms)
    # The inner query walks only an index to find the page; the outer one reads those rows.
    rows = conn.execute(
        f"""SELECT {_SESSION_COLUMNS} FROM sessions s JOIN profiles p ON p.id = s.profile_id
            WHERE s.id IN (SELECT id FROM sessions{where}
                           ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?)
            ORDER BY s.started_at DESC, s.id DESC""",
        [*params, page_size + 1, (page - 1) * page_size],
    ).fetchall()
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    marks = _marks_for(conn, [r[0] for r in rows])
    unconfirmed = unconfirmed_times(conn, [r[0] for r in rows])
    sessions = [
        replace(_summary(r, marks.get(r[0], [])), time_confirmed=r[0] not in unconfirmed)
        for r in rows
    ]
    return SessionPage(sessions, page, page_size, has_more)


def unconfirmed_times(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    """Of these sessions, those logged before the clock was set and never corrected."""
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return _unconfirmed(conn, f"AND session_id IN ({marks})", ids)


def unconfirmed_sessions(
    conn: sqlite3.Connection,
    profile_id: int | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> set[int]:
    """The same for every session the filters choose (the exports). One pass over the events:
    no index covers these two rare kinds (about 0.07 s for a million events on a PC)."""
    where, params = session_filters(profile_id, since_ms, until_ms)
    chosen = f"AND session_id IN (SELECT id FROM sessions{where})" if where else ""
    return _unconfirmed(conn, chosen, params)


def _unconfirmed(conn: sqlite3.Connection, chosen: str, params: Sequence) -> set[int]:
    rows = conn.execute(
        f"""SELECT session_id, kind FROM events
            WHERE kind IN ('{_CLOCK_UNSET}', '{_CLOCK_CORRECTED}') {chosen}""",
        params,
    )
    unset, corrected = set(), set()
    for sid, kind in rows:
        (unset if kind == _CLOCK_UNSET else corrected).add(sid)
    return unset - corrected


def _marks_for(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for sid, t, kind in conn.execute(
        f"""SELECT session_id, t, kind FROM events
            WHERE session_id IN ({marks}) AND {SUMMARY_KINDS_SQL} ORDER BY session_id, t, id""",
        ids,
    ):
        out.setdefault(sid, []).append((t, kind))
    return out


def iter_sessions(
    conn: sqlite3.Connection,
    *,
    profile_id: int | None = None,
    since_ms: int | None = None,
    with_settings: bool = False,
    until_ms: int | None = None,
) -> Iterator[SessionSummary]:
    """Every matching session, oldest id first, streamed (for exports of any size)."""
    where, params = session_filters(profile_id, since_ms, until_ms)
    columns = _session_columns(conn, with_settings)
    sessions = conn.execute(
        f"""SELECT {columns} FROM sessions s JOIN profiles p ON p.id = s.profile_id
            WHERE s.id IN (SELECT id FROM sessions{where}) ORDER BY s.id"""
        if where
        else f"SELECT {columns} FROM sessions s JOIN profiles p ON p.id = s.profile_id "
        "ORDER BY s.id",
        params,
    )
    marks_sql = f"SELECT session_id, t, kind FROM events WHERE {SUMMARY_KINDS_SQL}"
    if where:
        marks_sql += f" AND session_id IN (SELECT id FROM sessions{where})"
    marks = conn.execute(marks_sql + " ORDER BY session_id, t, id", params)
    unconfirmed = unconfirmed_sessions(conn, profile_id, since_ms, until_ms)
    for row, session_marks in _merge(sessions, marks):
        summary = _summary(row, [(m[1], m[2]) for m in session_marks] if session_marks else [])
        yield replace(summary, time_confirmed=False) if row[0] in unconfirmed else summary


def iter_events(
    conn: sqlite3.Connection,
    *,
    profile_id: int | None = None,
    since_ms: int | None = None,
    with_settings: bool = False,
) -> Iterator[tuple[SessionSummary, list[Event]]]:
    """Every matching session with its events, oldest id first, streamed."""
    where, params = session_filters(profile_id, since_ms)
    sql = "SELECT id, session_id, t, kind, detail, distance_mm FROM events"
    if where:
        sql += f" WHERE session_id IN (SELECT id FROM sessions{where})"
    events = conn.execute(sql + " ORDER BY session_id, t, id", params)
    summaries = iter_sessions(
        conn, profile_id=profile_id, since_ms=since_ms, with_settings=with_settings
    )
    keyed = ((s.id, s) for s in summaries)
    for (_, summary), rows in _merge(keyed, events, key_index=1):
        yield summary, [Event(*r) for r in rows]


def _merge(
    parents: Iterable[Sequence], children: Iterable[Sequence], key_index: int = 0
) -> Iterator[tuple[Sequence, list[Sequence]]]:
    """Pair each parent (ordered by its first column) with its children (ordered by the key)."""
    it = iter(children)
    child = next(it, None)
    for parent in parents:
        pid = parent[0]
        while child is not None and child[key_index] < pid:
            child = next(it, None)
        mine = []
        while child is not None and child[key_index] == pid:
            mine.append(child)
            child = next(it, None)
        yield parent, mine


def count_events(
    conn: sqlite3.Connection,
    kinds: Iterable[str],
    *,
    profile_id: int | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> dict[str, int]:
    """How many events of each of ``kinds`` the matching sessions hold (0 for none)."""
    wanted = [str(k) for k in kinds]
    counts = dict.fromkeys(wanted, 0)
    where, params = session_filters(profile_id, since_ms, until_ms)
    marks = ",".join("?" * len(wanted))
    sql = f"SELECT kind, count(*) FROM events WHERE kind IN ({marks})"
    if where:
        sql += f" AND session_id IN (SELECT id FROM sessions{where})"
    for kind, count in conn.execute(sql + " GROUP BY kind", [*wanted, *params]):
        counts[kind] = count
    return counts


def session_detail(conn: sqlite3.Connection, session_id: int) -> SessionDetail | None:
    """One session with its events, its distance samples and its alarm spans."""
    row = conn.execute(
        f"""SELECT {_session_columns(conn, True)} FROM sessions s
            JOIN profiles p ON p.id = s.profile_id WHERE s.id = ?""",
        (session_id,),
    ).fetchone()
    if row is None:
        return None
    events = [
        Event(*r)
        for r in conn.execute(
            """SELECT id, session_id, t, kind, detail, distance_mm FROM events
               WHERE session_id = ? ORDER BY t, id""",
            (session_id,),
        )
    ]
    samples = [
        Sample(*r)
        for r in conn.execute(
            "SELECT t, distance_mm FROM samples WHERE session_id = ? ORDER BY t", (session_id,)
        )
    ]
    marks = [(e.t, e.kind) for e in events if e.kind in SUMMARY_EVENTS]
    end = row[6]
    if end is None:
        times = [e.t for e in events] + [s.t for s in samples]
        end = max(times, default=row[5])
    kinds = {e.kind for e in events}
    confirmed = _CLOCK_UNSET not in kinds or _CLOCK_CORRECTED in kinds
    summary = replace(_summary(row, marks), time_confirmed=confirmed)
    return SessionDetail(summary, events, samples, alarm_spans(marks, end))


def profiles(conn: sqlite3.Connection) -> list[Profile]:
    rows = conn.execute(
        "SELECT id, name, goal_minutes, goal_days, created_at FROM profiles ORDER BY name"
    )
    return [Profile(*r) for r in rows]


def profile_by_id(conn: sqlite3.Connection, profile_id: int) -> Profile | None:
    row = conn.execute(
        "SELECT id, name, goal_minutes, goal_days, created_at FROM profiles WHERE id = ?",
        (int(profile_id),),
    ).fetchone()
    return Profile(*row) if row else None


def name_key(name: str) -> str:
    """How two spellings of one name compare: é typed either way, any case, no outer spaces."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def find_profile(conn: sqlite3.Connection, name_or_id: str) -> Profile | None:
    """A walker as a person names one: by name first (a walker may be called "1"), then by ID."""
    wanted = name_key(str(name_or_id))
    for profile in profiles(conn):
        if name_key(profile.name) == wanted:
            return profile
    text = str(name_or_id).strip()
    return profile_by_id(conn, int(text)) if text.isdigit() else None


def weekly_summary(
    conn: sqlite3.Connection,
    profile_id: int,
    *,
    weeks: int | None = 12,
    today: date | None = None,
    tz: tzinfo | None = None,
) -> WeeklySummary | None:
    """Minutes and days walked per ISO week (local time) against the profile's goal.

    ``weeks`` counts back from the current week; None means since the profile's first session.
    A session's minutes count on the day it started.
    """
    profile = profile_by_id(conn, profile_id)
    if profile is None:
        return None
    today = today or datetime.now(tz).date()
    this_monday = _monday_of(today)
    first_monday = this_monday - timedelta(weeks=max(1, weeks or 1) - 1)
    since_ms = day_start_ms(first_monday, tz) if weeks is not None else None
    per_day = _tally_days(conn, profile_id, since_ms, tz)
    if weeks is None and per_day:
        first_monday = _monday_of(min(min(per_day), this_monday))
    result = []
    monday = first_monday
    while monday <= this_monday:
        result.append(_week(profile, monday, per_day))
        monday += timedelta(weeks=1)
    return WeeklySummary(profile, result)


def weekly_between(
    conn: sqlite3.Connection,
    profile_id: int,
    first: date,
    last: date,
    tz: tzinfo | None = None,
) -> WeeklySummary | None:
    """Like ``weekly_summary``, for the ISO weeks from ``first``'s to ``last``'s (local days,
    both included), counting only the sessions started within those days: a report's period."""
    profile = profile_by_id(conn, profile_id)
    if profile is None:
        return None
    until_ms = day_start_ms(last + timedelta(days=1), tz)
    per_day = _tally_days(conn, profile_id, day_start_ms(first, tz), tz, until_ms)
    weeks = []
    monday = _monday_of(first)
    while monday <= last:
        weeks.append(_week(profile, monday, per_day))
        monday += timedelta(weeks=1)
    return WeeklySummary(profile, weeks)


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _tally_days(
    conn: sqlite3.Connection,
    profile_id: int,
    since_ms: int | None,
    tz: tzinfo | None,
    until_ms: int | None = None,
) -> dict[date, list[float]]:
    """[sessions, minutes walked] per local day a session of the profile started on."""
    where, params = session_filters(profile_id, since_ms, until_ms)
    per_day: dict[date, list[float]] = {}
    for started_at, seconds in conn.execute(
        f"SELECT started_at, seconds_walking FROM sessions{where}", params
    ):
        day = _local_date(started_at, tz)
        tally = per_day.setdefault(day, [0, 0.0])
        tally[0] += 1
        tally[1] += seconds / 60
    return per_day


def _week(profile: Profile, monday: date, per_day: dict[date, list[float]]) -> WeekSummary:
    """One week's sessions, minutes and days from the per-day tally, against the goal."""
    days = [per_day.get(monday + timedelta(days=i)) for i in range(7)]
    walked = [d for d in days if d and d[1] > 0]
    at_goal = sum(1 for d in walked if d[1] >= profile.goal_minutes)
    iso = monday.isocalendar()
    return WeekSummary(
        year=iso.year,
        week=iso.week,
        monday=monday,
        sessions=sum(d[0] for d in days if d),
        minutes_walked=sum((d[1] for d in walked), 0.0),
        days_walked=len(walked),
        days_at_goal=at_goal,
        goal_met=at_goal >= profile.goal_days,
    )
