"""`balance-kiosk web` and its subcommands as a caregiver or an installer runs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fakes import run_cli, run_cli_on_a_terminal

from kiosk.log.store import SessionStore
from kiosk.web.credentials import PasswordFile
from kiosk.web.tls import fingerprint


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    SessionStore.open(folder / "sessions.db").close()
    return folder


def test_set_password_from_standard_input(data):
    done = run_cli("web", "set-password", "--data-dir", data, input="a long enough password\n")
    assert done.returncode == 0 and "Dashboard password set" in done.stdout
    path = data / "web_password.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert PasswordFile(path).verify("a long enough password")
    assert not PasswordFile(path).verify("another password")


@pytest.mark.parametrize(
    ("given", "said"),
    [("short\n", "at least 8 characters"), ("", "no password on standard input")],
)
def test_a_refused_password_changes_nothing(data, given, said):
    done = run_cli("web", "set-password", "--data-dir", data, input=given)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
    assert not (data / "web_password.json").exists()


def test_set_password_on_a_terminal_asks_twice(data):
    code, shown = run_cli_on_a_terminal(
        "web", "set-password", "--data-dir", data, typed=["kitchen rail 7", "kitchen rail 7"]
    )
    assert code == 0 and "password set" in shown
    code, shown = run_cli_on_a_terminal(
        "web", "set-password", "--data-dir", data, typed=["kitchen rail 8", "kitchen rail 9"]
    )
    assert code == 2 and "the two passwords differ" in shown
    assert PasswordFile(data / "web_password.json").verify("kitchen rail 7")


def test_token_prints_one_that_revoke_ends(data):
    done = run_cli("web", "token", "--data-dir", data)
    token = done.stdout.strip()
    assert done.returncode == 0 and len(token) >= 40 and "Authorization: Bearer" in done.stderr
    assert token not in (data / "web_token.json").read_text()
    revoked = run_cli("web", "token", "--revoke", "--data-dir", data)
    assert "revoked" in revoked.stdout and not (data / "web_token.json").exists()
    again = run_cli("web", "token", "--revoke", "--data-dir", data)
    assert "no token" in again.stdout


def start(data: Path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "web", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    lines = []
    while process.stdout and not any("dashboard:" in line for line in lines):
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"it did not start: {lines} {process.stderr.read()}")
        lines.append(line)
    return process, lines


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(15)


def address(lines: list[str]) -> str:
    return next(line for line in lines if "dashboard:" in line).split(": ")[1].strip()


def test_the_real_server_closes_every_page_but_sign_in_and_opens_the_api_to_a_token(data):
    token = run_cli("web", "token", "--data-dir", data).stdout.strip()
    process, lines = start(data)
    try:
        url = address(lines)
        assert any("No password has been set" in line for line in lines)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "api/status", timeout=10)
        assert refused.value.code == 401
        request = urllib.request.Request(url + "api/walkers")
        request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.load(answer) == {"walkers": []}
        with urllib.request.urlopen(url + "login", timeout=10) as page:
            assert "balance-kiosk web set-password" in page.read().decode()
    finally:
        assert stop(process) == 0


def test_a_port_in_use_is_one_clear_sentence(data):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        done = run_cli("web", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data)
    finally:
        busy.close()
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_tls_makes_a_certificate_once_and_serves_https_with_secure_cookies(data):
    made = run_cli("web", "certificate", "--data-dir", data)
    cert = data / "web_tls_cert.pem"
    assert f"(SHA-256): {fingerprint(cert)}" in made.stdout
    process, lines = start(data, "--tls")
    try:
        assert not any("Made a self-signed" in line for line in lines)  # kept, not remade
        assert any(fingerprint(cert) in line for line in lines)
        url = address(lines)
        assert url.startswith("https://")
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with urllib.request.urlopen(url + "login", timeout=10, context=context) as page:
            assert "__Host-balance_kiosk=" in page.headers["set-cookie"]
            assert "Secure" in page.headers["set-cookie"]
    finally:
        assert stop(process) == 0
