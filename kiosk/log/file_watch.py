"""Whether the file at the log's name is still the one the kiosk writes.

The watch holds its own descriptor on the log for as long as the log is open, and never opens
and closes the file again while SQLite has it. On Linux a process's POSIX locks on a file go
when it closes *any* descriptor of that file: a check that opened the log, read its first
bytes and closed it dropped the kiosk's shared lock, and then any other program closing its
own connection (a `logs` command, the dashboard) believed itself the log's last user,
checkpointed and reset the write-ahead file under the kiosk, so the kiosk's newest rows were
not seen by anyone until the session ended. The descriptor is closed only after SQLite's
connections to the same file (see ``close``).
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.log.schema import SQLITE_MAGIC


class FileWatch:
    """Tells whether the log at ``path`` was deleted, replaced or overwritten since opened."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        try:
            self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            info = os.fstat(self._fd)
            self._identity = (info.st_dev, info.st_ino)
        except OSError:
            self.close()

    def what_happened(self) -> str | None:
        """None while the file is the one opened (or it cannot be told now);
        else 'deleted', 'replaced' or 'overwritten'."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return "deleted"
        except OSError:
            return None  # cannot tell: carry on, a write will say more
        if self._identity is None or self._fd is None:
            return None
        if (info.st_dev, info.st_ino) != self._identity:
            return "replaced"
        try:
            head = os.pread(self._fd, len(SQLITE_MAGIC), 0)
        except OSError:
            return None
        if head and head != SQLITE_MAGIC:
            return "overwritten"
        return None

    def close(self) -> None:
        """Give the descriptor back; call only once SQLite's connections to the file are
        closed, or their locks go with it."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
