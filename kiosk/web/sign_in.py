"""Signing in and out.

The sign-in form is the one page open to everyone. Its post is checked like every form (same
site, CSRF token of the visitor's cookie), then slowed down after failures (kiosk.web.throttle);
the right password replaces the visitor's cookie with a new session (new id, new CSRF token).
With no usable password file the page says how to set one, and nothing else happens.
"""

from __future__ import annotations

import math

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kiosk.web.credentials import MAX_PASSWORD, password_mark
from kiosk.web.dashboard import Dashboard
from kiosk.web.guard import Visit, dashboard_of, form, refused, signed_in_session
from kiosk.web.same_origin import origin_problem, token_matches
from kiosk.web.session_cookie import WebSession
from kiosk.web.templating import render


def safe_next(target: object) -> str:
    """Where to go after signing in: a path on this site only, never another site."""
    text = str(target or "")
    if (
        not text.startswith("/")
        or text.startswith(("//", "/\\"))
        or any(c in text for c in "\r\n\\")
    ):
        return "/"
    return text


async def sign_in_page(request: Request) -> Response:
    dashboard = dashboard_of(request)
    target = safe_next(request.query_params.get("next"))
    if signed_in_session(request, dashboard) is not None:
        return RedirectResponse(target, status_code=303)
    session = dashboard.cookies.read(request) or WebSession.anonymous()
    return _form(request, dashboard, session, target)


def _form(
    request: Request,
    dashboard: Dashboard,
    session: WebSession,
    target: str,
    *,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    state = dashboard.passwords.state()
    context = {
        "title": "Sign in",
        "visit": Visit(dashboard, session),
        "advice": None if state.usable else state.advice(),
        "message": message,
        "next": target,
    }
    response = render(request, "sign_in.html", context, status_code=status_code)
    dashboard.cookies.write(response, session)
    return response


async def sign_in(request: Request) -> Response:
    dashboard = dashboard_of(request)
    session = dashboard.cookies.read(request)
    refusal = origin_problem(request, trust_forwarded_host=dashboard.trust_forwarded_host)
    if refusal is not None:
        return refused(request, Visit(dashboard, session), refusal)
    data = await request.form()
    target = safe_next(data.get("next"))
    if session is None or not token_matches(data.get("csrf"), session.csrf):
        message = (
            "The sign-in form had expired (or this browser keeps no cookies for this site). "
            "It has been renewed: type the password again."
        )
        return _form(request, dashboard, WebSession.anonymous(), target, message=message,
                     status_code=400)  # fmt: skip
    return await _check_password(request, dashboard, session, data, target)


async def _check_password(
    request: Request, dashboard: Dashboard, session: WebSession, data: FormData, target: str
) -> Response:
    client = _client(request, dashboard)
    wait = dashboard.throttle.wait_s(client)
    if wait > 0:
        message = (
            f"Too many wrong passwords: wait {_seconds(wait)}, then try again. Nothing is "
            "locked: after the wait the right password works."
        )
        return _form(request, dashboard, session, target, message=message, status_code=429)
    state = dashboard.passwords.state()
    if state.hash is None:
        return _form(request, dashboard, session, target, status_code=503)
    password = str(data.get("password", ""))[: MAX_PASSWORD + 1]
    if not await run_in_threadpool(dashboard.passwords.verify, password):
        dashboard.throttle.failed(client)
        wait = dashboard.throttle.wait_s(client)
        message = f"That password is not right. The next try can be made in {_seconds(wait)}."
        return _form(request, dashboard, session, target, message=message, status_code=401)
    dashboard.throttle.succeeded(client)
    response = RedirectResponse(target, status_code=303)
    mark = password_mark(state.hash, dashboard.password_key)
    dashboard.cookies.write(response, WebSession.fresh_sign_in(mark))
    return response


@form
async def sign_out(request: Request, visit: Visit, data: FormData) -> Response:
    response = RedirectResponse("/login", status_code=303)
    visit.dashboard.cookies.clear(response)
    return response


def _client(request: Request, dashboard: Dashboard) -> str:
    if dashboard.trust_forwarded_host:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.client.host if request.client else "unknown"


def _seconds(wait: float) -> str:
    whole = max(1, math.ceil(wait))
    return "1 second" if whole == 1 else f"{whole} seconds"
