"""Is a form post from the dashboard's own pages? The CSRF token and the Origin check.

A post counts only when its form carries the CSRF token of the sender's cookie AND its Origin
(or, when a browser sends none, its Referer) names the host the browser asked for. That host is
the request's Host header, port included, so the check holds on any port and under any name
(kiosk.local, an address). Behind a reverse proxy that rewrites Host, the proxy's
X-Forwarded-Host is used instead, but only when the dashboard was started with
--trust-forwarded-host: otherwise any client could send that header.

Browsers do not send Sec-Fetch-* headers to plain-HTTP sites, so they are not relied on.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

DEFAULT_PORTS = {"http": 80, "https": 443}


def expected_host(request: Request, *, trust_forwarded_host: bool) -> str:
    """host[:port] the browser addressed, lower case, default ports left out."""
    host = ""
    if trust_forwarded_host:
        host = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
    host = host or request.headers.get("host", "")
    scheme = request.url.scheme if request.url.scheme in DEFAULT_PORTS else None
    try:
        return _normal(host, scheme)
    except ValueError:
        return ""


def origin_problem(request: Request, *, trust_forwarded_host: bool) -> str | None:
    """None when the post comes from this site; else, in words, why it is refused."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        origin = request.headers.get("referer")
        if not origin:
            return "the browser did not say which page the form came from"
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        return "the form came from a page that is not on this dashboard"
    try:
        sender = _normal(parts.netloc, parts.scheme)
    except ValueError:
        return "the form came from a page that is not on this dashboard"
    wanted = expected_host(request, trust_forwarded_host=trust_forwarded_host)
    if not wanted or sender != wanted:
        return f"the form came from another site ({parts.scheme}://{parts.netloc})"
    return None


def token_matches(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(sent) and hmac.compare_digest(sent, expected)


def _normal(netloc: str, scheme: str | None) -> str:
    """Lower-case host[:port]; a scheme's default port is dropped (https://x:443 is x)."""
    netloc = netloc.rpartition("@")[2].strip().lower()
    host, port = netloc, ""
    if netloc.startswith("["):  # [::1]:8080
        end = netloc.find("]")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    elif netloc.count(":") == 1:
        host, port = netloc.split(":")
    if port and not port.isdigit():
        raise ValueError(f"not a port: {port!r}")
    if port and scheme is not None and int(port) == DEFAULT_PORTS[scheme]:
        port = ""
    return f"{host}:{port}" if port else host
