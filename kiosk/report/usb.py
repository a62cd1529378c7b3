"""The reports the kiosk puts on a USB stick beside the CSV: one PDF per walker, last 3 months.

The figures of every walker are read in one go while the log is held; the pages are drawn
afterwards, one file at a time, by the export (which owns the stick and its safety rules).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, BinaryIO

from kiosk.log import queries as q
from kiosk.report.document import render
from kiosk.report.figures import gather

if TYPE_CHECKING:
    from kiosk.log.store import SessionStore

MONTHS_ON_THE_STICK = 3


def reports_for_usb(
    store: SessionStore, today: date
) -> list[tuple[str, Callable[[BinaryIO], object]]]:
    """(file name ending in .pdf, writer) for each walker's report of the last three months."""
    first = months_back(today, MONTHS_ON_THE_STICK)
    now_ms = store.now_ms()
    with store.reading() as conn:
        every = [gather(conn, p, first, today, now_ms=now_ms) for p in q.profiles(conn)]
    return [
        (report_file_name(f.profile), functools.partial(render, f))
        for f in sorted(every, key=lambda f: f.profile.id)
    ]


def months_back(today: date, months: int) -> date:
    """The first day of the ``months`` months that end today: 25 Nov gives 26 Aug for 3."""
    month = today.month - months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in range(today.day, 0, -1):  # 31 May, 3 months back: there is no 31 Feb
        try:
            return date(year, month, day) + timedelta(days=1)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 1st")


def report_file_name(profile: q.Profile) -> str:
    """A name any stick's file system takes: the walker's ID, and the name in plain letters
    (accents dropped, anything else left out), e.g. "report-3-Zoe.pdf"."""
    plain = unicodedata.normalize("NFKD", profile.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:30]
    return f"report-{profile.id}-{slug}.pdf" if slug else f"report-{profile.id}.pdf"
