"""Opening the log file for the store: the checks before writing to it, setting aside a file
that cannot be used (and rescuing what it still holds), and settling what the last run left.

Order at open: the file is checked read-only (its identity, and every page with quick_check),
so a damaged file is never written to; a file that fails is renamed aside and a fresh log
started, into which a file damaged in places gives up every row still readable. Then rows the
last run could not write (kept beside the log while the storage was full) are written, and
only then are sessions a crash left open closed as 'interrupted'.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.log import unsaved
from kiosk.log.problems import (
    StoreProblem,
    not_rescued_problem,
    not_saving,
    rescued_problem,
    set_aside_problem,
    write_problem,
)
from kiosk.log.rows import END_SESSION, Row
from kiosk.log.salvage import salvage
from kiosk.log.schema import (
    UnusableDatabase,
    configure,
    inspect_file,
    is_damage,
    migrate,
    prepare_file,
    secure_files,
    set_aside,
    sync_word_checks,
)
from kiosk.vocabulary import Ending, EventKind, sql_list

logger = logging.getLogger(__name__)

Report = Callable[[StoreProblem], None]
_PAUSE_MARKS = f"kind IN {sql_list((EventKind.PAUSE, EventKind.RESUME))}"


def open_file(path: Path) -> sqlite3.Connection:
    """The writing connection to the log at ``path``, checked before anything is written;
    raises UnusableDatabase (or a damage error) for a file that must be set aside."""
    inspect_file(path, thorough=True)
    prepare_file(path)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        configure(conn)
        migrate(conn)
        _sync_word_checks(conn)
        secure_files(path)
    except BaseException:
        conn.close()
        raise
    return conn


def open_reader(path: Path) -> sqlite3.Connection:
    """The read-only connection the caregiver queries use, beside the writer."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def worth_rescuing(exc: BaseException) -> str | None:
    """What was wrong with a file whose rows may still be read (damaged in places); None for a
    file that is not ours, too new, or unreadable as a whole."""
    if isinstance(exc, UnusableDatabase):
        return exc.detail if exc.reason == "damaged" else None
    return str(exc) if is_damage(exc) else None


def set_aside_unusable(path: Path, exc: BaseException, report: Report) -> Path | None:
    """After a failed open: the name the file was kept under (so a fresh log is worth trying),
    or None. A file to be rescued is reported once the rescue is done, by ``rescue``.

    An error that is not about the file's contents (locked, full, no permission) and a file
    that cannot be moved are reported as not saving, and None is returned.
    """
    if isinstance(exc, UnusableDatabase):
        unusable = exc
    elif is_damage(exc):
        unusable = UnusableDatabase("unreadable", f"it is damaged: {exc}")
    else:
        report(not_saving(path, exc))  # locked, full, no permission: not the file
        return None
    try:
        aside = set_aside(path)
    except OSError as move_exc:
        report(not_saving(path, move_exc))
        return None
    if worth_rescuing(exc) is None:
        report(set_aside_problem(path, aside, unusable))
    return aside


def rescue(
    conn: sqlite3.Connection, path: Path, aside: Path, happened: str, report: Report
) -> None:
    """Copy what can be read of the damaged log kept as ``aside`` into the fresh log;
    ``happened`` says what was wrong with it, for the caregiver."""
    try:
        rescued = salvage(aside, conn)
    except (sqlite3.Error, OSError) as exc:
        report(not_rescued_problem(path, aside, exc))
        return
    report(rescued_problem(path, aside, happened, rescued))


def damaged_in_places(detail: str) -> str:
    return f"was damaged in places ({detail})"


@dataclass
class Settled:
    """What the last run left, dealt with: sessions closed as interrupted, and rows it could
    not write that still wait (the storage is still full)."""

    interrupted: list[int] = field(default_factory=list)
    waiting: list[Row] = field(default_factory=list)


