"""The JSON API under /api/, for scripts (bearer token) and the signed-in browser (cookie).

Sessions are described with the JSON export's own records (kiosk.log.export.session_record), so
a script reads the same fields from the API as from an exported file.
"""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kiosk.log import live
from kiosk.log import queries as q
from kiosk.log.export import iso, session_record
from kiosk.web.filters import PAGE_SIZE, parse_filter
from kiosk.web.guard import Visit, api
from kiosk.web.pages import read


def _profile(p: q.Profile) -> dict:
    return {"id": p.id, "name": p.name, "goal_minutes": p.goal_minutes, "goal_days": p.goal_days}


@api
async def status(request: Request, visit: Visit) -> Response:
    dashboard = visit.dashboard
    now_ms, day = dashboard.now_ms(), dashboard.today()

    def query(conn: sqlite3.Connection) -> dict:
        walk = live.open_walk(conn, now_ms)
        return {
            "walking_now": None if walk is None else _walk(walk),
            "walkers": [
                {
                    **_profile(d.profile),
                    "sessions_today": d.sessions_today,
                    "minutes_today": round(d.minutes_today, 1),
                    "minutes_this_week": round(d.week.minutes_walked, 1),
                    "days_at_goal_this_week": d.week.days_at_goal,
                    "week_goal_met": d.week.goal_met,
                }
                for d in live.walkers_today(conn, day, dashboard.tz)
            ],
        }

    return JSONResponse(await read(visit, query))


def _walk(walk: live.OpenWalk) -> dict:
    return {
        "session_id": walk.session_id,
        "walker": walk.walker,
        "started": iso(walk.started_at),
        "last_written": iso(walk.last_written_at),
        "left_open": walk.stale,
        "out_of_reach": walk.out_of_reach,
        "sensor_problem": walk.sensor_problem,
        "paused": walk.paused,
        "help_called": walk.help_called,
    }


@api
async def sessions(request: Request, visit: Visit) -> Response:
    chosen = parse_filter(request.query_params)
    if chosen.problems:
        return JSONResponse({"error": " ".join(chosen.problems)}, status_code=400)

    def query(conn: sqlite3.Connection) -> q.SessionPage:
        return q.list_sessions(
            conn,
            profile_id=chosen.walker,
            since_ms=chosen.since_ms,
            until_ms=chosen.until_ms,
            page=chosen.page,
            page_size=PAGE_SIZE,
        )

    listing = await read(visit, query)
    return JSONResponse(
        {
            "page": listing.page,
            "page_size": listing.page_size,
            "has_more": listing.has_more,
            "sessions": [session_record(s) for s in listing.sessions],
        }
    )


@api
async def session(request: Request, visit: Visit) -> Response:
    session_id = request.path_params["session_id"]
    detail = await read(visit, lambda conn: q.session_detail(conn, session_id))
    if detail is None:
        return JSONResponse({"error": f"no session {session_id}"}, status_code=404)
    start = detail.session.started_at
    record = session_record(detail.session)
    record["events"] = [
        {
            "time": iso(e.t),
            "seconds_into_session": round((e.t - start) / 1000, 1),
            "kind": e.kind,
            "detail": e.detail,
            "distance_mm": e.distance_mm,
        }
        for e in detail.events
    ]
    record["out_of_reach"] = [
        {"from": iso(a), "to": iso(b), "seconds": round((b - a) / 1000, 1)}
        for a, b in detail.alarm_spans
    ]
    record["samples"] = [[round((s.t - start) / 1000, 2), s.distance_mm] for s in detail.samples]
    return JSONResponse(record)


@api
async def walkers(request: Request, visit: Visit) -> Response:
    profiles = await read(visit, q.profiles)
    return JSONResponse({"walkers": [_profile(p) for p in profiles]})
