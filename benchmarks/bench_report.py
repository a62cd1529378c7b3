"""The clinician's PDF at scale: a year's report for one walker in a log of 100,000 sessions and
1,000,000 events (the store benchmark's log), from the read to the last byte of the PDF.

Target 2 s on this machine (a Pi core is 4-6 times slower, where the kiosk makes three months
per walker for the USB stick). The fonts are registered before timing: a process does it once.
"""

from __future__ import annotations

import io
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.bench_store import EVENTS, SESSIONS, START_MS, build, report, timed
from kiosk.log import queries as q
from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder
from kiosk.report import fonts, write_report

TARGET_S = 2.0
WALKER = 7


def run(sessions: int = SESSIONS, events: int = EVENTS) -> None:
    """Build the log, then time a year's report for one walker, written to memory."""
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        path = DataFolder(Path(tmp)).sessions_db
        t0 = time.perf_counter()
        build(path, sessions, events)
        print(
            f"built {sessions:,} sessions, {events:,} events in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        fonts.register()
        store = SessionStore.open(path)
        try:
            first = date.fromtimestamp(START_MS / 1000) + timedelta(days=400)
            last = first + timedelta(days=364)
            out = io.BytesIO()

            def year_report() -> None:
                out.seek(0)
                out.truncate()
                with store.reading() as conn:
                    profile = q.profile_by_id(conn, WALKER)
                    written.append(write_report(conn, profile, first, last, out))

            written: list = []
            report("PDF report: one walker, one year", timed(year_report, 3), TARGET_S)
            last_one = written[-1]
            print(
                f"  ({last_one.figures.sessions:,} sessions, {last_one.pages} pages, "
                f"{len(out.getvalue()) / 1e3:.0f} kB)",
                flush=True,
            )
        finally:
            store.close()
