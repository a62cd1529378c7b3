"""What the session log tells a caregiver when something is wrong with it, in plain words.

Each problem says what happened, what became of the sessions, and what to do. They are shown on
the caregiver's screen and written to the journal.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.log.salvage import Rescued
from kiosk.log.schema import UnusableDatabase

ASK_FOR_HELP = "Give the kept file to whoever looks after the kiosk; they may be able to rescue it."
FREE_SPACE = "Free some space on the storage (SD card), or ask whoever looks after the kiosk."


@dataclass(frozen=True)
class StoreProblem:
    """Something a caregiver should know about the log; ``message`` is written for them."""

    # unreadable|foreign|newer|damaged|not_saving|disk_full|read_only|write_error|dropped|
    # recovered|moved|unsaved
    kind: str
    message: str
    at: datetime = field(default_factory=datetime.now)

    def __str__(self) -> str:
        return self.message


def is_full(exc: BaseException) -> bool:
    """True when an error says the storage is full."""
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or (
        isinstance(exc, OSError) and exc.errno == errno.ENOSPC
    )


def is_read_only(exc: BaseException, folder: Path | None = None) -> bool:
    """True when an error, or the storage holding ``folder``, says the card is read-only.

    SQLite reports a card that turned read-only under an open log as SQLITE_READONLY, or only
    as an I/O error or "unable to open": then ``folder`` is probed with a file of its own.
    """
    if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return True
    return folder is not None and storage_read_only(folder)


def storage_read_only(folder: Path) -> bool:
    """Whether a new file in ``folder`` is refused because its file system is read-only."""
    probe = folder / f".balance-kiosk-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return exc.errno == errno.EROFS
    os.close(fd)
    with contextlib.suppress(OSError):
        probe.unlink()
    return False


def reason_of(exc: BaseException) -> str:
    """An error in words, without its number."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def set_aside_problem(path: Path, aside: Path, exc: UnusableDatabase) -> StoreProblem:
    advice = (
        "To see those sessions again, install the newer kiosk software."
        if exc.reason == "newer"
        else ASK_FOR_HELP
    )
    return StoreProblem(
        exc.reason,
        f"The session log {path} {exc.describe()}. It was kept unchanged as {aside.name} "
        f"and a new, empty log was started; earlier sessions are not shown. {advice}",
    )


def rescued_problem(path: Path, aside: Path, happened: str, rescued: Rescued) -> StoreProblem:
    """A damaged log set aside, and what could be copied out of it into the new one;
    ``happened`` says what was wrong with it ("was damaged in places (...)")."""
    if not rescued.anything:
        return StoreProblem(
            "unreadable",
            f"The session log {path} {happened}, and nothing in it could be read. It was kept "
            f"as {aside.name} and a new, empty log was started; earlier sessions are not "
            f"shown. {ASK_FOR_HELP}",
        )
    parts = f"{rescued.sessions} session(s), with {rescued.events} event(s) and " + (
        f"{rescued.samples} distance reading(s), were recovered into a new log"
    )
    if rescued.stand_ins:
        parts += f"; {rescued.stand_ins} session(s) or walker(s) were only partly readable"
    return StoreProblem(
        "damaged",
        f"The session log {path} {happened}. {parts}. The damaged file was kept as "
        f"{aside.name} in the same folder; records on its damaged parts may be missing. "
        f"{ASK_FOR_HELP}",
    )


def not_rescued_problem(path: Path, aside: Path, exc: BaseException) -> StoreProblem:
    return StoreProblem(
        "damaged",
        f"The session log {path} was damaged and was kept as {aside.name}, but its sessions "
        f"could not be copied into the new log ({reason_of(exc)}). {ASK_FOR_HELP}",
    )


def write_problem(path: Path, exc: BaseException) -> StoreProblem:
    waiting = "The exercise goes on; what it records is kept in memory and saved later."
    if is_read_only(exc, path.parent):
        return StoreProblem(
            "read_only",
            f"The kiosk's storage (SD card) has turned read-only, so sessions cannot be saved "
            f"to {path}. The exercise and its alarm go on; what it records is kept in memory "
            "and saved if the card can be written again before the kiosk stops. Sessions "
            "saved before are safe: copy them off (balance-kiosk logs export), then ask "
            "whoever looks after the kiosk to check or replace the card.",
        )
    if is_full(exc):
        return StoreProblem(
            "disk_full",
            f"The kiosk's storage is full, so sessions cannot be saved to {path}. {waiting} "
            f"{FREE_SPACE}",
        )
    return StoreProblem(
        "write_error",
        f"The kiosk could not save to the session log {path} ({reason_of(exc)}). {waiting} "
        "If this keeps happening, ask whoever looks after the kiosk to check the storage.",
    )


def not_saving(path: Path, exc: BaseException) -> StoreProblem:
    if is_read_only(exc, path.parent):
        return StoreProblem(
            "not_saving",
            f"Sessions are NOT being saved: the storage (SD card) holding {path} is "
            "read-only. The exercise and its alarm still work, and sessions saved before can "
            "still be read: copy them off (balance-kiosk logs export), then ask whoever looks "
            "after the kiosk to check or replace the card.",
        )
    return StoreProblem(
        "not_saving",
        f"Sessions are NOT being saved: the session log {path} could not be opened "
        f"({reason_of(exc)}). The exercise still works. Check that the data folder exists and "
        "has free space, then restart the kiosk.",
    )


def moved_problem(path: Path, what: str, aside: Path | None) -> StoreProblem:
    """The file was deleted or replaced under the running kiosk, and written back."""
    kept = f" The file found in its place was kept as {aside.name}." if aside else ""
    return StoreProblem(
        "moved",
        f"The session log {path} was {what} while the kiosk was running. The kiosk wrote it "
        f"again from the copy it had open, so no session was lost.{kept}",
    )


def unsaved_problem(path: Path, kept_in: Path | None, sessions: list[int]) -> StoreProblem:
    """Rows still unwritten when the kiosk stopped: where they were kept, if anywhere."""
    which = ", ".join(str(s) for s in sessions) or "none"
    if kept_in is not None:
        return StoreProblem(
            "unsaved",
            f"The kiosk stopped before it could save everything to {path} (sessions {which}). "
            f"What was not saved is kept in {kept_in.name} and is added to the log the next "
            "time the kiosk starts with free space.",
        )
    return StoreProblem(
        "unsaved",
        f"The kiosk stopped before it could save everything to {path}, and there was no room "
        f"to keep it: parts of sessions {which} are lost. The journal lists what they held. "
        f"{FREE_SPACE}",
    )


def store_error_text(path: Path, exc: BaseException) -> str:
    """Why a caregiver's change to the log could not be saved, for the command line."""
    if is_read_only(exc, path.parent):
        return (
            f"the kiosk's storage (SD card) is read-only, so the change could not be saved to "
            f"{path}; the sessions can still be read and exported"
        )
    if is_full(exc):
        return (
            f"the kiosk's storage is full, so the change could not be saved to {path}; free "
            "some space on the storage (SD card) and try again"
        )
    if isinstance(exc, sqlite3.Error):
        return f"the change could not be saved to the session log {path} ({reason_of(exc)})"
    return f"the change could not be saved to {path} ({reason_of(exc)})"
