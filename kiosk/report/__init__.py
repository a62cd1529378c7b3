"""The clinician's report: one walker, one period, as a PDF of at most a page per month.

``write_report`` reads the figures from the session log (``figures.gather``), lets the log go,
and draws the pages (``document.render``). Given a path it writes the file atomically: a
temporary file beside it, renamed into place when complete, so a crash never leaves half a PDF.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import BinaryIO

from kiosk.log.queries import Profile
from kiosk.report.document import page_limit, render
from kiosk.report.figures import ReportFigures, gather

__all__ = ["Report", "ReportFigures", "gather", "page_limit", "render", "write_report"]


@dataclass(frozen=True)
class Report:
    """What was written: the figures it holds and its number of pages."""

    figures: ReportFigures
    pages: int


def write_report(
    conn: sqlite3.Connection,
    profile: Profile,
    first: date,
    last: date,
    out: str | os.PathLike[str] | BinaryIO,
    *,
    tz: tzinfo | None = None,
    now_ms: int | None = None,
) -> Report:
    """Write ``profile``'s report for ``first`` to ``last`` (local days, both included) to a
    path or a binary stream. OSError when a path cannot be written (nothing is left behind
    then)."""
    figures = gather(conn, profile, first, last, tz=tz, now_ms=now_ms)
    pages: list[int] = []
    if isinstance(out, str | os.PathLike):
        write_atomically(Path(out), lambda stream: pages.append(render(figures, stream)))
    else:
        pages.append(render(figures, out))
    return Report(figures, pages[0])


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write(stream)`` into a temporary file beside ``path``, then rename it to ``path``."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # as an ordinary new file would be
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
