"""What the tests share: stand-ins at the edges, and ways to drive the real parts.

The fakes stay at the edge of the kiosk (the sensor's driver, the pins, the clock, the
process boundary); the kiosk itself is always built by kiosk/bootstrap.py.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pygame
import pytest

from hardware.clock import VirtualClock
from hardware.tof_sensor import Reading
from kiosk import bootstrap
from kiosk.access.pin_lock import PinLock
from kiosk.paths import DataFolder
from kiosk.player.player import RoutinePlayer
from kiosk.service.wall_clock import LogClock
from kiosk.settings import LiveSettings, Settings
from kiosk.walk.flow import Screen

REPO = Path(__file__).resolve().parents[1]
FINGER_INTERVAL_S = 0.5  # between two taps of a test's finger, on the kiosk's clock
TEST_PIN = "2468"
# Environment variables that would point a command at another data folder or config.
KIOSK_ENV = ("BALANCE_KIOSK_DATA_DIR", "STATE_DIRECTORY", "CONFIGURATION_DIRECTORY")

__all__ = ["VirtualClock"]


# -- time -------------------------------------------------------------------------------------


def wait_for(predicate: Callable[[], Any], limit_s: float = 3.0) -> bool:
    """Poll `predicate` in real time until it holds; AssertionError after `limit_s`."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    raise AssertionError(f"timed out after {limit_s} s waiting for {predicate}")


# -- the command line, as a caregiver runs it -----------------------------------------------


def run_cli(
    *args: str | Path,
    cwd: Path = REPO,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    input: str = "",
) -> subprocess.CompletedProcess[str]:
    """`balance-kiosk ARGS` in a process of its own, headless, with no data folder or
    config chosen by the environment unless `env` gives one; `input` on its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *map(str, args)],
        cwd=cwd,
        env=_cli_environment(env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        input=input,
    )


def _cli_environment(env: Mapping[str, str] | None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in KIOSK_ENV}
    environment.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    environment.update(env or {})
    return environment


def run_cli_on_a_terminal(
    *args: str | Path, typed: list[str], timeout: float = 60
) -> tuple[int, str]:
    """`balance-kiosk ARGS` on a terminal of its own (a pseudo-terminal), as a person at the
    console runs it: each line of `typed` is typed once a prompt (ending in ':') shows.
    Returns the exit code and what the terminal showed."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", *map(str, args)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=REPO,
        env=_cli_environment(None),
        start_new_session=True,  # never the test runner's own terminal
    )
    os.close(slave)
    shown, typed_up_to, pending = b"", 0, list(typed)
    try:
        while chunk := _read_terminal(master, timeout):
            shown += chunk
            if pending and shown[typed_up_to:].rstrip().endswith(b":"):
                os.write(master, pending.pop(0).encode() + b"\n")
                typed_up_to = len(shown)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return process.wait(timeout), shown.decode("utf-8", errors="replace")


def _read_terminal(master: int, timeout: float) -> bytes:
    """What the program wrote next; b"" once it has closed the terminal."""
    ready, _, _ = select.select([master], [], [], timeout)
    if not ready:
        raise AssertionError(f"the command showed nothing more for {timeout} s")
    try:
        return os.read(master, 4096)
    except OSError:  # EIO: the other side is closed
        return b""


# -- file systems of their own: a full or read-only USB stick, a full disk -----------------


@functools.cache
def _private_mounts_allowed() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = f"mount -t tmpfs -o size=4k probe {shlex.quote(folder)}"
        result = subprocess.run(
            ["unshare", "--map-root-user", "--mount", "sh", "-c", probe],
            capture_output=True,
            timeout=30,
        )
    return result.returncode == 0


