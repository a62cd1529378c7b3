"""Reading a session log without writing anything beside it, even in a folder that is read-only.

In WAL mode a reader needs the -wal file and its index, the -shm file, and makes the -shm when
it is missing. Three cases:

* No -wal: nobody is writing and every row is in the file itself. It is opened immutable:
  nothing is created, and a card that has turned read-only reads too.
* A -wal that the reader can share (the kiosk is running, or a -shm is there to read): opened
  read-only in place, so rows the kiosk is writing now are seen.
* A -wal that cannot be shared: the folder is read-only (an SD card turns read-only after
  errors, often right after the crash that left the -wal behind) and there is no -shm to read.
  The file and its -wal are copied into a private temporary folder and the copy is read; the
  copy is removed when the connection is closed. Nobody can be writing to a read-only folder,
  so the copy is the log as it stands.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import weakref
from pathlib import Path

logger = logging.getLogger(__name__)

# What SQLite says when it cannot open or make the -shm beside a log in a read-only folder.
_CANNOT_SHARE = ("SQLITE_CANTOPEN", "SQLITE_READONLY")


class CopiedLog(sqlite3.Connection):
    """A connection to a private copy of a log; closing it removes the copy."""

    copy_folder: Path | None = None

    def close(self) -> None:
        super().close()
        if self.copy_folder is not None:
            shutil.rmtree(self.copy_folder, ignore_errors=True)
            self.copy_folder = None


def connect_readonly(path: Path, **options: object) -> sqlite3.Connection:
    """A connection that reads the log at ``path`` and writes nothing beside it."""
    wal = Path(f"{path}-wal")
    uri = path.absolute().as_uri()
    if not wal.exists():
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, **options)
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, **options)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens -wal and -shm
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if not getattr(exc, "sqlite_errorname", "").startswith(_CANNOT_SHARE):
            raise
        logger.info("reading a copy of %s: its write-ahead log cannot be shared (%s)", path, exc)
    return _connect_copy(path, wal, options)


def _connect_copy(path: Path, wal: Path, options: dict[str, object]) -> sqlite3.Connection:
    folder = _private_folder()
    try:
        copy = folder / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, Path(f"{copy}-wal"))
        conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True, factory=CopiedLog, **options)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    conn.copy_folder = folder
    weakref.finalize(conn, shutil.rmtree, folder, True)  # also at exit, if never closed
    return conn


def _private_folder() -> Path:
    """A new folder only this user can read: the usual temporary folder, or, when that is on
    the read-only card too, one of the folders kept in memory."""
    places: list[str | None] = [None, os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"]
    for place in places:
        if place is not None and not Path(place).is_dir():
            continue
        try:
            return Path(tempfile.mkdtemp(prefix="balance-kiosk-log-", dir=place))
        except OSError:
            continue
    raise OSError(
        "the session log's folder is read-only and no temporary folder can be written to read "
        "a copy of it"
    )
