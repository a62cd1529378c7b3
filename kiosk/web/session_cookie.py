"""The browser's sign-in: a signed cookie, rotated at sign-in, ended by a new password.

The cookie holds a random session id, the CSRF token of the forms, whether it is signed in, and
a mark of the password it was signed in with. It is signed with the key kept in the data folder
(so an update or a restart keeps everyone signed in) and stamped with the time it was signed;
a cookie older than MAX_AGE_S, one signed with another key, or one whose password mark no
longer matches the saved password counts as no cookie. Signing in always starts a new session
id and a new CSRF token, so a cookie planted before the sign-in is worth nothing after it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "balance_kiosk"
SECURE_COOKIE = "__Host-balance_kiosk"  # over TLS: Secure, whole site, no Domain
MAX_AGE_S = 30 * 86_400
RESIGN_AFTER_S = 86_400  # a signed-in cookie is renewed once a day while it is used


@dataclass(frozen=True)
class WebSession:
    sid: str
    csrf: str
    signed_in: bool
    password_mark: str = ""
    age_s: float = 0.0

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(secrets.token_urlsafe(18), secrets.token_urlsafe(24), False)

    @classmethod
    def fresh_sign_in(cls, password_mark: str) -> WebSession:
        """A new id and CSRF token: nothing of the cookie used before the sign-in carries over."""
        return cls(secrets.token_urlsafe(18), secrets.token_urlsafe(24), True, password_mark)


class CookieJar:
    """Reads and writes the session cookie."""

    def __init__(self, key: bytes, *, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="balance-kiosk-web-session")
        self.secure = secure
        self.name = SECURE_COOKIE if secure else COOKIE

    def read(self, request: Request) -> WebSession | None:
        raw = request.cookies.get(self.name)
        if not raw or len(raw) > 4096:
            return None
        try:
            data, signed_at = self._serializer.loads(raw, max_age=MAX_AGE_S, return_timestamp=True)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(data, dict):
            return None
        try:
            session = WebSession(
                sid=str(data["sid"]),
                csrf=str(data["csrf"]),
                signed_in=bool(data["in"]),
                password_mark=str(data.get("pw", "")),
            )
        except KeyError:
            return None
        age = max(0.0, time.time() - signed_at.timestamp())
        return replace(session, age_s=age)

    def write(self, response: Response, session: WebSession) -> None:
        value = self._serializer.dumps(
            {"sid": session.sid, "csrf": session.csrf, "in": session.signed_in,
             "pw": session.password_mark}
        )  # fmt: skip
        response.set_cookie(
            self.name,
            value,
            max_age=MAX_AGE_S if session.signed_in else None,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="strict",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            self.name, path="/", secure=self.secure, httponly=True, samesite="strict"
        )
