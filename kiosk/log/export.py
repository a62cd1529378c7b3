"""Export the session log as CSV or JSON, streamed, for caregivers and clinicians.

CSV comes in three tables, because a spreadsheet holds one table per file:

* ``sessions`` (the default): one row per session with the list's columns. This is what a
  caregiver or a clinician reads first: adherence (dates, minutes), reminders, time out of reach.
* ``events``: one row per event, with the session id to join on: for a clinician who wants to see
  when reminders and pauses happened within a session.
* ``samples``: the raw distance readings, for whoever analyses the sensor data.

Text a person typed (a walker's name) or a routine gave (a chapter's title) is written so that
a spreadsheet shows it and never runs it: a cell that begins with =, +, -, @, a tab or a
carriage return, or has such a part after a semicolon (where a spreadsheet splits on
semicolons), gets an apostrophe in front of that part ('=Anna), and a lone carriage return
becomes a line break, which the CSV quotes. JSON keeps the text as it is.

JSON holds the sessions with their events nested (not the samples, which would dwarf them)
and the safety settings each session was walked with (null where they were not recorded).
Times are local. The sessions table splits them into date, start_time and end_time, which
spreadsheets read directly, plus the utc_offset that keeps them unambiguous; events, samples and
JSON use ISO 8601 with the offset.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import functools
import io
import itertools
import json
import logging
import os
import secrets
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TextIO

from kiosk.log import sessions_table
from kiosk.log.cells import spreadsheet_text, utc_offset
from kiosk.log.queries import SessionSummary, iter_events, iter_sessions, session_filters

if TYPE_CHECKING:
    from kiosk.log.store import SessionStore

logger = logging.getLogger(__name__)

Format = Literal["csv", "json"]
# What the export asks for the PDF reports: (file name, writer) pairs for a store and a day.
Reports = Callable[["SessionStore", date], Iterable[tuple[str, Callable[[BinaryIO], object]]]]
What = Literal["sessions", "events", "samples"]
FORMATS: tuple[Format, ...] = ("csv", "json")
TABLES: tuple[What, ...] = ("sessions", "events", "samples")
JSON_FORMAT_NAME = "balance-kiosk-sessions"
JSON_FORMAT_VERSION = 1

SESSION_COLUMNS = (
    "session_id",
    "profile",
    "date",
    "start_time",
    "end_time",
    "utc_offset",
    "routine",
    "level",
    "result",
    "completed",
    "minutes_walked",
    "minutes_paused",
    "reminders",
    "longest_out_of_reach_s",
    "sensor_faults",
    "time_confirmed",  # "no": started before the clock was set, so its date and times may be off
)
EVENT_COLUMNS = (
    "session_id",
    "profile",
    "time",
    "seconds_into_session",
    "kind",
    "detail",
    "distance_mm",
)
SAMPLE_COLUMNS = ("session_id", "time", "seconds_into_session", "distance_mm")


class ExportError(Exception):
    """An export could not be written; the message, written for a caregiver, says what went
    wrong and what to do. The caregiver screen shows it as it is."""


class StickFullError(ExportError):
    """The stick has no room left for the export."""


class StickNotWritableError(ExportError):
    """A stick is there, but nothing can be written to it: read-only, locked, or mounted so
    the kiosk's user may not write."""


class StickGoneError(ExportError):
    """The stick was pulled out, or stopped answering, during the export."""


# Formatting is most of an export's time, so local times are built from time.localtime's fields
# (one C call) rather than through datetime.astimezone and strftime, about five times slower.


