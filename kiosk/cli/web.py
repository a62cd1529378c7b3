"""`balance-kiosk web`: the caregivers' dashboard on the local network, a process of its own.

    balance-kiosk web [--host H] [--port 8080] [--tls] [--trust-forwarded-host]
    balance-kiosk web set-password      choose the dashboard's password (at the console)
    balance-kiosk web token [--revoke]  a bearer token for scripts using /api/
    balance-kiosk web certificate       make the TLS certificate if missing; show its fingerprint

The safety loop never serves HTTP: this command runs beside the kiosk (its own systemd unit)
and reads the same session log. Exit codes: 0 done, 1 it cannot listen or save, 2 a refused
password or option.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from kiosk.cli.options import add_command
from kiosk.paths import DataFolder

PROG = "balance-kiosk web"
DEFAULT_PORT = 8080

logger = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands,
        "web",
        help="the caregivers' dashboard on the local network",
        description="Serve the caregivers' dashboard: sessions, progress, walkers and exports, "
        "for a phone or a computer on the local network.",
    )
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help="default 8080")
    parser.add_argument(
        "--tls", action="store_true", help="HTTPS with the dashboard's self-signed certificate"
    )
    parser.add_argument(
        "--trust-forwarded-host",
        action="store_true",
        help="behind a reverse proxy: take the host and client from X-Forwarded-Host/-For",
    )
    parser.set_defaults(handler=run_dashboard)
    web_commands = parser.add_subparsers(dest="web_command", metavar="COMMAND")
    password = add_command(web_commands, "set-password", help="choose the dashboard's password")
    password.set_defaults(handler=set_password)
    token = add_command(web_commands, "token", help="print a new bearer token for /api/")
    token.add_argument("--revoke", action="store_true", help="forget the token instead")
    token.set_defaults(handler=bearer_token)
    certificate = add_command(
        web_commands, "certificate", help="make the TLS certificate if missing; show it"
    )
    certificate.set_defaults(handler=certificate_info)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def run_dashboard(args: argparse.Namespace) -> int:
    from kiosk.web.server import ServeError, open_socket, serve

    folder = DataFolder.choose(args.data_dir).create()
    certificate = _certificate(folder) if args.tls else None
    try:
        sock = open_socket(args.host, args.port)
    except ServeError as error:
        return _fail(str(error), 1)
    app, dashboard = _build(args, folder)
    scheme = "https" if args.tls else "http"
    shown = "THIS-MACHINE" if args.host in ("0.0.0.0", "::") else args.host
    if certificate is not None:
        print(f"TLS certificate fingerprint (SHA-256): {certificate.fingerprint}", flush=True)
    state = dashboard.passwords.state()
    if not state.usable:
        print(f"Note: {state.advice()}", flush=True)
    port = sock.getsockname()[1]  # --port 0: a free port, chosen by the system
    print(f"Balance kiosk dashboard: {scheme}://{shown}:{port}/", flush=True)
    try:
        serve(app, sock, certfile=certificate.cert if certificate else None,
              keyfile=certificate.key if certificate else None)  # fmt: skip
    finally:
        if dashboard.facility is not None:
            dashboard.facility.stop()
    return 0


def _build(args: argparse.Namespace, folder: DataFolder):
    from kiosk.web.app import create_app
    from kiosk.web.dashboard import Dashboard

    facility, problem = _facility(args, folder)
    dashboard = Dashboard.for_folder(
        folder,
        secure_cookies=args.tls,
        reach_mm=_reach_reader(args, folder),
        trust_forwarded_host=args.trust_forwarded_host,
        facility=facility,
        facility_problem=problem,
    )
    return create_app(dashboard), dashboard


def _facility(args: argparse.Namespace, folder: DataFolder):
    """The broker listener for the Facility page, started; (None, None) without mqtt.host,
    (None, why) when its settings cannot be used (the page says so; the rest still works)."""
    from kiosk.link.mqtt import LinkSetupError
    from kiosk.settings import ConfigError, load_with_overrides
    from kiosk.web.facility import BrokerPlace, FacilityWatch

    try:
        settings = load_with_overrides(args.config, folder.settings_overrides)
        if not settings["mqtt.host"]:
            return None, None
        return FacilityWatch(BrokerPlace.from_settings(settings)).start(), None
    except (ConfigError, LinkSetupError, OSError) as error:
        print(f"{PROG}: the Facility page is off: {error}", file=sys.stderr, flush=True)
        return None, str(error)


def _reach_reader(args: argparse.Namespace, folder: DataFolder):
    """The reach line as the kiosk uses it now (its settings and the caregiver's changes)."""
    from kiosk.settings import ConfigError, load_with_overrides

    def reach_mm() -> int:
        try:
            settings = load_with_overrides(args.config, folder.settings_overrides)
            return int(settings["safety.reach_mm"])
        except (ConfigError, OSError) as error:
            logger.warning("cannot read the settings for the chart's reach line: %s", error)
            return 600

    return reach_mm


def _certificate(folder: DataFolder):
    from kiosk.web.tls import ensure_certificate

    made = ensure_certificate(folder.web_certificate, folder.web_certificate_key)
    if made.made_now:
        print(f"Made a self-signed TLS certificate: {made.cert}", flush=True)
    return made


def certificate_info(args: argparse.Namespace) -> int:
    made = _certificate(DataFolder.choose(args.data_dir).create())
    print(f"TLS certificate fingerprint (SHA-256): {made.fingerprint}")
    print("Compare it with the one your browser shows the first time it opens the dashboard.")
    return 0


def set_password(args: argparse.Namespace) -> int:
    from kiosk.web.credentials import PasswordFile, PasswordRefused

    folder = DataFolder.choose(args.data_dir).create()
    try:
        password = _read_password()
        PasswordFile(folder.web_password).set(password)
    except PasswordRefused as refusal:
        return _fail(f"{refusal}; nothing was changed", 2)
    except OSError as error:
        return _fail(f"could not save the password in {folder.path}: {error.strerror or error}", 1)
    print(
        "Dashboard password set. Anyone signed in with an earlier password is signed out; "
        "sign in again with this one."
    )
    return 0


def _read_password() -> str:
    from kiosk.web.credentials import PasswordRefused, check_new_password

    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise PasswordRefused(
                f"no password on standard input: type it in a terminal, or pipe it in "
                f"(echo 'a long password' | {PROG} set-password)"
            )
        return line
    try:
        first = getpass.getpass("New dashboard password (at least 8 characters): ")
        check_new_password(first)
        second = getpass.getpass("The same password again: ")
    except EOFError:
        raise PasswordRefused("no password was typed") from None
    if first != second:
        raise PasswordRefused("the two passwords differ")
    return first


def bearer_token(args: argparse.Namespace) -> int:
    from kiosk.web.credentials import TokenFile

    folder = DataFolder.choose(args.data_dir)
    tokens = TokenFile(folder.web_token)
    if args.revoke:
        gone = tokens.revoke()
        print("The token was revoked: scripts using it are refused now." if gone
              else "There was no token to revoke.")  # fmt: skip
        return 0
    token = tokens.issue() if folder.create() else ""
    print(token)
    print(
        "Send it as the header 'Authorization: Bearer TOKEN' to /api/... (any earlier token "
        "no longer works; 'balance-kiosk web token --revoke' ends this one).",
        file=sys.stderr,
    )
    return 0


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code
