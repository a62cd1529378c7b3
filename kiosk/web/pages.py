"""The pages a caregiver reads: Today, Sessions, a session, Progress.

Each reads the log on a worker thread (a slow SD card never stalls the other requests) through
one short read-only connection. A log that cannot be read raises LogProblem, which the app
turns into a page saying so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kiosk.log import live
from kiosk.log import queries as q
from kiosk.walk.progression import suggest_for
from kiosk.web.chart import fault_spans, session_chart, session_end_ms, weekly_chart
from kiosk.web.filters import PAGE_SIZE, parse_filter
from kiosk.web.guard import Visit, page
from kiosk.web.log_access import SuggestionSource
from kiosk.web.templating import render

T = TypeVar("T")
PROGRESS_WEEKS = 12


async def read(visit: Visit, query: Callable[[sqlite3.Connection], T]) -> T:
    def run() -> T:
        with visit.dashboard.log.reading() as conn:
            return query(conn)

    return await run_in_threadpool(run)


@page
async def today(request: Request, visit: Visit) -> Response:
    dashboard = visit.dashboard
    now_ms, day = dashboard.now_ms(), dashboard.today()

    def query(conn: sqlite3.Connection) -> dict:
        return {
            "walk": live.open_walk(conn, now_ms),
            "walkers": live.walkers_today(conn, day, dashboard.tz),
            "last": live.last_session(conn),
        }

    context = await read(visit, query)
    return render(request, "today.html", {**context, "visit": visit, "title": "Today"})


@page
async def sessions(request: Request, visit: Visit) -> Response:
    chosen = parse_filter(request.query_params)

    def query(conn: sqlite3.Connection) -> dict:
        walkers = q.profiles(conn)
        if chosen.walker is not None and chosen.walker not in {w.id for w in walkers}:
            chosen.problems.append("That walker is not in the log; showing everyone.")
            chosen.walker = None
        listing = q.list_sessions(
            conn,
            profile_id=chosen.walker,
            since_ms=chosen.since_ms,
            until_ms=chosen.until_ms,
            page=chosen.page,
            page_size=PAGE_SIZE,
        )
        return {"walkers": walkers, "listing": listing}

    context = await read(visit, query)
    context.update(visit=visit, chosen=chosen, title="Sessions")
    return render(request, "sessions.html", context)


@page
async def session(request: Request, visit: Visit) -> Response:
    session_id: int = request.path_params["session_id"]
    detail = await read(visit, lambda conn: q.session_detail(conn, session_id))
    if detail is None:
        raise HTTPException(404, f"There is no session number {session_id} in the log.")
    end = session_end_ms(detail)
    reach = visit.dashboard.reach_mm()
    context = {
        "visit": visit,
        "title": f"Session {session_id}",
        "detail": detail,
        "s": detail.session,
        "chart": session_chart(detail, reach),
        "faults": fault_spans(detail.events, end),
        "reach_mm": reach,
    }
    return render(request, "session.html", context)


@page
async def progress(request: Request, visit: Visit) -> Response:
    dashboard = visit.dashboard
    now_ms, day = dashboard.now_ms(), dashboard.today()

    def query(conn: sqlite3.Connection) -> list[dict]:
        source = SuggestionSource(conn, now_ms)
        found = []
        for profile in q.profiles(conn):
            summary = q.weekly_summary(
                conn, profile.id, weeks=PROGRESS_WEEKS, today=day, tz=dashboard.tz
            )
            if summary is None:
                continue
            found.append(
                {
                    "summary": summary,
                    "chart": weekly_chart(summary),
                    "suggestion": suggest_for(source, profile.id),
                }
            )
        return found

    walkers = await read(visit, query)
    return render(
        request,
        "progress.html",
        {"visit": visit, "walkers": walkers, "title": "Progress", "weeks": PROGRESS_WEEKS},
    )
