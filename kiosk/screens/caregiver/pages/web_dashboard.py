"""Web dashboard: where to open it, its TLS fingerprint, and a button to set its password.

The addresses are this kiosk's own on the network, with the port (and http or https) from the
dashboard's options (/etc/balance-kiosk/web.env) or its defaults. The fingerprint is the one a
browser shows the first time it opens the dashboard over HTTPS, to compare with this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from kiosk.screens.caregiver.page import Page, draw_title, small_body_px
from kiosk.screens.caregiver.pages.web_password import WebPasswordPage
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

REFRESH_S = 5.0  # addresses and files are looked at again this often while the page is open


@dataclass(frozen=True)
class DashboardInfo:
    urls: list[str]
    installed: bool
    password_set: bool
    fingerprint: str | None  # SHA-256, as AB:CD:...; None without a certificate


def read_info(area: CaregiverArea) -> DashboardInfo:
    tools = area.tools
    options = tools.dashboard_options()
    return DashboardInfo(
        urls=options.urls(tools.addresses()),
        installed=options.installed,
        password_set=_password_set(area),
        fingerprint=_fingerprint(area),
    )


def _password_set(area: CaregiverArea) -> bool:
    from kiosk.web.credentials import PasswordFile

    path = area.tools.web_password
    return path is not None and PasswordFile(path).state().usable


def _fingerprint(area: CaregiverArea) -> str | None:
    path = area.tools.web_certificate
    if path is None or not path.exists():
        return None
    from kiosk.web.tls import fingerprint

    try:
        return fingerprint(path)
    except (OSError, ValueError) as error:
        return f"cannot be read ({error}); 'balance-kiosk web certificate' makes a new one"


def grouped(fingerprint: str, per_line: int = 8) -> str:
    """The fingerprint in groups of `per_line` bytes, so that it wraps on a small screen."""
    pairs = fingerprint.split(":")
    if len(pairs) < per_line:
        return fingerprint
    return " ".join(":".join(pairs[i : i + per_line]) for i in range(0, len(pairs), per_line))


def lines_for(info: DashboardInfo) -> list[str]:
    """What the page says, a paragraph a line."""
    if info.urls:
        lines = ["Open on a phone or computer on this network: " + "  ".join(info.urls)]
    else:
        lines = ["This kiosk has no network address now: connect it to Wi-Fi or a cable."]
    if not info.installed:
        lines.append("(Not set up on this kiosk yet: sudo systemd/install.sh --web)")
    lines.append("Password: " + ("set." if info.password_set else "not set yet."))
    if info.fingerprint:
        lines.append("TLS fingerprint (SHA-256): " + grouped(info.fingerprint))
    return lines


class WebDashboardPage(Page):
    name = "web"

    def __init__(self) -> None:
        self._info: DashboardInfo | None = None
        self._read_at = 0.0

    def on_set_password(self, area: CaregiverArea, _: str) -> None:
        area.pages_by_type(WebPasswordPage).start(area)

    def info(self, area: CaregiverArea) -> DashboardInfo:
        now = area.tools.clock()
        if self._info is None or now - self._read_at >= REFRESH_S or now < self._read_at:
            self._info, self._read_at = read_info(area), now
        return self._info

    def forget(self) -> None:
        """Read everything again at the next frame (after the password changed)."""
        self._info = None

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        y = draw_title(surface, layout, "Web dashboard") + 2 * layout.body_px
        rows = layout.button_row(2)
        size = small_body_px(layout)
        for line in lines_for(self.info(area)):
            room = pygame.Rect(content.left, y, content.width, rows[0].top - y)
            y = draw_text(surface, line, room, size) + layout.gap // 2
        return [
            Button(rows[0], "Back", "page:menu"),
            Button(rows[1], "Set the web password", "set_password", "go"),
        ]
