"""The systemd unit: the keys the kiosk relies on, systemd's own checker, and its sandbox score.

systemd-analyze works without systemd running as PID 1: `verify` checks keys, values and that
ExecStart= exists; `security --offline=true` scores the sandbox. Neither needs the kiosk user
to exist (verify does not look users up), so the copy under test keeps User=kiosk and only
points ExecStart= at a program that exists here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.service.exit_status import CONFIG_REFUSED, NO_SCREEN

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "balance-kiosk.service"
INSTALLED_PROGRAM = "/opt/balance-kiosk/venv/bin/balance-kiosk"
MAX_EXPOSURE = 2.0

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze is not installed (Debian: apt-get install systemd)"
)


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections to (key, value) pairs in order; a key may repeat. Comments are dropped."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"a setting outside any section: {raw!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {raw!r}"
        current.append((key.strip(), value.strip()))
    return sections


@pytest.fixture(scope="module")
def unit() -> dict[str, list[tuple[str, str]]]:
    return parse_unit(UNIT.read_text(encoding="utf-8"))


def values(unit, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}= appears {len(found)} times"
    return found[0]


def words(unit, section: str, key: str) -> list[str]:
    return [word for value in values(unit, section, key) for word in value.split()]


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|min)?", value)
    assert match, f"not a simple time span: {value!r}"
    number, unit_name = float(match[1]), match[2] or "s"
    return number * {"ms": 0.001, "s": 1.0, "min": 60.0}[unit_name]


def test_systemd_waits_for_ready_and_watches_the_kiosk(unit):
    assert one(unit, "Service", "Type") == "notify"
    assert one(unit, "Service", "NotifyAccess") == "main"
    watchdog = seconds(one(unit, "Service", "WatchdogSec"))
    assert 4 <= watchdog <= 30
    assert one(unit, "Service", "Restart") == "always"
    assert 0 < seconds(one(unit, "Service", "RestartSec")) <= 10
    # No start-rate limit: the kiosk must come back however often it fell.
    assert one(unit, "Unit", "StartLimitIntervalSec") in ("0", "infinity")
    # The app stops within 2 s; systemd waits a little longer before it kills.
    assert 2 < seconds(one(unit, "Service", "TimeoutStopSec")) <= 10
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


def test_a_refused_settings_file_is_not_restarted_in_a_loop(unit):
    # `balance-kiosk run` exits with CONFIG_REFUSED when it refuses config.toml: restarting
    # it every RestartSec= would only repeat the refusal until someone edits the file.
    prevented = words(unit, "Service", "RestartPreventExitStatus")
    assert str(CONFIG_REFUSED) in prevented
    # A screen that is not up yet may come up in a moment: that one is retried.
    assert str(NO_SCREEN) not in prevented
    assert one(unit, "Service", "Restart") == "always"


def test_the_kiosk_runs_as_its_own_user_with_the_device_groups(unit):
    assert one(unit, "Service", "User") == "kiosk"
    assert set(words(unit, "Service", "SupplementaryGroups")) == {
        "video",
        "render",
        "input",
        "gpio",
        "i2c",
        "audio",
    }
    exec_start = one(unit, "Service", "ExecStart").split()
    assert exec_start[:2] == [INSTALLED_PROGRAM, "run"]
    assert one(unit, "Service", "StateDirectory") == "balance-kiosk"
    assert one(unit, "Service", "StateDirectoryMode") == "0700"
    assert one(unit, "Service", "ConfigurationDirectory") == "balance-kiosk"
    assert one(unit, "Service", "UMask") == "0077"


def test_the_environment_selects_kms_alsa_and_a_writable_lgpio_directory(unit):
    env = dict(v.split("=", 1) for v in values(unit, "Service", "Environment"))
    assert env["SDL_VIDEODRIVER"] == "kmsdrm"
    assert env["SDL_AUDIODRIVER"] == "alsa"
    assert env["PYTHONUNBUFFERED"] == "1"
    # %S is /var/lib: lgpio's pipes go to the state directory, the only writable place.
    assert env["LG_WD"] == "%S/balance-kiosk"


def test_the_kiosk_owns_the_first_console(unit):
    assert "getty@tty1.service" in words(unit, "Unit", "Conflicts")
    assert "getty@tty1.service" in words(unit, "Unit", "After")
    assert one(unit, "Service", "TTYPath") == "/dev/tty1"
    assert one(unit, "Service", "StandardInput").startswith("tty")
    # With a TTY as input, output would go to the TTY too unless sent to the journal.
    assert one(unit, "Service", "StandardOutput") == "journal"
    assert one(unit, "Service", "StandardError") == "journal"


def test_the_devices_the_kiosk_drives_stay_reachable(unit):
    private_devices = values(unit, "Service", "PrivateDevices")
    assert all(v in ("no", "false", "0") for v in private_devices), "PrivateDevices hides them"
    assert one(unit, "Service", "DevicePolicy") == "closed"
    allowed = {v.split()[0]: v.split()[1] for v in values(unit, "Service", "DeviceAllow")}
    for device in ("char-drm", "char-input", "char-i2c", "char-gpiochip", "char-alsa"):
        assert device in allowed, f"DeviceAllow={device} is missing"
        assert "r" in allowed[device]
    for device in ("char-drm", "char-i2c", "char-gpiochip", "char-alsa", "/dev/tty1"):
        assert "w" in allowed[device], f"{device} must be writable"
    assert any("gpiomem" in device for device in allowed)


def test_the_sandbox_settings_are_there(unit):
    expected = {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateMounts": "yes",
        "NoNewPrivileges": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes",
        "ProtectClock": "yes",
        "ProtectHostname": "yes",
        "RestrictNamespaces": "yes",
        "RestrictRealtime": "yes",
        "RestrictSUIDSGID": "yes",
        "LockPersonality": "yes",
        "SystemCallArchitectures": "native",
        "CapabilityBoundingSet": "",
        "AmbientCapabilities": "",
        "IPAddressDeny": "any",
    }
    for key, value in expected.items():
        assert one(unit, "Service", key) == value, key
    assert "@system-service" in words(unit, "Service", "SystemCallFilter")
    families = set(words(unit, "Service", "RestrictAddressFamilies"))
    assert families == {"AF_UNIX", "AF_NETLINK", "AF_INET", "AF_INET6"}  # IP for the broker
    allowed = set(words(unit, "Service", "IPAddressAllow"))
    local = {"localhost", "link-local", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}
    assert allowed == local, "a broker on this machine or the local network, nothing else"
    # Caregivers export logs to a USB stick; '-' because the folders may not exist.
    assert {"-/media", "-/run/media"} <= set(words(unit, "Service", "ReadWritePaths"))
    # Mesa's shader compiler and libffi need writable+executable memory.
    assert values(unit, "Service", "MemoryDenyWriteExecute") in ([], ["no"])


@pytest.fixture
def checkable_unit(tmp_path) -> Path:
    """A copy whose ExecStart= names a program that exists, under the unit's own file name."""
    program = tmp_path / "balance-kiosk"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    text = UNIT.read_text(encoding="utf-8")
    assert f"ExecStart={INSTALLED_PROGRAM} " in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(f"ExecStart={INSTALLED_PROGRAM} ", f"ExecStart={program} "))
    return copy


def analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@needs_analyze
def test_systemd_analyze_verify_accepts_the_unit(checkable_unit):
    # --man=no: Documentation= names man pages, which a CI machine may not have installed.
    # --recursive-errors=no: fail on this unit's problems, not on other units of the host.
    result = analyze("verify", "--man=no", "--recursive-errors=no", checkable_unit)
    output = result.stdout + result.stderr
    ours = [line for line in output.splitlines() if "balance-kiosk" in line]
    assert result.returncode == 0, output
    assert ours == [], "\n".join(ours)


@needs_analyze
def test_systemd_analyze_verify_does_catch_a_missing_program(tmp_path):
    if Path(INSTALLED_PROGRAM).exists():
        pytest.skip(f"{INSTALLED_PROGRAM} is installed on this machine")
    copy = tmp_path / UNIT.name
    shutil.copy(UNIT, copy)
    result = analyze("verify", "--man=no", "--recursive-errors=no", copy)
    assert result.returncode != 0
    assert INSTALLED_PROGRAM in result.stdout + result.stderr


@needs_analyze
def test_the_sandbox_exposure_is_at_most_2(checkable_unit):
    result = analyze("security", "--offline=true", "--no-pager", checkable_unit)
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for balance-kiosk\.service: (\d+(?:\.\d+)?)", output)
    assert match, output
    exposure = float(match[1])
    assert exposure <= MAX_EXPOSURE, output


@pytest.mark.skipif(shutil.which("setterm") is None, reason="setterm (util-linux) is missing")
def test_before_the_kiosk_the_console_is_kept_lit_and_its_cursor_hidden(unit):
    """ExecStartPre= run as systemd runs it, with a terminal as its standard input: what
    reaches the terminal turns blanking and power-down off and hides the cursor."""
    import os
    import pty
    import shlex

    (pre,) = values(unit, "Service", "ExecStartPre")
    assert pre.startswith("-"), "a console that cannot be set must not stop the kiosk"
    main, console = pty.openpty()
    try:
        done = subprocess.run(
            shlex.split(pre[1:]), stdin=console, capture_output=True, timeout=30, check=False
        )
        written = os.read(main, 4096)
    finally:
        os.close(main)
        os.close(console)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"", "nothing for the journal: it all goes to the console"
    assert b"\x1b[9;0]" in written, "console blanking off"
    assert b"\x1b[14;0]" in written, "power-down (DPMS) off"
    assert b"\x1b[?25l" in written, "cursor hidden"
