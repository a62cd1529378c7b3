"""`balance-kiosk run` when it cannot start: one line saying why, and a status systemd can act on.

The unit (systemd/balance-kiosk.service) restarts the kiosk after any exit but one: a settings
file the kiosk refuses (status 78) stays refused until someone edits it, so restarting every
2 s would only fill the journal. A screen that cannot be opened (status 69) may come up late,
so that one is retried.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import KIOSK_ENV, run_cli

from kiosk.service.exit_status import CONFIG_REFUSED, NO_SCREEN

MISSING_DISPLAY = ":87"


def kiosk_run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`balance-kiosk run --simulate ARGS` with exactly the display variables in `env`."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in (*KIOSK_ENV, "SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")
    }
    # SDL complains on stderr without a runtime folder; give it one to keep stderr ours.
    environment.update(SDL_AUDIODRIVER="dummy", XDG_RUNTIME_DIR=str(tmp_path), **env)
    data = tmp_path / "data"
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run", "--simulate", "--data-dir", str(data), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,  # a guard against a hang: before the fix the kiosk ran on, invisible
        check=False,
    )


def our_lines(stderr: str) -> list[str]:
    """Our lines without the 'balance-kiosk run:' or 'balance-kiosk:' that starts them."""
    ours = [line for line in stderr.splitlines() if line.startswith("balance-kiosk")]
    return [line.split(": ", 1)[1] for line in ours]


def test_a_refused_settings_file_exits_78_with_the_message_config_gives(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[safety]\nreach_mm = 9000\n")
    # Headless: with a screen the kiosk shows the same words until it is stopped
    # (tests/e2e/test_kiosk_run.py), then exits with the same status.
    result = kiosk_run(tmp_path, "--headless", "--config", str(config), env={})
    assert result.returncode == CONFIG_REFUSED == 78
    checked = run_cli("config", "--config", config)
    assert checked.returncode != 0
    assert our_lines(result.stderr) == our_lines(checked.stderr)
    assert "safety.reach_mm = 9000 is out of range" in result.stderr
    assert "Traceback" not in result.stderr


no_screen_here = pytest.mark.skipif(
    Path("/tmp/.X11-unix/X87").exists() or Path("/dev/dri").exists(),
    reason="this machine may have a screen SDL can open",
)


@no_screen_here
def test_a_display_that_is_not_there_is_named_in_one_line(tmp_path):
    result = kiosk_run(tmp_path, env={"DISPLAY": MISSING_DISPLAY})
    assert result.returncode == NO_SCREEN == 69
    lines = our_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert f"DISPLAY={MISSING_DISPLAY}" in lines[0] and "--headless" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "sessions.db").exists(), "nothing started"


@no_screen_here
def test_a_video_driver_that_cannot_open_is_named_in_one_line(tmp_path):
    # What the service (SDL_VIDEODRIVER=kmsdrm) meets when the screen is not up (yet).
    result = kiosk_run(tmp_path, env={"SDL_VIDEODRIVER": "kmsdrm"})
    assert result.returncode == NO_SCREEN
    lines = our_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "screen" in lines[0] and "balance-kiosk doctor" in lines[0]
    assert "Traceback" not in result.stderr


@no_screen_here
def test_under_systemd_no_screen_is_said_on_the_console_and_in_the_status_then_it_waits(
    tmp_path,
):
    """Not a quiet restart loop: the console (tty1) and `systemctl status` say why, and the
    kiosk waits before exiting so that systemd's restarts come seldom."""
    import pty
    import socket

    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(60)
    main, console = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in (*KIOSK_ENV, "DISPLAY")}
    environment.update(
        SDL_VIDEODRIVER="kmsdrm",
        SDL_AUDIODRIVER="dummy",
        XDG_RUNTIME_DIR=str(tmp_path),
        NOTIFY_SOCKET=str(tmp_path / "notify"),
    )
    command = [sys.executable, "-m", "kiosk.cli", "run", "--simulate"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(tmp_path / "data")],
        env=environment,
        stdin=console,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = notify.recv(4096).decode()
        shown = os.read(main, 4096).decode()
        assert process.poll() is None, "it waits before exiting, not restarted every 2 s"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
        notify.close()
        os.close(main)
        os.close(console)
    assert status.startswith("STATUS=No screen: the screen cannot be opened")
    assert "NO SCREEN" in shown and "balance-kiosk doctor" in shown
    lines = our_lines(stderr)
    assert len(lines) == 1 and "starts the kiosk again in about 17 s" in lines[0], stderr
