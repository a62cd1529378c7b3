"""The pages' templates (package data, escaped by default) and the words for times and numbers."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kiosk.log.queries import local_time
from kiosk.vocabulary import ENDING_LABELS, EVENT_LABELS

NAVIGATION = (
    ("today", "/", "Today"),
    ("sessions", "/sessions", "Sessions"),
    ("progress", "/progress", "Progress"),
    ("walkers", "/walkers", "Walkers and goals"),
    ("export", "/export", "Export"),
    ("facility", "/facility", "Facility"),
)

SECURITY_HEADERS = {
    # Everything comes from this dashboard; nothing runs but its own files; no framing.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kiosk.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        when=when,
        clock=clock,
        day=day,
        minutes=minutes,
        duration=duration,
        ending=ending,
        event_label=event_label,
        kiosk_time=kiosk_time,
        ago=ago,
    )
    env.globals["navigation"] = NAVIGATION
    return env


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    html = environment().get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def when(ms: int | None) -> str:
    """E.g. 'Mon 3 Mar 2025, 14:05'."""
    if ms is None:
        return ""
    t = local_time(ms)
    return f"{t:%a} {t.day} {t:%b %Y}, {t:%H:%M}"


def clock(ms: int | None) -> str:
    return "" if ms is None else f"{local_time(ms):%H:%M:%S}"


def day(value: datetime | Any) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def minutes(value: float) -> str:
    return f"{value:.0f} min" if value >= 10 else f"{value:.1f} min"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def ending(ended_how: str | None) -> str:
    return "still open" if ended_how is None else ENDING_LABELS.get(ended_how, ended_how)


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


def kiosk_time(iso: str) -> str:
    """A kiosk's own ISO 8601 time as 'Mon 3 Mar 2025, 14:05:09'; odd text is shown as sent."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{t:%a} {t.day} {t:%b %Y}, {t:%H:%M:%S}"


def ago(seconds: float) -> str:
    if seconds < 60:
        return "just now" if seconds < 5 else f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    return f"{seconds // 3600:.0f} h ago"
