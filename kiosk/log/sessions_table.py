"""The rows of the sessions CSV, made fast enough to stream 100,000 sessions in well under a
second (the dashboard's target is 1.5 s for the whole download).

Building a SessionSummary and formatting it field by field costs about 20 µs a session, most of
an export's time. Here SQLite formats what it formats exactly as Python would: local dates and
times through the same C library call as time.localtime, the UTC offset, the result words. Python
keeps the rest: rounding (SQLite's round() takes 10.25 up to 10.3 where Python's round() gives
10.2), the spreadsheet-safe text (a few distinct names and routines, each worked out once), and
the reminder figures, counted from a second cursor over the events_summary index with the same
pairing rule as queries.alarm_spans. tests/integration/test_sessions_csv_bytes.py pins the bytes.

Outside 1970-2037 SQLite maps a date to a similar year before asking the C library for its
local time; a log holding such a date, or a zone other than local time or UTC, is left to the
slower, exact path (row_chunks returns None).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, tzinfo

from kiosk.log.cells import Offsets, SafeTexts
from kiosk.log.queries import session_filters, unconfirmed_sessions
from kiosk.log.schema import SUMMARY_KINDS_SQL
from kiosk.vocabulary import Ending, EventKind

CHUNK = 2_000  # rows fetched and written at a time
# Epoch ms SQLite hands to localtime_r as they are: 1970-01-01 up to 2038-01-01 (UTC).
_FIRST_MS, _LAST_MS = 0, 2_145_916_800_000
_ALARM_ON = EventKind.ALARM_ON.value
_ALARM_OFF = EventKind.ALARM_OFF.value
_FAULT_ON = EventKind.FAULT_ON.value

# Marks of each session: (session id, reminders, longest closed span in ms, start of a span
# still open at the last mark or None, the last mark's time, sensor faults).
Figures = tuple[int, int, int, int | None, int, int]


def row_chunks(
    conn: sqlite3.Connection, profile_id: int | None, since_ms: int | None, tz: tzinfo | None
) -> Iterator[list[tuple]] | None:
    """Lists of rows in SESSION_COLUMNS order, oldest session first; None when this log or
    this zone needs the exact path (see the module's note)."""
    if tz is None:
        zone = ", 'localtime'"
    elif tz is UTC:
        zone = ""
    else:
        return None
    if not _times_in_range(conn):
        return None
    where, params = session_filters(profile_id, since_ms)
    chosen = f"IN (SELECT id FROM sessions{where})" if where else ""
    sessions = conn.execute(_sessions_sql(zone, f" WHERE s.id {chosen}" if where else ""), params)
    marks = conn.execute(
        f"""SELECT session_id, t, kind FROM events WHERE {SUMMARY_KINDS_SQL}
            {f"AND session_id {chosen}" if where else ""} ORDER BY session_id, t, id""",
        params,
    )
    unconfirmed = unconfirmed_sessions(conn, profile_id, since_ms)
    return _rows(sessions, alarm_figures(marks), unconfirmed)


def _times_in_range(conn: sqlite3.Connection) -> bool:
    """Whether every start and end is a whole number of ms that SQLite's localtime handles."""
    outside = conn.execute(
        """SELECT EXISTS (SELECT 1 FROM sessions
             WHERE typeof(started_at) <> 'integer' OR started_at NOT BETWEEN ? AND ?
             OR (ended_at IS NOT NULL AND (typeof(ended_at) <> 'integer'
                                           OR ended_at NOT BETWEEN ? AND ?)))""",
        (_FIRST_MS, _LAST_MS, _FIRST_MS, _LAST_MS),
    ).fetchone()[0]
    return not outside


def _sessions_sql(zone: str, chosen: str) -> str:
    """One row a session: its id and walker, the start's local "YYYY-MM-DD HH:MM:SS", the
    end's "HH:MM:SS", the start's UTC offset in seconds, the CSV's columns from routine to
    minutes_paused (minutes not yet rounded), then the end in epoch ms, which an alarm still
    sounding at the end runs to. Each date function writes text, the dearest part of the
    query, so the start's is written once (Python splits it) and the offset is worked out
    from julian day numbers."""
    completed = Ending.COMPLETED.value
    local = f"s.started_at / 1000, 'unixepoch'{zone}"
    return f"""
        SELECT s.id, p.name, datetime({local}),
            coalesce(time(s.ended_at / 1000, 'unixepoch'{zone}), ''),
            CAST(round((julianday({local}) - julianday(s.started_at / 1000, 'unixepoch'))
                       * 86400) AS INTEGER),
            s.routine, s.level, coalesce(nullif(s.ended_how, ''), 'open'),
            CASE WHEN s.ended_how = '{completed}' THEN 'yes' ELSE 'no' END,
            s.seconds_walking / 60.0, s.seconds_paused / 60.0, s.ended_at
        FROM sessions s JOIN profiles p ON p.id = s.profile_id{chosen}
        ORDER BY s.id"""


def alarm_figures(marks: Iterable[tuple[int, int, str]]) -> Iterator[Figures]:
    """Each session's figures from its marks, (session id, t, kind) ordered by session, time
    and id. An alarm_on starts a span unless one is already running; an alarm_off ends the
    running span, if any (queries.alarm_spans, without building the spans)."""
    sid: int | None = None
    reminders = longest = faults = last = 0
    on: int | None = None
    for session_id, t, kind in marks:
        if session_id != sid:
            if sid is not None:
                yield sid, reminders, longest, on, last, faults
            sid, reminders, longest, on, faults = session_id, 0, 0, None, 0
        if kind == _ALARM_ON:
            reminders += 1
            if on is None:
                on = t
        elif kind == _ALARM_OFF:
            if on is not None:
                longest = max(longest, t - on)
                on = None
        elif kind == _FAULT_ON:
            faults += 1
        last = t
    if sid is not None:
        yield sid, reminders, longest, on, last, faults


def _rows(
    sessions: sqlite3.Cursor, figures: Iterator[Figures], unconfirmed: set[int]
) -> Iterator[list[tuple]]:
    texts, offsets, marks = SafeTexts(), Offsets(), _MarksOf(figures)
    while chunk := sessions.fetchmany(CHUNK):
        rows = []
        for sid, name, start, end, off, routine, level, result, done, *minutes, ended_at in chunk:
            reminders, longest_s, faults = marks(sid, ended_at)
            rows.append(
                (sid, texts[name], start[:10], start[11:], end, offsets[off], texts[routine],
                 level, result, done, round(minutes[0], 1), round(minutes[1], 1), reminders,
                 round(longest_s, 1), faults, "no" if sid in unconfirmed else "yes")
            )  # fmt: skip
        yield rows


class _MarksOf:
    """(reminders, longest time out of reach in s, sensor faults) of each session in turn,
    from the figures of the sessions that have marks (both in id order)."""

    def __init__(self, figures: Iterator[Figures]) -> None:
        self._figures = figures
        self._next = next(figures, None)

    def __call__(self, sid: int, ended_at: int | None) -> tuple[int, float, int]:
        mark = self._next
        while mark is not None and mark[0] < sid:
            mark = self._next = next(self._figures, None)
        if mark is None or mark[0] != sid:
            return 0, 0.0, 0
        _, reminders, longest, on, last, faults = mark
        if on is not None:  # still sounding: to the session's end, or to its last mark
            end_ms = ended_at if ended_at is not None else last
            longest = max(longest, max(on, end_ms) - on)
        return reminders, longest / 1000, faults
