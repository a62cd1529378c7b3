"""The clinician's PDF from the dashboard: one walker, a period, the same file as
`balance-kiosk logs report` makes (kiosk.report)."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kiosk.log import queries as q
from kiosk.web.filters import parse_filter
from kiosk.web.guard import Visit, page
from kiosk.web.pages import read

DEFAULT_DAYS = 91  # about three months, as the USB export's reports
LONGEST_DAYS = 366 * 5


def report_period(
    params_from: date | None, params_to: date | None, today: date
) -> tuple[date, date]:
    last = params_to or today
    first = params_from or last - timedelta(days=DEFAULT_DAYS - 1)
    return first, last


@page
async def report(request: Request, visit: Visit) -> Response:
    chosen = parse_filter(request.query_params)
    if chosen.problems:
        raise HTTPException(400, " ".join(chosen.problems))
    if chosen.walker is None:
        raise HTTPException(400, "Choose a walker for the report on the Export page.")
    first, last = report_period(chosen.since, chosen.until, visit.dashboard.today())
    if (last - first).days >= LONGEST_DAYS:
        raise HTTPException(400, "A report covers at most five years: choose a shorter period.")
    now_ms = visit.dashboard.now_ms()

    def make(conn: sqlite3.Connection) -> tuple[str, bytes] | None:
        from kiosk.report import write_report  # reportlab: loaded when a report is asked for

        walker = q.profile_by_id(conn, chosen.walker or 0)
        if walker is None:
            return None
        out = io.BytesIO()
        write_report(conn, walker, first, last, out, tz=visit.dashboard.tz, now_ms=now_ms)
        return walker.name, out.getvalue()

    made = await read(visit, make)
    if made is None:
        raise HTTPException(404, "There is no such walker: choose one on the Export page.")
    pdf = made[1]
    filename = f"balance-kiosk-report-{chosen.walker}-{first.isoformat()}-{last.isoformat()}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
