"""Rows the kiosk could not write before it stopped, kept in room set aside for them.

When the storage stays full until the kiosk stops, what the routine recorded meanwhile (a
session's ending, its reminders) would end with the process, and the next start would show the
session as interrupted with nothing in it. So while there is room, the store keeps a file of
RESERVE_BYTES beside the log (``sessions.db.unsaved``), filled with zeros. At close, rows still
unwritten are written over those zeros, which needs no new space on the card. At the next open
they are written to the log before anything else (before open sessions are closed as
interrupted), and the room is cleared for the next time.

The rows are JSON lines after a header line; the room is empty when the header is missing.
Samples are given up first, oldest first, when the rows do not all fit.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path

from kiosk.log.rows import Row

logger = logging.getLogger(__name__)

HEADER = b"balance-kiosk unsaved rows, version 1\n"
RESERVE_BYTES = 1 << 20  # about 15 000 rows: an hour's distance samples, or years of events
FILE_MODE = 0o600


def room_for(log: Path) -> Path:
    """The file that keeps the rows of the log at ``log``."""
    return log.with_name(f"{log.name}.unsaved")


def make_room(log: Path) -> bool:
    """Set aside RESERVE_BYTES beside the log, unless it is there already; False when there is
    no room for it (the storage is full already)."""
    path = room_for(log)
    try:
        if path.exists() and path.stat().st_size >= RESERVE_BYTES:
            return True
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            held = os.fstat(fd).st_size
            os.lseek(fd, held, os.SEEK_SET)
            os.write(fd, bytes(RESERVE_BYTES - held))  # real zeros: the blocks are taken now
            os.fsync(fd)
        finally:
            os.close(fd)
        return True
    except OSError as exc:
        logger.warning("could not set aside room for unsaved rows beside %s: %s", log, exc)
        return False


def keep(log: Path, rows: list[Row]) -> tuple[Path | None, int]:
    """Write ``rows`` into the room beside the log; returns where (None: nowhere) and how many
    rows did not fit (samples, oldest first)."""
    path = room_for(log)
    size = path.stat().st_size if path.exists() else 0
    lines = [json.dumps([row.kind, list(row.params)]).encode() + b"\n" for row in rows]
    dropped = 0
    if size:
        dropped = _fit(rows, lines, size - len(HEADER) - 1)
    data = HEADER + b"".join(line for line in lines if line) + b"\0"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        try:
            _write_all(fd, data)  # over the zeros: no new space needed
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        logger.error("could not keep the unsaved rows in %s: %s", path, exc)
        return None, len(rows)
    return path, dropped


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError("nothing could be written")
        view = view[written:]


def _fit(rows: list[Row], lines: list[bytes], room: int) -> int:
    """Blank out samples, oldest first, until the lines fit in ``room`` bytes."""
    excess = sum(len(line) for line in lines) - room
    dropped = 0
    for i, row in enumerate(rows):
        if excess <= 0:
            break
        if row.kind == "sample":
            excess -= len(lines[i])
            lines[i] = b""
            dropped += 1
    return dropped


def take(log: Path) -> list[Row]:
    """The rows kept beside the log, oldest first ([] when there are none)."""
    path = room_for(log)
    try:
        with path.open("rb") as f:
            if f.read(len(HEADER)) != HEADER:
                return []
            body = f.read().split(b"\0", 1)[0]
    except OSError:
        return []
    rows = []
    for line in body.splitlines():
        try:
            kind, params = json.loads(line)
            rows.append(Row(str(kind), tuple(params)))
        except (ValueError, TypeError) as exc:
            logger.error("skipped an unreadable kept row in %s: %s", path, exc)
    return rows


def clear(log: Path) -> None:
    """Empty the room (in place: it stays set aside for the next time)."""
    path = room_for(log)
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return
    try:
        os.write(fd, bytes(len(HEADER)))
        os.fsync(fd)
    except OSError as exc:
        logger.warning("could not clear %s: %s", path, exc)
    finally:
        os.close(fd)


def describe(rows: list[Row]) -> list[str]:
    """What unsaved rows held, one line per session, for the journal."""
    sessions: dict[int, Counter[str]] = {}
    endings: dict[int, str] = {}
    for row in rows:
        counts = sessions.setdefault(row.session_id, Counter())
        if row.kind == "event":
            counts[str(row.params[2])] += 1
        else:
            counts[row.kind] += 1
        if row.kind == "end":
            endings[row.session_id] = str(row.params[1])
    lines = []
    for session_id, counts in sessions.items():
        held = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        ending = f", ended {endings[session_id]}" if session_id in endings else ""
        lines.append(f"session {session_id}{ending}: {held}")
    return lines
