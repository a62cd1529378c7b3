"""What this run of the kiosk has recorded, kept in memory beside the file.

The file can fail the run in ways the store only finds out later: the storage fills up, the
file is deleted or overwritten while the kiosk has it open, a page of it goes bad. So the store
also keeps the rows of the last few sessions it recorded, as they were queued. From them it can
answer for a session whatever happens to the file (the summary at the end of a walk), and write
the sessions again into a fresh log after the old one had to be set aside.

Memory is bounded: the last KEEP_SESSIONS sessions, and at most MAX_SAMPLES distance samples of
each (the oldest go first; such a session is then marked partial).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from kiosk.log import queries as q
from kiosk.log.rows import Row
from kiosk.log.schema import migrate

KEEP_SESSIONS = 4
MAX_SAMPLES = 18_000  # one hour at 5 Hz


@dataclass
class _Kept:
    rows: list[Row] = field(default_factory=list)  # its start, events and ending, in order
    samples: deque[Row] = field(default_factory=deque)
    partial: bool = False  # some of its oldest samples were let go


class RunRecord:
    """The rows of the sessions this run recorded; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: OrderedDict[int, _Kept] = OrderedDict()

    def remember(self, row: Row) -> None:
        with self._lock:
            if row.kind == "session":
                self._sessions[row.session_id] = _Kept()
                while len(self._sessions) > KEEP_SESSIONS:
                    self._sessions.popitem(last=False)
            kept = self._sessions.get(row.session_id)
            if kept is None:
                return
            if row.kind != "sample":
                kept.rows.append(row)
                return
            kept.samples.append(row)
            if len(kept.samples) > MAX_SAMPLES:
                kept.samples.popleft()
                kept.partial = True

    def session_ids(self) -> list[int]:
        with self._lock:
            return list(self._sessions)

    def rows_of(self, session_id: int) -> tuple[list[Row], bool] | None:
        """Every row kept of a session, samples last, and whether some samples were let go."""
        with self._lock:
            kept = self._sessions.get(session_id)
            if kept is None:
                return None
            return [*kept.rows, *kept.samples], kept.partial

    def profile_of(self, session_id: int) -> int | None:
        with self._lock:
            kept = self._sessions.get(session_id)
            return int(kept.rows[0].params[1]) if kept and kept.rows else None

    def detail(self, session_id: int, profile: q.Profile | None) -> q.SessionDetail | None:
        """The session as the log would show it, built from memory alone (``profile``: its
        walker, or None when the log cannot say who that was)."""
        kept = self.rows_of(session_id)
        profile_id = self.profile_of(session_id)
        if kept is None or profile_id is None:
            return None
        rows, _ = kept
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            migrate(conn)
            name = profile.name if profile is not None else f"Walker {profile_id}"
            conn.execute(
                "INSERT INTO profiles (id, name, created_at) VALUES (?, ?, 0)", (profile_id, name)
            )
            replay(conn, rows)
            return q.session_detail(conn, session_id)
        finally:
            conn.close()


def replay(conn: sqlite3.Connection, rows: list[Row]) -> None:
    """Write ``rows`` in their order, in one transaction, on a connection in autocommit."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            conn.execute(row.sql, row.params)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