def settle(conn: sqlite3.Connection, path: Path, report: Report) -> Settled:
    """Write the rows the last run kept beside the log, then close the sessions a crash left
    open; set aside room for the next time the storage fills up."""
    kept = unsaved.take(path)
    waiting: list[Row] = []
    if kept:
        try:
            write_kept(conn, kept)
            unsaved.clear(path)
            logger.warning("saved %d record(s) kept while the storage was full", len(kept))
            report(
                StoreProblem(
                    "recovered",
                    f"{len(kept)} record(s) the kiosk could not save when it last stopped (the "
                    f"storage was full) are now saved in {path}.",
                )
            )
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise
            waiting = kept  # still full: the store keeps trying
    keep_open = {row.session_id for row in waiting}
    settled = Settled(recover_at_open(conn, path, report, keep_open), waiting)
    if not waiting:
        unsaved.make_room(path)
    return settled


def write_kept(conn: sqlite3.Connection, rows: list[Row]) -> None:
    """Write kept rows in one transaction; a row already in the log is skipped."""
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            try:
                conn.execute(row.sql, row.params)
            except sqlite3.IntegrityError as exc:  # e.g. the session's start was saved already
                logger.info("kept %s row not written again: %s", row.kind, exc)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")


def recover_at_open(
    conn: sqlite3.Connection, path: Path, report: Report, keep_open: Collection[int] = ()
) -> list[int]:
    """Close the sessions a crash left open and return their ids; damage raises, any other
    error is only reported."""
    try:
        closed = recover(conn, None, keep_open)
        if closed:
            logger.warning("closed %d interrupted session(s): %s", len(closed), closed)
        return closed
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise
        # e.g. a full disk: keep the file; the next open tries again.
        report(write_problem(path, exc))
        return []


def _sync_word_checks(conn: sqlite3.Connection) -> None:
    """Bring the file's word checks up to this vocabulary, unless it cannot be written now.

    Only a damaged file stops the open: with a full disk or a busy file the log is still
    usable (the store checks its own words), and the next open tries again.
    """
    try:
        sync_word_checks(conn)
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise
        logger.warning(
            "could not update the session log's word checks (%s); retried at next open", exc
        )


def recover(
    conn: sqlite3.Connection, before_id: int | None, keep_open: Collection[int] = ()
) -> list[int]:
    """Close open sessions as 'interrupted', ending at their last event or sample; sessions in
    ``keep_open`` (their ending is waiting to be written) are left alone.

    Walking time is estimated as the time up to that end less the paused spans.
    """
    sql = "SELECT id, started_at FROM sessions WHERE ended_at IS NULL"
    params: tuple = ()
    if before_id is not None:
        sql += " AND id < ?"
        params = (before_id,)
    found = conn.execute(sql, params).fetchall()
    open_sessions = [s for s in found if s[0] not in keep_open]
    if not open_sessions:
        return []
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for session_id, started_at in open_sessions:
            conn.execute(END_SESSION, _interrupted_end(conn, session_id, started_at))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")
    return [s[0] for s in open_sessions]


def _interrupted_end(conn: sqlite3.Connection, session_id: int, started_at: int) -> tuple:
    """END_SESSION's parameters for a session that stopped at its last event or sample."""
    last_event = conn.execute(
        "SELECT max(t) FROM events WHERE session_id = ?", (session_id,)
    ).fetchone()[0]
    last_sample = conn.execute(
        "SELECT max(t) FROM samples WHERE session_id = ?", (session_id,)
    ).fetchone()[0]
    ended_at = max(started_at, last_event or started_at, last_sample or started_at)
    marks = conn.execute(
        f"SELECT t, kind FROM events WHERE session_id = ? AND {_PAUSE_MARKS} ORDER BY t, id",
        (session_id,),
    ).fetchall()
    paused = paused_seconds(marks, ended_at)
    walking = max(0.0, (ended_at - started_at) / 1000 - paused)
    return (ended_at, str(Ending.INTERRUPTED), walking, paused, session_id)


def paused_seconds(marks: list[tuple[int, str]], end_ms: int) -> float:
    total = 0
    paused_at: int | None = None
    for t, kind in marks:
        if kind == EventKind.PAUSE and paused_at is None:
            paused_at = t
        elif kind == EventKind.RESUME and paused_at is not None:
            total += t - paused_at
            paused_at = None
    if paused_at is not None:
        total += max(0, end_ms - paused_at)
    return total / 1000