def run_python_with_mounts(
    code: str, mounts: Mapping[Path, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Python `code` in a process of its own that sees a fresh tmpfs on each folder, mounted
    with the options given ("size=64k", "ro"): a real small stick or a real read-only one,
    which no other process sees. Skips the test where the machine allows no private mounts
    (no `unshare`, or user namespaces turned off)."""
    if not _private_mounts_allowed():
        pytest.skip("this machine allows no private mounts (unshare --map-root-user --mount)")
    steps = [
        f"mount -t tmpfs -o {shlex.quote(options)} test-stick {shlex.quote(str(folder))}"
        for folder, options in mounts.items()
    ]
    script = " && ".join([*steps, 'exec "$0" -c "$1"'])
    return subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script, sys.executable, code],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


# -- a data folder on a card that has turned read-only ---------------------------------------


@contextlib.contextmanager
def read_only_data_folder(source: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A copy of the data folder `source` as a card that has turned read-only shows it: the
    folder 0500 and its files 0400, as the tester set them. Yields the folder and the keyword
    arguments for run_cli that give the command a temporary folder of its own (TMPDIR), which
    the test can look into.

    chmod binds nobody when the tests run as root, so as root the copy is also bind-mounted
    read-only (a read-only file system, as the card itself becomes); where that is not
    permitted the test is skipped, saying why. Either way the helper first checks that a
    process like the command's really cannot write in the folder.
    """
    base = Path(tempfile.mkdtemp(prefix="balance-kiosk-read-only-"))
    folder, scratch = base / "data", base / "tmp"
    shutil.copytree(source, folder)
    scratch.mkdir(mode=0o700)
    for path in folder.iterdir():
        path.chmod(0o400)
    folder.chmod(0o500)
    mounted = False
    try:
        if os.geteuid() == 0:
            mounted = _mount_read_only(folder)
        _assert_cannot_write(folder)
        yield folder, {"env": {"TMPDIR": str(scratch)}}
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        folder.chmod(0o700)
        shutil.rmtree(base)


def _mount_read_only(folder: Path) -> bool:
    """Bind-mount `folder` read-only onto itself; True when done, or skip the test."""
    import pytest

    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode == 0:
        remount = ["mount", "-o", "remount,bind,ro", str(folder)]
        if subprocess.run(remount, capture_output=True).returncode == 0:
            return True
        subprocess.run(["umount", str(folder)], check=True)
    pytest.skip("as root chmod binds nobody, and a read-only bind mount is not permitted here")


def _assert_cannot_write(folder: Path) -> None:
    probe = f"open({str(folder / 'probe')!r}, 'w')"
    tried = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    refused = "PermissionError" in tried.stderr or "Read-only file system" in tried.stderr
    assert refused, f"{folder} can be written: the test would prove nothing"


# -- a log damaged in places, a disk that fills up ------------------------------------------


LOG_T0 = 1_790_000_000_000  # the first session of fill_log, in epoch ms


def fill_log(path: Path, sessions: int = 30, samples: int = 300) -> None:
    """A log with `sessions` finished sessions of Anna's, an hour apart, each with a reminder
    (2 events) and `samples` distance samples."""
    from kiosk.log.store import SessionStore

    store = SessionStore.open(path)
    walker = store.add_profile("Anna")
    for n in range(sessions):
        t = LOG_T0 + n * 3_600_000
        sid = store.start_session(walker, "beginner", 1, t_ms=t)
        store.record_event(sid, "alarm_on", "out of reach", 900, t_ms=t + 1000)
        store.record_event(sid, "alarm_off", "back", 400, t_ms=t + 3000)
        for i in range(samples):
            store.record_sample(sid, 400 + i % 50, t_ms=t + 200 * i)
        store.end_session(sid, "completed", seconds_walking=60, seconds_paused=0, t_ms=t + 60_000)
    store.close()


def zero_pages_of(database: Path, table: str, nbytes: int = 8192) -> int:
    """Zero `nbytes` of the SQLite file from the first leaf page of `table`, as a bad block
    would; returns how many of `table`'s rows were on the zeroed pages. Uses SQLite's dbstat
    table to find the pages (the test is skipped where SQLite is built without it)."""
    import pytest

    with contextlib.closing(sqlite3.connect(database)) as conn:
        try:
            pages = conn.execute(
                "SELECT pageno, name, ncell, pagetype FROM dbstat ORDER BY pageno"
            ).fetchall()
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find a table's pages")
    leaves = [p for p in pages if p[1] == table and p[3] == "leaf"]
    first = leaves[len(leaves) // 2][0]  # one in the middle of the table
    zeroed = range(first, first + nbytes // size)
    lost = sum(p[2] for p in pages if p[1] == table and p[0] in zeroed and p[3] == "leaf")
    with database.open("r+b") as f:
        f.seek((first - 1) * size)
        f.write(bytes(nbytes))
    return lost


@contextlib.contextmanager
def small_disk(folder: Path, size_mb: int = 16) -> Iterator[Path]:
    """A real file system of `size_mb` (a tmpfs) mounted at `folder`, to be filled up as a
    card fills up. Mounting needs root: elsewhere the test is skipped, saying so (the same
    paths are covered by the store's tests, where SQLite's max_page_count refuses to grow
    the file as a full disk would)."""
    import pytest

    folder.mkdir(parents=True, exist_ok=True)
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(folder)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("a small disk to fill needs a tmpfs mount, which is not permitted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill_up(disk: Path) -> Path:
    """Fill the file system holding `disk` to the last byte; delete the returned file to
    free the space again."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, bytes(chunk)) == chunk:
                    pass
    finally:
        os.close(fd)
    return filler


# -- sensors that misbehave in ways the emulated chip cannot -------------------------------


class ExplodingSensor:
    """A sensor whose driver raises something nobody expected."""

    connected = True

    def connect(self) -> None:
        pass

    def poll(self) -> None:
        raise ZeroDivisionError("division by zero")

    def close(self) -> None:
        pass


class HangingSensor(ExplodingSensor):
    """Reads 450 mm every 33 ms until told to hang, then blocks like a driver with no
    timeout (until released)."""

    def __init__(self) -> None:
        self.hang = threading.Event()
        self.release = threading.Event()
        self._next = time.monotonic()

    def poll(self) -> Reading | None:
        if self.hang.is_set():
            self.release.wait(5.0)
        now = time.monotonic()
        if now < self._next:
            return None
        self._next = now + 0.033
        return Reading(now, 450, 11, 450)


class RecordingEffects:
    """The flow's effects, written down instead of done."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start_routine(self, from_chapter: int | None = None) -> None:
        self.calls.append("start" if from_chapter is None else f"start:{from_chapter}")

    def arm(self) -> None:
        self.calls.append("arm")

    def disarm(self) -> None:
        self.calls.append("disarm")

    def pause_video(self, reason: str) -> None:
        self.calls.append(f"pause:{reason}")

    def resume_video(self, rewind_s: float) -> None:
        self.calls.append(f"resume:{rewind_s:g}")

    def finish_routine(self, ending: str) -> None:
        self.calls.append(f"finish:{ending}")

    def remind(self) -> None:
        self.calls.append("remind")


# -- the whole kiosk, built by bootstrap, driven by fingers ----------------------------------


class KioskHarness:
    """A kiosk built by bootstrap on the emulated sensor and mock pins, with a real session
    log and the real video (no sound), on a virtual clock for the screens."""

    def __init__(self, kiosk: bootstrap.Kiosk, clock: VirtualClock) -> None:
        self.kiosk, self.test_clock, self.app = kiosk, clock, kiosk.app
        self.sim = kiosk.safety.simulation
        self.buzzer, self.monitor = kiosk.safety.buzzer, kiosk.safety.monitor
        self.flow, self.caregiver, self.store = kiosk.flow, kiosk.app.caregiver, kiosk.store

    def frame(self, events: list[pygame.event.Event] | tuple = ()) -> None:
        self.app.frame(list(events))

    def tap(self, action: str) -> None:
        self.frame(finger(self, action))

    @property
    def player(self) -> Any:
        return self.kiosk.walk.player

    @property
    def buttons(self) -> list:
        return self.app.buttons

    @property
    def current_screen(self) -> str:
        return self.app.current_screen

    @property
    def rotation(self) -> Any:
        return self.app.rotation

    @property
    def layout(self) -> Any:
        return self.app.layout

    @property
    def logical(self) -> pygame.Surface:
        return self.app.logical

    @property
    def frames(self) -> int:
        return self.app.frames

    @property
    def profile_id(self) -> int:
        return self.kiosk.walk.walkers.current

    def close(self) -> None:
        self.kiosk.end_walk()
        self.kiosk.stop_link()
        if self.kiosk.clock_keeper is not None:
            self.kiosk.clock_keeper.stop()
        self.kiosk.store.close()


def build_harness(
    folder: Path,
    size: tuple[int, int] = (800, 480),
    pin: str | None = TEST_PIN,
    wall_clock: LogClock | None = None,
    **values: Any,
) -> KioskHarness:
    """Settings by key with '__' for the dot (routine__rewind_s=8); `pin` None: no PIN yet.
    The wall clock counts as set unless `wall_clock` says otherwise (the test machine's own
    may not be synchronised)."""
    data = DataFolder(folder).create()
    settings = {key.replace("__", "."): value for key, value in values.items()}
    live = LiveSettings(Settings(settings), data.settings_overrides)
    if pin is not None and not PinLock(data.caregiver_pin).has_pin:
        PinLock(data.caregiver_pin).set_pin(pin)
    clock = VirtualClock(1000.0)
    kiosk = bootstrap.build_kiosk(
        live,
        data,
        bootstrap.KioskFlags(simulate=True, headless=True, size=size),
        make_player=lambda routine: RoutinePlayer.from_routine(routine, audio=False),
        clock=clock,
        wall_clock=wall_clock or LogClock(probe=lambda: True),
    )
    kiosk.safety.start(armed=False)
    harness = KioskHarness(kiosk, clock)
    wait_for(lambda: kiosk.safety.monitor.status.distance_mm is not None)
    harness.frame()
    return harness


def finger(app: Any, action: str) -> list[pygame.event.Event]:
    """A finger on the button for `action`, as SDL reports it: FINGERDOWN, then the same press
    again as a mouse click marked touch=True."""
    clock = getattr(app, "test_clock", None)
    if clock is not None:  # a finger takes a moment to come down again (see TAP_GUARD_S)
        clock.now += FINGER_INTERVAL_S
    button = next(b for b in app.buttons if b.action == action)
    rotation = app.rotation
    width, height = rotation.physical_size
    px, py = to_physical(rotation, button.rect.center)
    return [
        pygame.event.Event(pygame.FINGERDOWN, x=px / width, y=py / height, touch_id=1, finger_id=0),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(px, py), button=1, touch=True),
        pygame.event.Event(pygame.FINGERUP, x=px / width, y=py / height, touch_id=1, finger_id=0),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(px, py), button=1, touch=True),
    ]


def to_physical(rotation: Any, point: tuple[int, int]) -> tuple[int, int]:
    """Where a point of the upright picture lies on a panel mounted turned."""
    lx, ly = point
    width, height = rotation.physical_size
    if rotation.degrees == 90:
        return width - 1 - ly, lx
    if rotation.degrees == 180:
        return width - 1 - lx, height - 1 - ly
    if rotation.degrees == 270:
        return ly, height - 1 - lx
    return lx, ly


def through_to_routine(app: KioskHarness) -> None:
    """Start, read the safety points, hold the support for the ready check: the routine."""
    app.frame(finger(app, "start"))
    assert app.flow.screen is Screen.BEFORE_START  # one press, not two
    while any(b.action == "more" for b in app.buttons):
        app.frame(finger(app, "more"))
    app.frame(finger(app, "holding"))
    assert app.flow.screen is Screen.READY_CHECK
    app.frame()
    app.test_clock.now += 2.5
    app.frame()
    assert app.flow.screen is Screen.ROUTINE


# -- traces through the safety loop, on a virtual clock -------------------------------------


def trace_samples(period_ms: int, *segments: tuple[int, str | int]) -> list:
    """A trace of (readings, value) segments, one row a sensor period, as replay reads it:
    a distance in mm, "" for no target, "error" or "stuck"."""
    from kiosk.safety.replay import parse_trace

    rows, t = ["t_ms,distance_mm"], 0
    for count, value in segments:
        for _ in range(count):
            rows.append(f"{t},{value}")
            t += period_ms
    return parse_trace(rows, "test trace")


class Replayed:
    """What a trace did to the safety part: its events, the usable readings that arrived
    (time, raw mm or None), and (time, alarm priorities active) after every loop step."""

    def __init__(self) -> None:
        self.events: list = []
        self.readings: list[tuple[float, int | None]] = []
        self.states: list[tuple[float, frozenset]] = []

    def times(self, kind: str) -> list[float]:
        return [e.t for e in self.events if str(e.kind) == kind]

    def kinds(self) -> list[str]:
        return [str(e.kind) for e in self.events]


def replay_alarm(samples: list, settings: Settings | None = None) -> Replayed:
    """`samples` through the safety part as bootstrap builds it for replay."""
    from kiosk.safety.replay import steps

    parts, clock = bootstrap.build_replay(settings or Settings(), samples[0].t_ms / 1000)
    monitor, result = parts.monitor, Replayed()
    monitor.add_listener(result.events.append)
    monitor.add_reading_listener(lambda t, _: result.readings.append((t, monitor.status.raw_mm)))
    for _ in steps(samples, monitor, parts.simulation, clock):
        result.states.append((clock.now, frozenset(parts.buzzer.active)))
    return result


def silent_s(states: list, start: float, end: float) -> float:
    """How long no alarm was active between `start` and `end` (seconds)."""
    silent, previous = 0.0, None
    for t, active in states:
        if previous is not None:
            t0, was_active = previous
            overlap = min(t, end) - max(t0, start)
            if overlap > 0 and not was_active:
                silent += overlap
        previous = (t, active)
    return silent


def through_to_walking(app: KioskHarness) -> None:
    """On to the first part walked beside the support, past its check: armed, playing."""
    through_to_routine(app)
    routine = app.kiosk.walk.routine
    start = next(c.start_s for c in routine.chapters if c.walking)
    app.player.seek(start + 1.0)
    wait_for(lambda: app.player.position_s >= start)
    app.frame()
    if app.flow.screen is Screen.WALK_CHECK:  # disarmed in a talking part on the way
        app.frame()
        app.test_clock.now += 2.5
        app.frame()
    assert app.flow.screen is Screen.ROUTINE and app.flow.armed and app.monitor.armed


# -- a real MQTT broker (Debian's mosquitto) and a real subscriber -------------------------

MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")
BROKER_USER, BROKER_PASSWORD = "kiosk", "correct horse"


def find_mosquitto() -> str | None:
    import shutil

    return shutil.which("mosquitto") or next((p for p in MOSQUITTO_PATHS if Path(p).exists()), None)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Broker:
    """mosquitto on 127.0.0.1 on a free port, with a config of its own in `folder`.

    `users`: a password file with BROKER_USER (anonymous clients refused); `tls`: a
    listener whose certificate a test CA (trustme) signed; `ca_file` is that CA's PEM.
    It keeps its data (persistent sessions) across `stop()` and `start()`."""

    def __init__(self, folder: Path, *, users: bool = False, tls: bool = False) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.ca_file: Path | None = None
        self.process: subprocess.Popen | None = None
        lines = [
            f"listener {self.port} 127.0.0.1",
            "user root",
            "persistence true",
            f"persistence_location {folder}/",
            f"log_dest file {folder / 'mosquitto.log'}",
            "log_type all",
            f"allow_anonymous {'false' if users else 'true'}",
        ]
        if users:
            passwords = folder / "passwords"
            subprocess.run(
                ["mosquitto_passwd", "-b", "-c", str(passwords), BROKER_USER, BROKER_PASSWORD],
                check=True,
                capture_output=True,
            )
            lines.append(f"password_file {passwords}")
        if tls:
            lines += self._tls_lines()
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _tls_lines(self) -> list[str]:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = self.folder / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.private_key_pem.write_to_path(str(self.folder / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(self.folder / "server.pem"))
        return [
            f"cafile {self.ca_file}",
            f"certfile {self.folder / 'server.pem'}",
            f"keyfile {self.folder / 'server.key'}",
        ]

    def start(self) -> Broker:
        import socket

        binary = find_mosquitto()
        assert binary, "mosquitto is not installed: sudo apt-get install mosquitto"
        self.process = subprocess.Popen(
            [binary, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

        def listening() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log()
            with socket.socket() as sock:
                return sock.connect_ex((self.host, self.port)) == 0

        wait_for(listening, 10.0)
        return self

    def stop(self) -> None:
        """A clean stop (SIGTERM): mosquitto saves its persistent sessions."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None:
            self.thaw()
        self.stop()

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def settings(self, **more: Any) -> dict[str, Any]:
        """The kiosk's settings for this broker (by key with the dot)."""
        values: dict[str, Any] = {"mqtt.host": self.host, "mqtt.port": self.port}
        values.update(more)
        return values

    def config_toml(self, path: Path, **more: Any) -> Path:
        """A kiosk config.toml pointing at this broker, with `more` settings (key=value)."""
        tables: dict[str, dict[str, Any]] = {}
        for key, value in self.settings(**more).items():
            section, name = key.split(".", 1)
            tables.setdefault(section, {})[name] = value
        lines = []
        for section, values in tables.items():
            lines.append(f"[{section}]")
            for name, value in values.items():
                shown = ("true" if value else "false") if isinstance(value, bool) else value
                lines.append(
                    f'{name} = "{value}"' if isinstance(value, str) else f"{name} = {shown}"
                )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


class Subscriber:
    """A real MQTT client (paho) that keeps every message it receives on `topics`.

    `persistent`: a session the broker keeps while this client is away (clean_session off),
    so nothing published during a broker restart is missed."""

    def __init__(
        self,
        broker: Broker,
        topics: tuple[str, ...] = ("#",),
        *,
        persistent: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        import paho.mqtt.client as mqtt

        self.received: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"test-subscriber-{free_port()}",
            clean_session=not persistent,
        )
        if username:
            self.client.username_pw_set(username, password)
        if broker.ca_file is not None:
            self.client.tls_set(ca_certs=str(broker.ca_file))
        self.client.reconnect_delay_set(0.1, 0.5)
        self.subscribed = threading.Event()

        def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
            client.subscribe([(topic, 1) for topic in topics])

        def on_subscribe(*_: Any) -> None:
            self.subscribed.set()

        def on_message(client: Any, userdata: Any, message: Any) -> None:
            with self._lock:
                self.received.append((message.topic, message.payload, bool(message.retain)))

        self.client.on_connect, self.client.on_message = on_connect, on_message
        self.client.on_subscribe = on_subscribe
        self.client.connect_async(broker.host, broker.port, 5)
        self.client.loop_start()
        wait_for(self.subscribed.is_set, 10.0)

    def messages(self, topic: str) -> list[bytes]:
        with self._lock:
            return [payload for t, payload, _ in self.received if t == topic]

    def json(self, topic: str) -> list[Any]:
        import json

        return [json.loads(payload) for payload in self.messages(topic)]

    def retained(self, topic: str) -> list[bytes]:
        with self._lock:
            return [payload for t, payload, retained in self.received if t == topic and retained]

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def event_types(subscriber: Subscriber, topics: Any) -> list[str]:
    """The kiosk's events as a subscriber saw them, in order, each id once."""
    seen: set[str] = set()
    kinds = []
    for event in subscriber.json(topics.event):
        if event["id"] not in seen:
            seen.add(event["id"])
            kinds.append(event["event_type"])
    return kinds
