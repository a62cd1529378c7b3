"""One short change to the session log from a program beside the kiosk.

Adding or renaming a walker and setting a goal are made from the dashboard and from the
`profiles` command while the kiosk may be walking someone. They must not open the log the way
the kiosk does: opening a store closes every session left open as interrupted, and an open
session is the walk going on now. So a change here is one immediate transaction on a plain
connection, which waits a few seconds for the kiosk's writer and then says it is busy, and
never recovers, migrates or sets the file aside: only the kiosk does that.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kiosk.log.problems import store_error_text
from kiosk.log.schema import SCHEMA_VERSION, UnusableDatabase, check_identity, is_damage
from kiosk.log.store import SessionStore

T = TypeVar("T")
BUSY_TIMEOUT_S = 3.0
BUSY_MESSAGE = (
    "The kiosk is busy writing its session log just now. Try again in a moment; nothing was "
    "changed."
)


class ChangeRefused(Exception):
    """The change could not be made; the message says why, for a person."""


class LogBusy(ChangeRefused):
    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


def write_change(
    path: Path, change: Callable[[sqlite3.Connection], T], busy_timeout_s: float = BUSY_TIMEOUT_S
) -> T:
    """Run ``change`` in one immediate transaction on the log at ``path`` (made the kiosk's
    way first if there is none yet); ChangeRefused, with the reason, when it cannot be."""
    if not path.exists():
        _create(path)
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
    except sqlite3.Error as error:
        raise _refusal_at(path, error) from error
    try:
        _check_version(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = change(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result
    except sqlite3.Error as error:
        raise _refusal_at(path, error) from error
    finally:
        conn.close()


def refusal(error: sqlite3.Error) -> ChangeRefused:
    """An SQLite error in words: busy, damaged, or what SQLite said."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error):
        return LogBusy()
    if is_damage(error):
        return ChangeRefused(
            f"The session log cannot be read: it is damaged ({error}). The kiosk keeps a "
            "damaged log aside and starts a new one when it next starts."
        )
    return ChangeRefused(f"The session log could not be read or written ({error}). Try again.")


def _refusal_at(path: Path, error: sqlite3.Error) -> ChangeRefused:
    """As ``refusal``, naming a full or read-only card (SQLite may only say it cannot open
    the file when it cannot make the log's companion files: the folder is tried too)."""
    refused = refusal(error)
    if isinstance(refused, LogBusy) or is_damage(error):
        return refused
    text = store_error_text(path, error)
    return ChangeRefused(f"{text[0].upper()}{text[1:]}.")


def _check_version(conn: sqlite3.Connection) -> None:
    try:
        version = check_identity(conn)
    except UnusableDatabase as error:
        raise ChangeRefused(f"The session log cannot be changed: it {error.describe()}.") from None
    if version != SCHEMA_VERSION:
        raise ChangeRefused(
            "The session log is in an older format; start the kiosk once to update it, then "
            "try again."
        )


def _create(path: Path) -> None:
    """A new, empty log, made the kiosk's way (nothing to recover in a file that was not there)."""
    with SessionStore.open(path) as store:
        if store.in_memory:
            raise ChangeRefused(
                f"The session log {path} cannot be made: check that the data folder can be "
                "written and its storage (SD card) has free space."
            )
