"""Who may see what: every route is wrapped by one of `page`, `api` or `form`.

* `page`: a signed-in browser; anyone else is sent to the sign-in page (303).
* `api`: a signed-in browser or a script with the bearer token; anyone else gets 401 in JSON.
* `form`: a post from a signed-in browser, from this site's own page (Origin or Referer) and
  with the form's CSRF token; anything else is refused (403) and changes nothing.

The sign-in page and the static files are the only routes without a wrapper; a test walks the
router and checks that every other route refuses a stranger.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from kiosk.web.credentials import password_mark
from kiosk.web.dashboard import Dashboard
from kiosk.web.same_origin import origin_problem, token_matches
from kiosk.web.session_cookie import RESIGN_AFTER_S, WebSession
from kiosk.web.templating import render

PUBLIC_ROUTES = frozenset({"/login", "/static"})


@dataclass(frozen=True)
class Visit:
    """A request that passed its guard: the dashboard, and the browser's session if any."""

    dashboard: Dashboard
    session: WebSession | None  # None for a script with the bearer token

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""


PageHandler = Callable[[Request, Visit], Awaitable[Response]]
FormHandler = Callable[[Request, Visit, FormData], Awaitable[Response]]


def dashboard_of(request: Request) -> Dashboard:
    return request.app.state.dashboard


def signed_in_session(request: Request, dashboard: Dashboard) -> WebSession | None:
    """The browser's session when it is signed in with the password saved now."""
    session = dashboard.cookies.read(request)
    if session is None or not session.signed_in:
        return None
    state = dashboard.passwords.state()
    if state.hash is None:
        return None
    mark = password_mark(state.hash, dashboard.password_key)
    return session if hmac.compare_digest(session.password_mark, mark) else None


def _bearer_accepted(request: Request, dashboard: Dashboard) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and dashboard.tokens.accepts(token.strip())


def _to_sign_in(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _renewed(response: Response, dashboard: Dashboard, session: WebSession | None) -> Response:
    if session is not None and session.age_s > RESIGN_AFTER_S:
        dashboard.cookies.write(response, session)
    return response


def page(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        dashboard = dashboard_of(request)
        session = signed_in_session(request, dashboard)
        if session is None:
            if _bearer_accepted(request, dashboard):  # a script downloading an export
                return await handler(request, Visit(dashboard, None))
            return _to_sign_in(request)
        return _renewed(await handler(request, Visit(dashboard, session)), dashboard, session)

    return guarded


def api(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        dashboard = dashboard_of(request)
        session = signed_in_session(request, dashboard)
        if session is None and not _bearer_accepted(request, dashboard):
            return JSONResponse(
                {
                    "error": "sign in first: send the session cookie, or the header "
                    "'Authorization: Bearer TOKEN' with a token from "
                    "'balance-kiosk web token'"
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="balance-kiosk"'},
            )
        return await handler(request, Visit(dashboard, session))

    return guarded


def form(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        dashboard = dashboard_of(request)
        session = signed_in_session(request, dashboard)
        if session is None:
            return _to_sign_in(request)
        refusal = origin_problem(request, trust_forwarded_host=dashboard.trust_forwarded_host)
        data = await request.form() if refusal is None else None
        if data is not None and not token_matches(data.get("csrf"), session.csrf):
            refusal = "the form is out of date (it was opened before the last sign-in)"
        if refusal is not None or data is None:
            return refused(request, Visit(dashboard, session), refusal or "")
        return await handler(request, Visit(dashboard, session), data)

    return guarded


def refused(request: Request, visit: Visit, reason: str) -> Response:
    """403: a post that did not come from this dashboard's own page; nothing was changed."""
    return render(
        request,
        "refused.html",
        {"reason": reason, "visit": visit, "title": "Not done"},
        status_code=403,
    )
