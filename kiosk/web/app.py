"""The dashboard's Starlette application: its routes, and what a failure looks like.

`create_app(dashboard)` takes every collaborator in the Dashboard (the log, the password and
token files, the cookie key, the clock), so tests build it over a temporary folder and the
command line over the kiosk's. A new page is a handler in its own module and one Route here.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.web import (
    api,
    export_page,
    facility_page,
    pages,
    report_page,
    sign_in,
    walkers_page,
)
from kiosk.web.dashboard import Dashboard
from kiosk.web.guard import Visit, dashboard_of, signed_in_session
from kiosk.web.log_access import LogProblem
from kiosk.web.templating import render

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # forms here are a few fields


def routes() -> list:
    return [
        Route("/login", sign_in.sign_in_page, methods=["GET"]),
        Route("/login", sign_in.sign_in, methods=["POST"]),
        Route("/logout", sign_in.sign_out, methods=["POST"]),
        Route("/", pages.today),
        Route("/sessions", pages.sessions),
        Route("/sessions/{session_id:int}", pages.session),
        Route("/progress", pages.progress),
        Route("/walkers", walkers_page.walkers, methods=["GET"]),
        Route("/walkers/add", walkers_page.add_walker, methods=["POST"]),
        Route("/walkers/{walker_id:int}/rename", walkers_page.rename_walker, methods=["POST"]),
        Route("/walkers/{walker_id:int}/goal", walkers_page.set_goal, methods=["POST"]),
        Route("/export", export_page.export_form),
        Route("/export/{name}", export_page.download),
        Route("/report.pdf", report_page.report),
        Route("/facility", facility_page.facility),
        Route("/api/status", api.status),
        Route("/api/sessions", api.sessions),
        Route("/api/sessions/{session_id:int}", api.session),
        Route("/api/walkers", api.walkers),
        Mount("/static", StaticFiles(packages=[("kiosk.web", "static")]), name="static"),
    ]


def create_app(dashboard: Dashboard) -> Starlette:
    app = Starlette(
        routes=routes(),
        exception_handlers={
            HTTPException: _http_error,
            LogProblem: _log_problem,
            Exception: _unexpected,
        },
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.dashboard = dashboard
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _visit(request: Request) -> Visit:
    dashboard = dashboard_of(request)
    return Visit(dashboard, signed_in_session(request, dashboard))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    status = error.status_code
    if status == 404 and error.detail == "Not Found":
        detail = "There is no such page on this dashboard."
    else:
        detail = str(error.detail)
    if _wants_json(request):
        return JSONResponse({"error": detail}, status_code=status)
    context = {"visit": _visit(request), "title": "Not found", "message": detail}
    return render(request, "problem.html", context, status_code=status)


async def _log_problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, LogProblem)
    if _wants_json(request):
        return JSONResponse({"error": str(error)}, status_code=error.status)
    context = {"visit": _visit(request), "title": "The session log", "message": str(error)}
    return render(request, "problem.html", context, status_code=error.status)


async def _unexpected(request: Request, error: Exception) -> Response:
    logger.exception("the dashboard failed on %s", request.url.path, exc_info=error)
    message = "Something went wrong on the dashboard. Try again; the kiosk itself is not affected."
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=500)
    context = {"visit": Visit(dashboard_of(request), None), "title": "Error", "message": message}
    return render(request, "problem.html", context, status_code=500)
