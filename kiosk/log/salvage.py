"""Finding damage in a session log, and rescuing what can still be read into a fresh one.

A few bad pages (a card that lost power mid-write, a failing block of flash) must not cost the
walkers their history, nor go unnoticed while the kiosk keeps writing around them. The store
checks the file with SQLite's quick_check before it writes to it, and again after a write
fails. A damaged file is set aside (renamed, never repaired in place) and a fresh log started;
then this module reads the kept file table by table, in rowid order, and copies every row it
can read into the fresh log, with its ids, so sessions keep their numbers.

Where a page cannot be read, the read starts again past it: it probes forward (1, 2, 4...
rows on, then halves back) for the first row that reads again. Only the rows on bad pages are
lost, and perhaps a few beside them. A session whose own row was lost but whose events or
samples were read comes back as a stand-in (walker unknown, ended 'interrupted', spanning its
rows); so does a walker whose row was lost, named "Walker N (recovered)".
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.log.reading import connect_readonly
from kiosk.log.schema import is_damage

logger = logging.getLogger(__name__)

COLUMNS = {
    "profiles": ("id", "name", "goal_minutes", "goal_days", "created_at"),
    "sessions": (
        "id", "profile_id", "routine", "level", "started_at", "ended_at", "ended_how",
        "seconds_walking", "seconds_paused", "reach_mm", "margin_mm", "alarm_delay_readings",
        "sensor_period_ms",
    ),
    "events": ("id", "session_id", "t", "kind", "detail", "distance_mm"),
    "samples": ("session_id", "t", "distance_mm"),
}  # fmt: skip
FIRST_ROWID = -(2**63)
LAST_ROWID = 2**63 - 1
UNKNOWN_WALKER = "Unknown walker (recovered)"
CHUNK = 1000


@dataclass
class Rescued:
    """What was copied out of a damaged log."""

    sessions: int = 0  # sessions whose own row was read
    events: int = 0
    samples: int = 0
    profiles: int = 0
    stand_ins: int = 0  # sessions and walkers rebuilt because their own row was lost
    bad_places: int = 0  # places where rows could not be read
    refused: int = 0  # rows read but refused by the fresh log's checks

    @property
    def anything(self) -> bool:
        return bool(self.sessions or self.events or self.samples or self.profiles)


@dataclass
class _Copy:
    """The fresh log being filled, and what it holds so far."""

    conn: sqlite3.Connection
    result: Rescued = field(default_factory=Rescued)
    profiles: set[int] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)
    spans: dict[int, list[int]] = field(default_factory=dict)  # stand-in session: [first, last]
    unknown_walker: int | None = None


def salvage(damaged: Path, fresh: sqlite3.Connection) -> Rescued:
    """Copy every readable row of the log at ``damaged`` (only read) into ``fresh``, a new,
    empty log on a connection in autocommit mode, in one transaction."""
    source = connect_readonly(damaged)
    copy = _Copy(fresh)
    try:
        fresh.execute("BEGIN IMMEDIATE")
        for table in COLUMNS:
            _copy_table(source, copy, table)
        _close_stand_ins(copy)
        fresh.execute("COMMIT")
    except BaseException:
        if fresh.in_transaction:
            fresh.execute("ROLLBACK")
        raise
    finally:
        source.close()
    logger.warning("rescued from %s: %s", damaged, copy.result)
    return copy.result


def _copy_table(source: sqlite3.Connection, copy: _Copy, table: str) -> None:
    try:
        present = {r[1] for r in source.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        present = set()
    columns = tuple(c for c in COLUMNS[table] if c in present)
    if not columns:
        return  # a table older files do not have (samples before v2), or unreadable
    insert = (
        f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    chunk: list[tuple] = []
    for row in readable_rows(source, table, columns, copy.result):
        chunk.append(_fit(copy, table, dict(zip(columns, row, strict=True)), row))
        if len(chunk) >= CHUNK:
            _insert(copy, insert, chunk)
            chunk = []
    _insert(copy, insert, chunk)


def _fit(copy: _Copy, table: str, values: dict, row: tuple) -> tuple:
    """Note what ``row`` is, and make sure what it refers to is in the fresh log."""
    if table == "profiles":
        copy.profiles.add(values["id"])
        copy.result.profiles += 1
    elif table == "sessions":
        copy.sessions.add(values["id"])
        copy.result.sessions += 1
        _walker_for(copy, values["profile_id"], values["started_at"])
    else:
        _session_for(copy, values["session_id"], values["t"])
        setattr(copy.result, table, getattr(copy.result, table) + 1)
    return row


def _walker_for(copy: _Copy, profile_id: int, when: int) -> None:
    if profile_id in copy.profiles:
        return
    copy.conn.execute(
        "INSERT INTO profiles (id, name, created_at) VALUES (?, ?, ?)",
        (profile_id, f"Walker {profile_id} (recovered)", when),
    )
    copy.profiles.add(profile_id)
    copy.result.stand_ins += 1


def _session_for(copy: _Copy, session_id: int, t: int) -> None:
    if session_id in copy.sessions:
        span = copy.spans.get(session_id)
        if span is not None:
            span[0], span[1] = min(span[0], t), max(span[1], t)
        return
    if copy.unknown_walker is None:
        cur = copy.conn.execute(
            "INSERT INTO profiles (name, created_at) VALUES (?, ?)", (UNKNOWN_WALKER, t)
        )
        copy.unknown_walker = int(cur.lastrowid or 0)
        copy.profiles.add(copy.unknown_walker)
    copy.conn.execute(
        """INSERT INTO sessions (id, profile_id, routine, level, started_at)
           VALUES (?, ?, 'unknown (recovered)', 1, ?)""",
        (session_id, copy.unknown_walker, t),
    )
    copy.sessions.add(session_id)
    copy.spans[session_id] = [t, t]
    copy.result.stand_ins += 1


def _close_stand_ins(copy: _Copy) -> None:
    for session_id, (first, last) in copy.spans.items():
        copy.conn.execute(
            """UPDATE sessions SET started_at = ?, ended_at = ?, ended_how = 'interrupted',
               seconds_walking = ? WHERE id = ?""",
            (first, last, (last - first) / 1000, session_id),
        )


def _insert(copy: _Copy, insert: str, rows: list[tuple]) -> None:
    """Insert a chunk; when the fresh log refuses a row (a word it does not know), insert the
    chunk row by row and count the refused ones."""
    if not rows:
        return
    conn = copy.conn
    conn.execute("SAVEPOINT chunk")
    try:
        conn.executemany(insert, rows)
        conn.execute("RELEASE chunk")
        return
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO chunk")
        conn.execute("RELEASE chunk")
    for row in rows:
        try:
            conn.execute(insert, row)
        except sqlite3.IntegrityError as exc:
            copy.result.refused += 1
            logger.warning("a rescued row was refused (%s): %r", exc, row)


def readable_rows(
    conn: sqlite3.Connection, table: str, columns: tuple[str, ...], result: Rescued
) -> Iterator[tuple]:
    """Every row of ``table`` that can be read, in rowid order; a bad page costs its rows."""
    select = f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid >= ?"
    start: int | None = FIRST_ROWID
    while start is not None:
        try:
            for row in conn.execute(select + " ORDER BY rowid", (start,)):
                if row[0] < start:
                    continue  # a damaged page can hand rows back out of order
                start = row[0] + 1 if row[0] < LAST_ROWID else None
                yield row[1:]
                if start is None:
                    return
            return
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            result.bad_places += 1
            probe = select + " ORDER BY rowid LIMIT 1"
            bad = yield from _creep(conn, probe, start)
            if bad is None:
                return
            resume = _next_readable(conn, probe, bad)
            if resume is not None:  # rows just before it can share its page: read back to them
                yield from _read_back(conn, select + " AND rowid < ?", bad, resume)
            start = resume


def _creep(conn: sqlite3.Connection, probe: str, start: int) -> Generator[tuple, None, int | None]:
    """Rows from ``start`` one at a time up to the first that fails (a scan reads one row
    ahead, so the last good row before a bad page is lost with the error); returns that
    rowid, or None at the end of the table."""
    while True:
        try:
            found = conn.execute(probe, (start,)).fetchall()
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            return start
        if not found:
            return None
        yield found[0][1:]
        if found[0][0] >= LAST_ROWID:
            return None
        start = found[0][0] + 1


def _read_back(conn: sqlite3.Connection, select: str, low: int, high: int) -> list[tuple]:
    """The rows from ``high`` back towards ``low`` that read before a bad page, in rowid order
    (a seek lands on the bad page for them, a backward read from ``high`` does not)."""
    rows: list[tuple] = []
    try:
        for row in conn.execute(select + " ORDER BY rowid DESC", (low, high)):
            rows.append(row[1:])
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
    return rows[::-1]


def _next_readable(conn: sqlite3.Connection, probe: str, bad: int) -> int | None:
    """The first rowid after ``bad`` from which rows read again; None if there is none."""

    def reads(rowid: int) -> bool:
        try:
            conn.execute(probe, (rowid,)).fetchall()
            return True
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            return False

    step = 1
    while True:
        if bad + step > LAST_ROWID:
            return None
        if reads(bad + step):
            good = bad + step
            break
        bad, step = bad + step, step * 2
    while good - bad > 1:  # the first rowid that reads, between the last bad and the good
        middle = (bad + good) // 2
        if reads(middle):
            good = middle
        else:
            bad = middle
    return good
