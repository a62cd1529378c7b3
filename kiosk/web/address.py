"""Where the dashboard can be reached: this machine's addresses, and its port and scheme.

The dashboard's options live in /etc/balance-kiosk/web.env (the installer writes
`WEB_OPTIONS=--port 8080`, or `--port 8443 --tls`); without that file, the command's defaults.
The kiosk's caregiver screen shows these addresses, and its broker state carries the first
one so that a facility's dashboard can link to it. Nothing here imports the web server.
"""

from __future__ import annotations

import fcntl
import logging
import shlex
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

WEB_ENV = Path("/etc/balance-kiosk/web.env")
DEFAULT_PORT = 8080
SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address


@dataclass(frozen=True)
class DashboardOptions:
    port: int = DEFAULT_PORT
    tls: bool = False
    installed: bool = False  # web.env exists: the installer set the dashboard up

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def urls(self, addresses: list[str]) -> list[str]:
        return [f"{self.scheme}://{address}:{self.port}/" for address in addresses]


def read_options(path: Path | None = None) -> DashboardOptions:
    """The port and TLS from web.env's WEB_OPTIONS; the defaults when it is missing or odd."""
    path = path or WEB_ENV
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return DashboardOptions()
    except (OSError, UnicodeDecodeError) as error:
        log.warning("cannot read %s (%s); showing the dashboard's default port", path, error)
        return DashboardOptions()
    words: list[str] = []
    for line in text.splitlines():
        name, _, value = line.strip().partition("=")
        if name == "WEB_OPTIONS":
            try:
                words = shlex.split(value)
            except ValueError:
                log.warning("%s: WEB_OPTIONS cannot be read; showing the default port", path)
    return _options_from(words)


def _options_from(words: list[str]) -> DashboardOptions:
    port, tls = DEFAULT_PORT, "--tls" in words
    for i, word in enumerate(words):
        if word.startswith("--port="):
            text = word.split("=", 1)[1]
        elif word == "--port" and i + 1 < len(words):
            text = words[i + 1]
        else:
            continue
        if text.isdigit() and 0 < int(text) < 65536:
            port = int(text)
    return DashboardOptions(port=port, tls=tls, installed=True)


def local_addresses() -> list[str]:
    """This machine's IPv4 addresses on its network interfaces, loopback left out."""
    found: list[str] = []
    try:
        interfaces = socket.if_nameindex()
    except OSError:
        return found
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in interfaces:
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)
            except OSError:  # down, or no IPv4 address
                continue
            address = socket.inet_ntoa(answer[20:24])
            if not address.startswith("127.") and address not in found:
                found.append(address)
    return found


def dashboard_url(options: DashboardOptions | None = None) -> str | None:
    """The first address the dashboard answers on, when the installer set it up."""
    options = options or read_options()
    if not options.installed:
        return None
    urls = options.urls(local_addresses())
    return urls[0] if urls else None
