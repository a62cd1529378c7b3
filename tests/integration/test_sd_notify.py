"""The service integration: sd_notify over a real socket, the watchdog's checks, the stop signal."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from hardware.buzzer import NullAlarm
from hardware.clock import VirtualClock
from hardware.tof_sensor import TofSensor
from kiosk.safety.monitor import SafetyMonitor
from kiosk.service.systemd import (
    SdNotifier,
    ServiceWatchdog,
    install_signal_handlers,
    watchdog_timeout_s,
)

REPO = Path(__file__).resolve().parents[2]
TEN_S_USEC = "10000000"


class Listener:
    """The systemd side of the protocol: a datagram socket that collects messages."""

    def __init__(self, address: str, env_value: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.setblocking(False)
        self.env_value = env_value  # what NOTIFY_SOCKET holds

    def messages(self) -> list[list[str]]:
        """Every datagram received so far, split into its lines.

        A datagram sent to a local socket is queued by the time sendto() returns, so reading
        without waiting sees everything sent before.
        """
        received = []
        while True:
            try:
                data = self.sock.recv(4096)
            except BlockingIOError:
                return received
            received.append(data.decode("utf-8").split("\n"))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def path_listener():
    # A short directory of its own: AF_UNIX paths are limited to about 107 bytes.
    with tempfile.TemporaryDirectory(prefix="sdn-") as folder:
        address = os.path.join(folder, "notify")
        listener = Listener(address, address)
        yield listener
        listener.close()


@pytest.fixture
def abstract_listener():
    name = f"balance-kiosk-test-{uuid.uuid4().hex}"
    listener = Listener("\0" + name, "@" + name)
    yield listener
    listener.close()


def watchdog_env(listener: Listener, **extra: str) -> dict[str, str]:
    env = {"NOTIFY_SOCKET": listener.env_value, "WATCHDOG_USEC": TEN_S_USEC}
    env["WATCHDOG_PID"] = str(os.getpid())
    env.update(extra)
    return env


# -- SdNotifier ---------------------------------------------------------------------------------


def test_ready_arrives_on_a_socket_file(path_listener):
    notifier = SdNotifier(environ={"NOTIFY_SOCKET": path_listener.env_value})
    assert notifier.enabled
    assert notifier.ready("screen up; sensor working: 450 mm")
    assert path_listener.messages() == [["READY=1", "STATUS=screen up; sensor working: 450 mm"]]


def test_an_at_sign_names_an_abstract_socket(abstract_listener):
    notifier = SdNotifier(environ={"NOTIFY_SOCKET": abstract_listener.env_value})
    assert notifier.ready()
    assert notifier.watchdog()
    assert notifier.stopping("stopping")
    assert abstract_listener.messages() == [
        ["READY=1"],
        ["WATCHDOG=1"],
        ["STOPPING=1", "STATUS=stopping"],
    ]


def test_a_status_stays_on_one_line(path_listener):
    notifier = SdNotifier(path_listener.env_value)
    notifier.status("sensor fault:\nunplugged\r\n(I2C error 121)")
    assert path_listener.messages() == [["STATUS=sensor fault: unplugged (I2C error 121)"]]


def test_without_notify_socket_nothing_is_sent_and_nothing_fails(path_listener):
    notifier = SdNotifier(environ={})
    assert not notifier.enabled
    assert notifier.ready("up") is False
    assert notifier.watchdog() is False
    assert notifier.stopping() is False
    env = {"WATCHDOG_USEC": TEN_S_USEC, "WATCHDOG_PID": str(os.getpid())}
    watchdog = ServiceWatchdog(notifier, [lambda: True], environ=env)
    assert not watchdog.enabled
    assert watchdog.tick() is False
    assert path_listener.messages() == []


def test_a_socket_that_is_gone_is_logged_not_raised(tmp_path, caplog):
    notifier = SdNotifier(str(tmp_path / "no-such-socket"))
    with caplog.at_level(logging.WARNING, logger="kiosk.service.systemd"):
        assert notifier.ready() is False
        assert notifier.watchdog() is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "warned once, then quiet"


def test_a_relative_notify_socket_is_ignored(caplog):
    with caplog.at_level(logging.WARNING, logger="kiosk.service.systemd"):
        notifier = SdNotifier(environ={"NOTIFY_SOCKET": "notify"})
    assert not notifier.enabled
    assert "NOTIFY_SOCKET" in caplog.text


# -- WATCHDOG_USEC and WATCHDOG_PID, as sd_watchdog_enabled(3) reads them -------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": TEN_S_USEC}, 10.0),
        ({"WATCHDOG_USEC": TEN_S_USEC, "WATCHDOG_PID": "4242"}, 10.0),
        ({"WATCHDOG_USEC": TEN_S_USEC, "WATCHDOG_PID": "4243"}, None),
        ({"WATCHDOG_USEC": TEN_S_USEC, "WATCHDOG_PID": "x"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "-5"}, None),
        ({"WATCHDOG_USEC": "ten"}, None),
        ({"WATCHDOG_PID": "4242"}, None),
    ],
)
def test_watchdog_timeout_follows_sd_watchdog_enabled(env, expected):
    assert watchdog_timeout_s(env, pid=4242) == expected


def test_the_watchdog_pings_at_half_the_timeout(path_listener):
    clock = VirtualClock(1000.0)
    notifier = SdNotifier(path_listener.env_value)
    watchdog = ServiceWatchdog(
        notifier, [lambda: True], environ=watchdog_env(path_listener), clock=clock
    )
    assert watchdog.enabled and watchdog.interval_s == 5.0
    sent = []
    for _ in range(200):  # 20 s of frames, one every 100 ms
        sent.append(watchdog.tick())
        clock.now += 0.1
    assert sum(sent) == 4  # at 0, 5, 10 and 15 s
    assert path_listener.messages() == [["WATCHDOG=1"]] * 4


def test_a_watchdog_for_another_process_stays_silent(path_listener):
    env = watchdog_env(path_listener, WATCHDOG_PID=str(os.getpid() + 1))
    watchdog = ServiceWatchdog(SdNotifier(path_listener.env_value), [lambda: True], environ=env)
    assert not watchdog.enabled
    assert watchdog.tick() is False
    assert path_listener.messages() == []


def test_pings_stop_while_a_check_fails_and_resume_when_it_passes(path_listener):
    clock = VirtualClock(1000.0)
    state = {"safety": True}
    watchdog = ServiceWatchdog(
        SdNotifier(path_listener.env_value),
        {"screen loop": lambda: True, "safety thread": lambda: state["safety"]},
        environ=watchdog_env(path_listener),
        clock=clock,
    )
    assert watchdog.tick()
    assert path_listener.messages() == [["WATCHDOG=1"]]

    state["safety"] = False
    for _ in range(30):  # 30 s: systemd would have restarted the kiosk by now
        clock.now += 1
        assert watchdog.tick() is False
    assert watchdog.failing() == ["safety thread"]
    messages = path_listener.messages()
    assert ["WATCHDOG=1"] not in messages
    assert len(messages) == 1 and messages[0][0].startswith("STATUS=not responding: safety thread")

    state["safety"] = True
    assert watchdog.tick()
    assert path_listener.messages() == [["STATUS=running"], ["WATCHDOG=1"]]


def test_a_check_that_raises_counts_as_failing(path_listener, caplog):
    clock = VirtualClock(1000.0)

    def screen_loop_alive() -> bool:
        raise RuntimeError("the frame counter is gone")

    watchdog = ServiceWatchdog(
        SdNotifier(path_listener.env_value),
        [screen_loop_alive],
        environ=watchdog_env(path_listener),
        clock=clock,
    )
    with caplog.at_level(logging.ERROR, logger="kiosk.service.systemd"):
        for _ in range(5):
            assert watchdog.tick() is False
            clock.now += 5
    assert watchdog.failing() == ["screen_loop_alive"]
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1, "logged once, not on every frame"
    assert "the frame counter is gone" in caplog.text
    assert not any(m == ["WATCHDOG=1"] for m in path_listener.messages())


def test_no_pings_for_a_safety_monitor_that_never_started(bus, clock, path_listener):
    monitor = SafetyMonitor(
        TofSensor(bus, io_timeout_s=0.02, clock=clock, sleep=clock.sleep),
        NullAlarm(),
        clock=clock,
        sleep=clock.sleep,
    )
    watchdog = ServiceWatchdog(
        SdNotifier(path_listener.env_value),
        {"safety thread": lambda: monitor.alive},
        environ=watchdog_env(path_listener),
        clock=VirtualClock(1000.0),
    )
    assert watchdog.tick() is False
    messages = path_listener.messages()
    assert ["WATCHDOG=1"] not in messages
    assert messages and "safety thread" in messages[0][0]


def test_pings_stop_once_the_safety_monitor_is_stopped(bus, clock, path_listener):
    monitor = SafetyMonitor(
        TofSensor(bus, io_timeout_s=0.02, clock=clock, sleep=clock.sleep),
        NullAlarm(),
        clock=clock,
        sleep=clock.sleep,
    )
    watchdog_clock = VirtualClock(1000.0)
    watchdog = ServiceWatchdog(
        SdNotifier(path_listener.env_value),
        {"safety thread": lambda: monitor.alive},
        environ=watchdog_env(path_listener),
        clock=watchdog_clock,
    )
    monitor.start()
    try:
        deadline = time.monotonic() + 10
        while not monitor.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watchdog.tick()
    finally:
        monitor.stop()
    assert not monitor.alive
    watchdog_clock.now += 5
    assert watchdog.tick() is False
    messages = path_listener.messages()
    assert messages[0] == ["WATCHDOG=1"]
    assert ["WATCHDOG=1"] not in messages[1:]


# -- SIGTERM and SIGINT ---------------------------------------------------------------------------


def test_a_signal_sets_the_request_and_calls_back_once():
    calls = []
    stop = install_signal_handlers(lambda: calls.append("stop"))
    try:
        assert not stop.requested
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGINT)  # a second signal: already stopping
        assert stop.requested and stop.wait(0)
        assert stop.signal is signal.SIGTERM
        assert calls == ["stop"]
    finally:
        stop.restore()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_failing_callback_still_leaves_the_stop_requested(caplog):
    def broken() -> None:
        raise RuntimeError("buzzer already closed")

    stop = install_signal_handlers(broken, signals=[signal.SIGTERM])
    try:
        with caplog.at_level(logging.ERROR, logger="kiosk.service.systemd"):
            signal.raise_signal(signal.SIGTERM)
    finally:
        stop.restore()
    assert stop.requested
    assert "buzzer already closed" in caplog.text


CHILD = textwrap.dedent(
    """
    import sys, time
    from kiosk.service.systemd import install_signal_handlers

    calls = []
    stop = install_signal_handlers(lambda: calls.append(time.monotonic()))
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not stop.requested and time.monotonic() < deadline:  # the screen loop
        time.sleep(0.02)
    print(f"stopped by {stop.signal.name}; callbacks: {len(calls)}", flush=True)
    sys.exit(0 if stop.requested else 3)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_kiosk_process_stops_within_2_s_with_status_0(signum):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        sent = time.monotonic()
        child.send_signal(signum)
        child.wait(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    out, err = child.communicate()
    assert child.returncode == 0, err
    assert out.strip() == f"stopped by {signum.name}; callbacks: 1"
    assert elapsed < 2.0  # an upper bound; it takes a few tens of ms
