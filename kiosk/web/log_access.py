"""The session log as the dashboard uses it: read-only for pages, one short write for walkers.

The kiosk's writer thread owns the log. Each page opens its own read-only connection (WAL lets
it read while the kiosk writes) and closes it at once, so the dashboard never holds the file
and never recovers, migrates or sets it aside: only the kiosk does that. Adding or renaming a
walker and setting a goal are the dashboard's only writes; they wait up to BUSY_TIMEOUT_S for
the kiosk's writer and then say the kiosk is busy, rather than hang.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from kiosk.log import one_change
from kiosk.log import queries as q
from kiosk.log.one_change import BUSY_MESSAGE, BUSY_TIMEOUT_S, ChangeRefused, refusal, write_change
from kiosk.log.schema import SCHEMA_VERSION, UnusableDatabase, check_identity

T = TypeVar("T")


NOTHING_YET = (
    "The kiosk has not recorded any session yet: the session log appears when it first runs."
)


class LogProblem(Exception):
    """The log cannot be used for this request; the message is for the caregiver."""

    status = 503


class LogBusy(LogProblem):
    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


class LogMissing(LogProblem):
    status = 200  # not an error: a kiosk that has not recorded anything yet


class WebLog:
    """Connections to the kiosk's session log at `path`."""

    def __init__(self, path: Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection for one page; LogProblem when the log cannot be read.

        Always `mode=ro`, never SQLite's `immutable` (which `logs` uses on a log nobody has
        open): the kiosk may start writing while the dashboard reads, and an immutable reader
        would not see its locks.
        """
        if not self.path.is_file():
            raise LogMissing(NOTHING_YET)
        try:
            conn = sqlite3.connect(
                f"{self.path.absolute().as_uri()}?mode=ro",
                uri=True,
                timeout=self.busy_timeout_s,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise _problem(error) from error
        try:
            _check_readable_version(conn)
            yield conn
        except sqlite3.Error as error:
            raise _problem(error) from error
        finally:
            conn.close()

    def write(self, change: Callable[[sqlite3.Connection], T]) -> T:
        """Run `change` in one immediate transaction; LogBusy when the kiosk holds the log."""
        try:
            return write_change(self.path, change, self.busy_timeout_s)
        except ChangeRefused as refused:
            raise _as_problem(refused) from None


class SuggestionSource:
    """What kiosk.walk.progression.suggest_for asks of a store, over one read connection."""

    def __init__(self, conn: sqlite3.Connection, now_ms: int) -> None:
        self._conn = conn
        self._now_ms = now_ms

    def list_sessions(self, *, profile_id: int, page_size: int) -> q.SessionPage:
        return q.list_sessions(self._conn, profile_id=profile_id, page_size=page_size)

    def now_ms(self) -> int:
        return self._now_ms


def _check_readable_version(conn: sqlite3.Connection) -> None:
    try:
        version = check_identity(conn)
    except UnusableDatabase as error:
        raise LogProblem(f"The session log cannot be read: it {error.describe()}.") from None
    if version == 0:
        raise LogMissing(NOTHING_YET)
    if version < SCHEMA_VERSION:
        raise LogProblem(
            "The session log is in an older format; start the kiosk once to update it."
        )


def _problem(error: sqlite3.Error) -> LogProblem:
    return _as_problem(refusal(error))


def _as_problem(refused: ChangeRefused) -> LogProblem:
    return LogBusy() if isinstance(refused, one_change.LogBusy) else LogProblem(str(refused))