def _parts(ms: int, tz: tzinfo | None) -> tuple[int, int, int, int, int, int, int]:
    """(year, month, day, hour, minute, second, UTC offset in s) of an epoch-ms time."""
    if tz is None:
        t = time.localtime(ms // 1000)
        return t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, t.tm_gmtoff
    d = datetime.fromtimestamp(ms // 1000, tz)
    offset = d.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return d.year, d.month, d.day, d.hour, d.minute, d.second, seconds


@functools.lru_cache(maxsize=4096)
def _minute(minute: int, tz: tzinfo | None) -> tuple[str, str]:
    """("YYYY-MM-DDTHH:MM:", "+HH:MM") of a minute since the epoch; UTC offsets are whole
    minutes, so the seconds are the same in every zone."""
    y, mo, d, h, mi, _, off = _parts(minute * 60_000, tz)
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:", utc_offset(off)


def iso(ms: int | None, tz: tzinfo | None = None) -> str:
    """Local time in ISO 8601 with its UTC offset, to the millisecond when it has one."""
    if ms is None:
        return ""
    prefix, offset = _minute(ms // 60_000, tz)
    frac = f".{ms % 1000:03d}" if ms % 1000 else ""
    return f"{prefix}{(ms // 1000) % 60:02d}{frac}{offset}"


def session_row(s: SessionSummary, tz: tzinfo | None = None) -> tuple:
    """One session in SESSION_COLUMNS order (local date and times, then the offset), its text
    made safe for a spreadsheet."""
    y, mo, d, h, mi, sec, off = _parts(s.started_at, tz)
    end = ""
    if s.ended_at is not None:
        _, _, _, eh, emi, esec, _ = _parts(s.ended_at, tz)
        end = f"{eh:02d}:{emi:02d}:{esec:02d}"
    return (
        s.id,
        spreadsheet_text(s.profile_name),
        f"{y:04d}-{mo:02d}-{d:02d}",
        f"{h:02d}:{mi:02d}:{sec:02d}",
        end,
        utc_offset(off),
        spreadsheet_text(s.routine),
        s.level,
        s.ended_how or "open",
        "yes" if s.completed else "no",
        round(s.seconds_walking / 60, 1),
        round(s.seconds_paused / 60, 1),
        s.reminders,
        round(s.longest_out_of_reach_s, 1),
        s.faults,
        "yes" if s.time_confirmed else "no",
    )


def session_record(s: SessionSummary, tz: tzinfo | None = None) -> dict[str, object]:
    """One session for the JSON export (full ISO times instead of the CSV's split columns)."""
    return {
        "session_id": s.id,
        "profile": s.profile_name,
        "started": iso(s.started_at, tz),
        "ended": iso(s.ended_at, tz) or None,
        "routine": s.routine,
        "level": s.level,
        "result": s.ended_how or "open",
        "completed": s.completed,
        "minutes_walked": round(s.seconds_walking / 60, 1),
        "minutes_paused": round(s.seconds_paused / 60, 1),
        "reminders": s.reminders,
        "longest_out_of_reach_s": round(s.longest_out_of_reach_s, 1),
        "sensor_faults": s.faults,
        # False: logged before the clock was set (and never corrected); the times may be off.
        "time_confirmed": s.time_confirmed,
        # What the alarm was set to for this session; null when it was not recorded (sessions
        # from before the kiosk kept them).
        "settings": None if s.settings is None else asdict(s.settings),
    }


def export(
    conn: sqlite3.Connection,
    out: TextIO,
    *,
    fmt: Format = "csv",
    what: What = "sessions",
    profile_id: int | None = None,
    since_ms: int | None = None,
    tz: tzinfo | None = None,
) -> int:
    """Write the export to ``out``; returns the number of rows (CSV) or sessions (JSON)."""
    if fmt == "json":
        return _json(conn, out, profile_id, since_ms, tz)
    writers: dict[str, Callable[..., int]] = {
        "sessions": _sessions_csv,
        "events": _events_csv,
        "samples": _samples_csv,
    }
    return writers[what](conn, out, profile_id, since_ms, tz)


def _sessions_csv(
    conn: sqlite3.Connection,
    out: TextIO,
    profile_id: int | None,
    since_ms: int | None,
    tz: tzinfo | None,
) -> int:
    # Each chunk is written to memory first and handed to `out` in one piece: one write a
    # row costs more than the row itself when `out` is the dashboard's stream.
    piece = io.StringIO()
    writer = csv.writer(piece, lineterminator="\n")
    writer.writerow(SESSION_COLUMNS)
    chunks = sessions_table.row_chunks(conn, profile_id, since_ms, tz)
    if chunks is None:  # a zone or a date only the exact path formats right
        rows = (
            session_row(s, tz)
            for s in iter_sessions(conn, profile_id=profile_id, since_ms=since_ms)
        )
        chunks = iter(lambda: list(itertools.islice(rows, 1000)), [])
    count = 0
    for chunk in chunks:
        writer.writerows(chunk)
        count += len(chunk)
        out.write(piece.getvalue())
        piece.seek(0)
        piece.truncate()
    out.write(piece.getvalue())  # the header, when no session matched
    return count


def _events_csv(
    conn: sqlite3.Connection,
    out: TextIO,
    profile_id: int | None,
    since_ms: int | None,
    tz: tzinfo | None,
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    count = 0
    for s, events in iter_events(conn, profile_id=profile_id, since_ms=since_ms):
        profile = spreadsheet_text(s.profile_name)
        for e in events:
            offset = round((e.t - s.started_at) / 1000, 1)
            detail = spreadsheet_text(e.detail)
            writer.writerow((s.id, profile, iso(e.t, tz), offset, e.kind, detail, e.distance_mm))
            count += 1
    return count


def _samples_csv(
    conn: sqlite3.Connection,
    out: TextIO,
    profile_id: int | None,
    since_ms: int | None,
    tz: tzinfo | None,
) -> int:
    where, params = session_filters(profile_id, since_ms)  # columns only sessions has
    rows = conn.execute(
        f"""SELECT x.session_id, x.t, x.distance_mm, s.started_at
            FROM samples x JOIN sessions s ON s.id = x.session_id{where}
            ORDER BY x.session_id, x.t""",
        params,
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SAMPLE_COLUMNS)
    count = 0
    for session_id, t, distance, started_at in rows:
        writer.writerow((session_id, iso(t, tz), round((t - started_at) / 1000, 2), distance))
        count += 1
    return count


def _json(
    conn: sqlite3.Connection,
    out: TextIO,
    profile_id: int | None,
    since_ms: int | None,
    tz: tzinfo | None,
) -> int:
    # Written piece by piece so memory stays flat however many sessions there are.
    head = {
        "format": JSON_FORMAT_NAME,
        "format_version": JSON_FORMAT_VERSION,
        "exported_at": datetime.now().astimezone(tz).isoformat(timespec="seconds"),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "sessions": [')
    count = 0
    sessions = iter_events(conn, profile_id=profile_id, since_ms=since_ms, with_settings=True)
    for s, events in sessions:
        record = session_record(s, tz)
        record["events"] = [
            {
                "time": iso(e.t, tz),
                "seconds_into_session": round((e.t - s.started_at) / 1000, 1),
                "kind": e.kind,
                "detail": e.detail,
                "distance_mm": e.distance_mm,
            }
            for e in events
        ]
        out.write(("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


# ------------------------------------------------------------------- USB stick
#
# Whatever is on a stick is someone else's: a file there may be a link into the kiosk's data
# folder, a FIFO, or a folder under the very name the kiosk means to write. So the kiosk writes
# only through a descriptor of the stick's own folder, creates each file anew (O_EXCL and
# O_NOFOLLOW: never through a link, never opening a FIFO or a device) under a name nobody can
# guess, checks that what it opened is a plain file on the stick's file system, and renames it
# into place. A rename replaces a link or a FIFO under the final name without following it.

USB_MOUNT_ROOTS = ("/media", "/run/media")

STICK_FULL = (
    "The USB stick is full: delete files you no longer need from it, or use another stick, "
    "then export again."
)
STICK_NOT_WRITABLE = (
    "A USB stick was found, but it cannot be written: it is read-only or locked. If it has a "
    "small lock switch on its side, slide it to unlock, or use another stick; then export "
    "again."
)
STICK_GONE = (
    "The USB stick was taken out, or stopped answering, before the export was finished. "
    "Plug it in again and export again."
)
STICK_OTHER = "The export could not be written to this USB stick. Try again, or use another stick."
LOG_UNREADABLE = (
    "The session log could not be read, so nothing was exported. Try again; if it keeps "
    "failing, restart the kiosk."
)
REPORTS_FAILED = (
    "The session log was exported to the USB stick as CSV files, but the PDF reports could "
    "not be made. Try again; if it keeps failing, make a report from a computer with "
    "'balance-kiosk logs report'."
)
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_NOT_WRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_GONE = frozenset({errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.ESTALE})


def find_usb_folder(
    mount_roots: Iterable[str | os.PathLike[str]] = USB_MOUNT_ROOTS,
    *,
    is_mount: Callable[[Path], bool] = os.path.ismount,
) -> Path | None:
    """The mounted stick to export to (ROOT/LABEL or ROOT/USER/LABEL): the first one the kiosk
    may write, else the first one found (the export then says why it cannot write it), else
    None."""
    sticks = [stick for root in map(Path, mount_roots) for stick in _mounts_under(root, is_mount)]
    for stick in sticks:
        if os.access(stick, os.W_OK):
            return stick
        logger.info("USB folder %s is not writable", stick)
    return sticks[0] if sticks else None


def _mounts_under(root: Path, is_mount: Callable[[Path], bool]) -> list[Path]:
    found: list[Path] = []
    for child in _subdirs(root):
        if is_mount(child):
            found.append(child)
        else:
            found.extend(g for g in _subdirs(child) if is_mount(g))
    return found


def _subdirs(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []


def export_to_usb(
    store: SessionStore,
    mount_roots: Iterable[str | os.PathLike[str]] = USB_MOUNT_ROOTS,
    *,
    now: datetime | None = None,
    is_mount: Callable[[Path], bool] = os.path.ismount,
    reports: Reports | None = None,
) -> Path | None:
    """Write the sessions CSV (and the events CSV beside it) to a USB stick, and after them
    the PDF files ``reports(store, today)`` names (the kiosk passes the clinician's reports).

    Returns the sessions file's path, or None when no stick is mounted. Raises an ExportError
    (StickFullError, StickNotWritableError, StickGoneError...) with a message for the caregiver
    when a stick is there but the files cannot be written. Each file is written under a
    temporary name and renamed when complete, so a stick pulled out early never holds a half
    file under the final name.
    """
    folder = find_usb_folder(mount_roots, is_mount=is_mount)
    if folder is None:
        return None
    now = now or datetime.now()
    prefix = f"balance-kiosk-{now:%Y-%m-%d-%H%M}-"
    names = {what: f"{prefix}{what}.csv" for what in ("sessions", "events")}
    try:
        folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            for what, name in names.items():
                _write_to_stick(folder_fd, name, functools.partial(_csv_table, store, what))
            if reports is not None:
                _write_reports(folder_fd, prefix, store, now.date(), reports)
        finally:
            os.close(folder_fd)
    except sqlite3.Error as error:
        logger.error("export to USB: cannot read the session log: %s", error)
        raise ExportError(LOG_UNREADABLE) from error
    except OSError as error:
        raise _stick_error(error, folder) from error
    logger.info("exported the session log to %s", folder / names["sessions"])
    return folder / names["sessions"]


def _csv_table(store: SessionStore, what: What, out: TextIO) -> None:
    with store.reading() as conn:
        export(conn, out, fmt="csv", what=what)


def _write_reports(
    folder_fd: int, prefix: str, store: SessionStore, today: date, reports: Reports
) -> None:
    """Each report's PDF, through the same safe way onto the stick as the CSV files. The CSV
    files are complete by now; a report that cannot be drawn says so without hiding that."""
    try:
        for name, write in reports(store, today):
            if "/" in name or not name.endswith(".pdf"):  # a name stays in the stick's folder
                raise ValueError(f"not a report file name: {name!r}")
            _write_to_stick(folder_fd, prefix + name, write, binary=True)
    except (OSError, sqlite3.Error):
        raise  # the stick's or the log's own messages
    except Exception as error:
        logger.exception("export to USB: the PDF reports could not be made")
        raise ExportError(REPORTS_FAILED) from error


def _write_to_stick(
    folder_fd: int, name: str, write: Callable[[Any], object], *, binary: bool = False
) -> None:
    """A new file `name` in the stick's folder, written by `write`, complete or not at all."""
    temporary, fd = _create_unguessable(folder_fd, name)
    try:
        _check_plain_file_beside(fd, folder_fd)
        if binary:
            out = open(fd, "wb", closefd=False)  # noqa: SIM115 (closed by the with below)
        else:  # utf-8-sig: spreadsheet programs then read accented names correctly.
            out = open(fd, "w", encoding="utf-8-sig", newline="", closefd=False)  # noqa: SIM115
        with out:
            write(out)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder_fd)
        raise
    with contextlib.suppress(OSError):  # some file systems refuse fsync on a folder
        os.fsync(folder_fd)  # the caregiver may pull the stick out as soon as we say so


def _create_unguessable(folder_fd: int, name: str) -> tuple[str, int]:
    """(name, descriptor) of a new empty file beside `name`, under a name nobody can guess."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(5):
        temporary = f"{name}.{secrets.token_hex(8)}.part"
        try:
            return temporary, os.open(temporary, flags, 0o644, dir_fd=folder_fd)
        except FileExistsError:
            continue
    raise ExportError(STICK_OTHER)


def _check_plain_file_beside(fd: int, folder_fd: int) -> None:
    """What was opened must be a plain file on the stick's own file system."""
    opened, folder = os.fstat(fd), os.fstat(folder_fd)
    if not stat.S_ISREG(opened.st_mode) or opened.st_dev != folder.st_dev:
        logger.error("export to USB: the file opened on the stick is not a plain file on it")
        raise ExportError(STICK_OTHER)


def _stick_error(error: OSError, folder: Path) -> ExportError:
    """The caregiver's message for what went wrong on the stick; the details go to the log."""
    logger.warning("export to USB at %s failed: %s", folder, error)
    if error.errno in _FULL:
        return StickFullError(STICK_FULL)
    if error.errno in _NOT_WRITABLE:
        return StickNotWritableError(STICK_NOT_WRITABLE)
    if error.errno in _GONE:
        return StickGoneError(STICK_GONE)
    return ExportError(STICK_OTHER)
