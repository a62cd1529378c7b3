"""`balance-kiosk run` end to end, as systemd and a caregiver meet it (headless, simulated)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest

from kiosk.screens.theme import FAULT


def start_kiosk(tmp_path: Path, *args: str, env_extra: dict | None = None):
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        **(env_extra or {}),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "run",
            "--headless",
            "--simulate",
            "--data-dir",
            str(tmp_path / "data"),
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def receive(sock: socket.socket, until: str, limit_s: float = 30.0) -> list[str]:
    messages: list[str] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data = sock.recv(4096).decode()
        except TimeoutError:
            break
        messages.append(data)
        if until in data:
            break
    return messages


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    yield sock, path
    sock.close()


def test_ready_then_watchdog_pings_then_sigterm_closes_the_session_as_stopped(
    tmp_path, notify_socket
):
    sock, path = notify_socket
    kiosk = start_kiosk(
        tmp_path,
        "--script",
        "walk",
        env_extra={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000"},
    )
    try:
        messages = receive(sock, "READY=1")
        assert any("READY=1" in m for m in messages), (messages, kiosk.stderr)
        pings = receive(sock, "WATCHDOG=1", 5.0)
        assert any("WATCHDOG=1" in m for m in pings)
        database = tmp_path / "data" / "sessions.db"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait until the routine has started
            if database.exists():
                with sqlite3.connect(database) as db:
                    if db.execute("SELECT count(*) FROM sessions").fetchone()[0]:
                        break
            time.sleep(0.2)
        else:
            pytest.fail("no session started")
        sent = time.monotonic()
        kiosk.send_signal(signal.SIGTERM)
        kiosk.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    assert kiosk.returncode == 0, kiosk.stderr.read()
    assert took < 2.0
    assert "Traceback" not in kiosk.stderr.read()
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT ended_how, ended_at FROM sessions").fetchall()
    assert rows and rows[0][0] == "stopped" and rows[0][1] is not None


def test_unknown_script_is_a_clear_error(tmp_path):
    kiosk = start_kiosk(tmp_path, "--script", "dance")
    _, err = kiosk.communicate(timeout=30)
    assert kiosk.returncode == 2
    assert "unknown script 'dance'" in err and "Traceback" not in err


def test_a_bad_config_is_a_clear_error(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[safety]\nreach_mm = 9000\n")
    kiosk = start_kiosk(tmp_path, "--config", str(config))
    _, err = kiosk.communicate(timeout=30)
    assert kiosk.returncode == 78  # EX_CONFIG: systemd does not restart it in a loop
    assert "safety.reach_mm = 9000 is out of range" in err and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "screens", "ending", "reminders", "faults"),
    [
        ("walk", ["home", "before_start", "ready_check", "routine", "end"], "completed", 0, 0),
        (
            "drift",
            ["routine", "walk_check", "out_of_reach", "countdown", "paused", "end"],
            "stopped",
            1,
            0,
        ),
        (
            "rest",
            ["routine", "paused", "walk_check", "routine", "end"],
            "completed",
            0,  # a rest is not an alarm: the walker sat down away from the support
            0,
        ),
        (
            "unplug",
            ["routine", "sensor_fault", "caregiver-pin", "caregiver-menu", "countdown", "end"],
            "stopped",
            0,
            1,
        ),
    ],
)
def test_scripted_sessions_show_their_screens_and_log_the_session(
    tmp_path, script, screens, ending, reminders, faults
):
    shots = tmp_path / "shots"
    kiosk = start_kiosk(
        tmp_path, "--script", script, "--screenshots", str(shots), "--size", "800x480"
    )
    out, err = kiosk.communicate(timeout=120)
    assert kiosk.returncode == 0, err
    seen = [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))]
    position = 0
    for screen in screens:  # in this order, with others between
        assert screen in seen[position:], (screen, seen)
        position = seen.index(screen, position) + 1
    with sqlite3.connect(tmp_path / "data" / "sessions.db") as db:
        (how,) = db.execute("SELECT ended_how FROM sessions").fetchone()
        kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY t")]
    assert how == ending
    assert kinds.count("alarm_on") == reminders
    assert kinds.count("fault_on") == faults
    assert f"{reminders} reminder{'' if reminders == 1 else 's'}," in out


@pytest.mark.slow
def test_after_a_crash_mid_walk_the_kiosk_starts_by_checking_for_the_walker(tmp_path):
    database = tmp_path / "data" / "sessions.db"
    kiosk = start_kiosk(tmp_path, "--script", "drift")
    try:  # kill it (as a crash would) once the walk is under way
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if database.exists():
                with sqlite3.connect(database) as db:
                    walking = db.execute("SELECT count(*) FROM samples").fetchone()[0]
                if walking > 10:
                    break
        else:
            pytest.fail("the walk never started")
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=10)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    shots = tmp_path / "shots"
    again = start_kiosk(tmp_path, "--screenshots", str(shots))
    try:
        deadline = time.monotonic() + 30
        while not list(shots.glob("*.png")) and time.monotonic() < deadline:
            time.sleep(0.2)
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=10)
    finally:
        if again.poll() is None:
            again.kill()
    first = sorted(shots.glob("*.png"))[0].stem
    said = again.stderr.read() if again.stderr else ""
    assert first.endswith("restarted"), (first, said[-2000:])  # not the home screen, unwatched
    with sqlite3.connect(database) as db:
        (how,) = db.execute("SELECT ended_how FROM sessions").fetchone()
    assert how == "interrupted"


def test_a_kiosk_that_cannot_start_says_why_on_its_screen_and_stays(tmp_path, notify_socket):
    sock, path = notify_socket
    config = tmp_path / "config.toml"
    config.write_text("[safety]\nreach_mm = 9000\n")
    shots = tmp_path / "shots"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    env.update(NOTIFY_SOCKET=str(path), WATCHDOG_USEC="1000000")
    kiosk = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "run",
            "--windowed",
            "--size",
            "800x480",
            "--config",
            str(config),
            "--data-dir",
            str(tmp_path / "data"),
            "--screenshots",
            str(shots),
        ],  # fmt: skip
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        messages = "".join(receive(sock, "READY=1"))
        assert "READY=1" in messages and "cannot start" in messages
        assert "WATCHDOG=1" in "".join(receive(sock, "WATCHDOG=1", 5.0))  # no restart loop
        assert kiosk.poll() is None  # still showing it
        kiosk.send_signal(signal.SIGTERM)
        _, err = kiosk.communicate(timeout=30)  # a hang guard on a loaded machine
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    assert "safety.reach_mm = 9000 is out of range" in err and "Traceback" not in err
    picture = pygame.image.load(str(shots / "01-cannot_start.png"))
    assert picture.get_at((5, 470))[:3] == FAULT  # the yellow fault screen, not black
