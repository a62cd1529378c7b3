"""The dashboard's unit: no devices, IP for the local network only, and its sandbox score."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from test_systemd_unit import ANALYZE, INSTALLED_PROGRAM, MAX_EXPOSURE, needs_analyze, parse_unit

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "balance-kiosk-web.service"


@pytest.fixture(scope="module")
def unit() -> dict[str, list[tuple[str, str]]]:
    return parse_unit(UNIT.read_text(encoding="utf-8"))


def values(unit, key: str) -> list[str]:
    return [v for k, v in unit["Service"] if k == key]


def test_it_runs_the_dashboard_as_the_kiosk_user_on_the_kiosk_data(unit):
    (start,) = values(unit, "ExecStart")
    assert start.startswith(f"{INSTALLED_PROGRAM} web --data-dir ${{STATE_DIRECTORY}}")
    assert values(unit, "User") == ["kiosk"] and values(unit, "StateDirectory") == ["balance-kiosk"]
    assert values(unit, "EnvironmentFile") == ["-/etc/balance-kiosk/web.env"]


def test_it_has_no_devices_and_only_ip_and_unix_sockets(unit):
    assert values(unit, "PrivateDevices") == ["yes"]
    assert values(unit, "RestrictAddressFamilies") == ["AF_INET AF_INET6 AF_UNIX"]
    assert values(unit, "ProtectSystem") == ["strict"]
    assert values(unit, "NoNewPrivileges") == ["yes"]
    assert values(unit, "PrivateTmp") == ["yes"]
    assert values(unit, "CapabilityBoundingSet") == [""]
    assert "@system-service" in values(unit, "SystemCallFilter")
    assert values(unit, "IPAddressDeny") == ["any"]
    allowed = " ".join(values(unit, "IPAddressAllow")).split()
    assert "localhost" in allowed and "192.168.0.0/16" in allowed and "0.0.0.0/0" not in allowed


@pytest.fixture
def checkable_unit(tmp_path) -> Path:
    program = tmp_path / "balance-kiosk"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED_PROGRAM, str(program)))
    return copy


def analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@needs_analyze
def test_systemd_analyze_verify_accepts_it(checkable_unit):
    result = analyze("verify", "--man=no", "--recursive-errors=no", checkable_unit)
    output = result.stdout + result.stderr
    ours = [line for line in output.splitlines() if "balance-kiosk" in line]
    assert result.returncode == 0 and ours == [], output


@needs_analyze
def test_its_sandbox_exposure_is_at_most_2(checkable_unit):
    result = analyze("security", "--offline=true", "--no-pager", checkable_unit)
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for balance-kiosk-web\.service: ([\d.]+)", output)
    assert match, output
    assert float(match[1]) <= MAX_EXPOSURE, output
