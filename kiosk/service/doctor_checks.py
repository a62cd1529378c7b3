"""The checks behind `balance-kiosk doctor`: each looks at one part and says what to do about it.

Every check is a small function that takes what it looks at (the settings, a folder, a way to
open the sensor...) and returns a `CheckResult`. None of them raises on purpose, and
`run_check` turns anything unexpected, or a check that does not finish in time, into a FAIL,
so the command always ends with a report and never with a traceback.

The checks look and do not repair: nothing here creates the data folder, changes a file's
owner, or writes to a session log that a running kiosk (or another user) owns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.buzzer import AlarmBuzzer, BuzzerOutput
from hardware.tof_sensor import Reading, SensorFault, TofSensor
from kiosk.paths import DataFolder
from kiosk.service import screen_facts
from kiosk.service.wall_clock import clock_words

OK = "OK"
WARN = "WARN"
FAIL = "FAIL"
SKIP = "SKIP"

SERVICE_UNIT = "balance-kiosk.service"
I2C_DEVICE = Path("/dev/i2c-1")
MB = 1_000_000
DISK_WARN_BYTES = 200 * MB
DISK_FAIL_BYTES = 20 * MB
RELIABLE_RANGE_MM = 1200

STOP_KIOSK = "sudo systemctl stop balance-kiosk"
I2C_ON_FIX = "turn I2C on: sudo raspi-config nonint do_i2c 0, then sudo reboot"
SENSOR_WIRING_FIX = (
    "check the sensor's four wires: VIN to pin 1 (3V3), SDA to pin 3, SCL to pin 5, GND to "
    "pin 6; then `i2cdetect -y 1` should show the sensor's address (29)"
)
SENSOR_STUCK_FIX = (
    "power the sensor off and on (unplug its VIN wire for a second), or wire its XSHUT pin "
    "and set sensor.xshut_pin so the kiosk can reset it"
)


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: what was checked, how it went, and what to try."""

    name: str
    status: str  # OK | WARN | FAIL | SKIP
    detail: str
    fix: str = ""


# ----------------------------------------------------------------------------- running checks


def run_check(
    name: str, check: Callable[[], CheckResult], timeout_s: float
) -> tuple[CheckResult, bool]:
    """Run one check on a thread of its own; returns its result and whether it hung.

    An exception becomes a FAIL that names it; a check still running after `timeout_s` is
    left behind (its thread is a daemon) and reported as a FAIL.
    """
    box: dict[str, CheckResult] = {}

    def target() -> None:
        try:
            box["result"] = check()
        except BaseException as error:  # a report line, never a traceback
            box["result"] = CheckResult(
                name,
                FAIL,
                f"the check itself failed: {type(error).__name__}: {error}",
                "run `balance-kiosk -v doctor` to see the details, and report them",
            )

    thread = threading.Thread(target=target, name=f"doctor-{name}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        return (
            CheckResult(
                name,
                FAIL,
                f"did not finish within {timeout_s:g} s (something is hanging)",
                "run `balance-kiosk -v doctor` to see where it stops; power the part off and on",
            ),
            True,
        )
    result = box.get("result") or CheckResult(name, FAIL, "the check returned nothing")
    return dataclasses.replace(result, name=name), False


# ------------------------------------------------------------------------------ 1. settings


def describe_settings(settings: Mapping[str, Any], source: str) -> str:
    where = source
    if source == "defaults":
        where = "no config file, the defaults"
    elif source.startswith("defaults + "):
        where = "the defaults + " + source.removeprefix("defaults + ")
    return (
        f"{where}; reach {settings['safety.reach_mm']} mm, sensor {settings['sensor.source']}, "
        f"{settings['buzzer.kind']} buzzer on GPIO{settings['buzzer.pin']}"
    )


# ---------------------------------------------------------------------------------- 2. I2C


def check_i2c(skip_reason: str | None, user: str, device: Path = I2C_DEVICE) -> CheckResult:
    """The I2C bus device exists and this user may read and write it."""
    if skip_reason:
        return CheckResult("i2c", SKIP, skip_reason)
    if not device.exists():
        return CheckResult("i2c", FAIL, f"no {device}: I2C is turned off", I2C_ON_FIX)
    try:
        handle = os.open(device, os.O_RDWR | os.O_NONBLOCK)
    except PermissionError:
        group = _group_of(device)
        return CheckResult(
            "i2c",
            FAIL,
            f"{device} cannot be read and written by {user} ({_owner_text(device)})",
            f"add {user} to the {group} group: sudo usermod -aG {group} {user}, then log out "
            "and in; if I2C was only just turned on (sudo raspi-config nonint do_i2c 0), reboot",
        )
    except OSError as error:
        return CheckResult("i2c", FAIL, f"{device} cannot be opened: {error}", I2C_ON_FIX)
    os.close(handle)
    return CheckResult("i2c", OK, f"{device} can be read and written by {user}")


def join_groups(user: str, *groups: str) -> str:
    """The advice to add `user` to `groups`, or nothing for root (who needs no group)."""
    if user == "root":
        return ""
    names = " and ".join(groups) if len(groups) < 3 else ", ".join(groups)
    return (
        f"; add {user} to the {names} group{'s' if len(groups) > 1 else ''}: sudo usermod "
        f"-aG {','.join(groups)} {user}, then log out and in"
    )


def _group_of(path: Path) -> str:
    try:
        import grp

        name = grp.getgrgid(path.stat().st_gid).gr_name
    except (KeyError, OSError):
        return "i2c"
    return "i2c" if name == "root" else name


def _owner_text(path: Path) -> str:
    try:
        import grp
        import pwd

        info = path.stat()
        owner = pwd.getpwuid(info.st_uid).pw_name
        group = grp.getgrgid(info.st_gid).gr_name
    except (KeyError, OSError):
        return "owner unknown"
    return f"owner {owner}:{group}, mode {info.st_mode & 0o777:04o}"


# -------------------------------------------------------------------------------- 3. sensor

SensorOpener = Callable[[], tuple[TofSensor, Callable[[], None]]]


def check_sensor(
    open_sensor: SensorOpener,
    *,
    address: int,
    period_s: float,
    min_plausible_mm: int = 20,
    emulated: bool = False,
    readings: int = 10,
    window_s: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckResult:
    """Connect to the sensor (the driver checks the chip's ID), take ~10 readings within
    `window_s`, and report their median."""
    chip = f"{'emulated ' if emulated else ''}VL53L0X at 0x{address:02x}"
    try:
        sensor, release = open_sensor()
    except Exception as error:
        return CheckResult(
            "sensor",
            FAIL,
            f"the sensor cannot be set up: {type(error).__name__}: {error}",
            f"{I2C_ON_FIX}; install the Raspberry Pi extra: pip install 'balance-kiosk[pi]'; "
            "if the error names a GPIO pin, check sensor.xshut_pin",
        )
    try:
        got = _take_readings(sensor, readings, window_s, period_s, clock, sleep)
    except SensorFault as fault:
        text = str(fault)
        return CheckResult(
            "sensor", FAIL, text, SENSOR_STUCK_FIX if "stuck" in text else SENSOR_WIRING_FIX
        )
    finally:
        sensor.close()
        with contextlib.suppress(Exception):  # a bus that will not close changes no verdict
            release()
    return _judge_readings(chip, got, window_s, min_plausible_mm)


def _take_readings(
    sensor: TofSensor,
    readings: int,
    window_s: float,
    period_s: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> list[Reading]:
    """Connect, then collect up to `readings` measurements within `window_s` (SensorFault
    propagates)."""
    got: list[Reading] = []
    sensor.connect()
    deadline = clock() + window_s
    while len(got) < readings and clock() < deadline:
        reading = sensor.poll()
        if reading is None:
            sleep(min(0.01, period_s / 4))
        else:
            got.append(reading)
    return got


def _judge_readings(
    chip: str, got: list[Reading], window_s: float, min_plausible_mm: int
) -> CheckResult:
    """The verdict on what the sensor measured: nothing, nothing in range, or a median."""
    if not got:
        return CheckResult(
            "sensor",
            FAIL,
            f"{chip} answers but finished no measurement within {window_s:g} s (stuck?)",
            SENSOR_STUCK_FIX,
        )
    distances = [r.distance_mm for r in got if r.distance_mm is not None]
    if not distances:
        return CheckResult(
            "sensor",
            WARN,
            f"{chip} works, but nothing was in range in {len(got)} readings",
            "stand (or hold a hand) 30-60 cm in front of the sensor and run doctor again; "
            "point it at the walker's hips and keep its window clean",
        )
    median = round(statistics.median(distances))
    counted = f"median of {len(distances)} readings"
    if len(distances) < len(got):
        counted += f"; {len(got) - len(distances)} saw nothing in range"
    return _judge_median(f"{chip}, {median} mm ({counted})", median, min_plausible_mm)


def _judge_median(detail: str, median: int, min_plausible_mm: int) -> CheckResult:
    if median < min_plausible_mm:
        return CheckResult(
            "sensor",
            WARN,
            f"{detail}: implausibly close",
            "take off the protective film, or whatever covers the sensor's window",
        )
    if median > RELIABLE_RANGE_MM:
        return CheckResult(
            "sensor",
            WARN,
            f"{detail}: beyond the sensor's reliable {RELIABLE_RANGE_MM} mm",
            "stand where the walker will walk and run doctor again; point the sensor at the "
            "walker's hips from the support",
        )
    return CheckResult("sensor", OK, detail)


# -------------------------------------------------------------------------------- 4. buzzer


def check_buzzer(
    make_output: Callable[[], BuzzerOutput],
    *,
    describe: str,
    audible: bool,
    timeout_s: float = 2.0,
) -> CheckResult:
    """Play the start-up chirp (two short pulses) and confirm both pulses were driven."""
    try:
        output = make_output()
    except Exception as error:
        return CheckResult(
            "buzzer",
            FAIL,
            f"cannot drive the {describe}: {type(error).__name__}: {error}",
            "check buzzer.pin and buzzer.kind; if the pin is busy, the kiosk is using it "
            f"({STOP_KIOSK}); on a Pi install the pin library (pip install "
            "'balance-kiosk[pi]') and add the user to the gpio group; lgpio needs a writable "
            "working folder (or LG_WD=/tmp)",
        )
    pulses = 0
    done = threading.Event()

    def count(on: bool) -> None:
        nonlocal pulses
        if on:
            pulses += 1
        elif pulses >= 2:
            done.set()

    buzzer = AlarmBuzzer(output, watchdog_s=None)
    try:
        buzzer.add_listener(count)
        buzzer.chirp()
        done.wait(timeout_s)
    finally:
        buzzer.close()
    if pulses < 2:
        return CheckResult(
            "buzzer",
            FAIL,
            f"the chirp did not play on the {describe} ({pulses} of 2 pulses)",
            "run `balance-kiosk -v doctor` to see the pin's error; check the wiring "
            "(buzzer + to the GPIO pin, - to GND)",
        )
    if audible:
        return CheckResult("buzzer", OK, f"{describe}: you should have heard a short double chirp")
    return CheckResult("buzzer", OK, f"{describe}: a double chirp played on mock pins (silent)")


# ------------------------------------------------------------------------------- 5. display


def check_display(
    *,
    on_pi: bool,
    user: str,
    environ: Mapping[str, str] = os.environ,
    sys_drm: Path = screen_facts.SYS_DRM,
    blank_parameter: Path = screen_facts.CONSOLE_BLANK,
) -> CheckResult:
    """SDL can open a video driver: the one SDL_VIDEODRIVER names, else KMSDRM on a Pi; on a
    Pi, the kernel sees a screen and will not blank it."""
    import pygame

    chosen = environ.get("SDL_VIDEODRIVER", "").strip()
    wanted = chosen or ("kmsdrm" if on_pi else "")
    previous = os.environ.get("SDL_VIDEODRIVER")
    if wanted:
        os.environ["SDL_VIDEODRIVER"] = wanted
    try:
        pygame.display.init()
    except pygame.error as error:
        return _display_refused(str(error), wanted, on_pi=on_pi, user=user, sys_drm=sys_drm)
    finally:
        _restore_env("SDL_VIDEODRIVER", previous)
    try:
        driver = pygame.display.get_driver()
        sizes = pygame.display.get_desktop_sizes()
    finally:
        pygame.display.quit()
    return _display_found(driver, sizes, chosen, on_pi=on_pi, blank_parameter=blank_parameter)


def _display_refused(
    error: str, wanted: str, *, on_pi: bool, user: str, sys_drm: Path
) -> CheckResult:
    if on_pi:
        fix = (
            "the kiosk needs the screen to itself: stop the desktop (sudo systemctl stop "
            "lightdm) or the kiosk service, or run it on tty1"
            + join_groups(user, "video", "render", "input")
        )
    else:
        fix = "not a Raspberry Pi: try SDL_VIDEODRIVER=dummy, or `balance-kiosk run --headless`"
    hint = screen_facts.screen_hint(sys_drm) if on_pi else ""
    return CheckResult(
        "display",
        FAIL if on_pi else WARN,
        f"SDL cannot open the {wanted or 'default'} video driver: {error}"
        + (f"; {hint}" if hint else ""),
        fix,
    )


def _display_found(
    driver: str, sizes: list, chosen: str, *, on_pi: bool, blank_parameter: Path
) -> CheckResult:
    screen = f", screen {sizes[0][0]}x{sizes[0][1]}" if sizes else ""
    if not chosen and driver in ("offscreen", "dummy"):
        return CheckResult(
            "display",
            FAIL if on_pi else WARN,
            f"no screen found: SDL fell back to its {driver} driver",
            "start a desktop session, or set SDL_VIDEODRIVER (kmsdrm on a Pi console, dummy "
            "for no screen at all)",
        )
    how = " (from SDL_VIDEODRIVER)" if chosen else ""
    detail = f"SDL video driver {driver}{how}{screen}"
    blank_s = screen_facts.console_blank_s(blank_parameter) if on_pi else None
    if blank_s:
        return CheckResult(
            "display",
            WARN,
            f"{detail}; but the console blanks the screen after {blank_s // 60} min without "
            "a key press (consoleblank)",
            "add consoleblank=0 to /boot/firmware/cmdline.txt (systemd/install.sh does), then "
            "restart",
        )
    return CheckResult("display", OK, detail)


def _restore_env(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


# --------------------------------------------------------------------------------- 6. sound


def check_sound(user: str, cards_file: Path = screen_facts.ASOUND_CARDS) -> CheckResult:
    """pygame's mixer opens the sound output the way the kiosk opens it."""
    import pygame

    from kiosk.player.sound import init_mixer

    try:
        init_mixer()
    except pygame.error as error:
        hint = screen_facts.sound_hint(cards_file)
        return CheckResult(
            "sound",
            WARN,
            f"no sound output ({error}){'; ' + hint if hint else ''}: the routine would play "
            "silently; the buzzer is still the alarm",
            "plug in a speaker or use HDMI sound; with no sound server set "
            "SDL_AUDIODRIVER=alsa" + join_groups(user, "audio"),
        )
    try:
        frequency, _size, channels = pygame.mixer.get_init() or (0, 0, 0)
        driver = pygame.mixer.get_driver()
    finally:
        pygame.mixer.quit()
    return CheckResult("sound", OK, f"SDL audio driver {driver}, {frequency} Hz, {channels} ch")


# ------------------------------------------------------------------------------- 7. routine


def check_routine(name: str) -> CheckResult:
    """The configured routine's manifest loads and its video can be decoded."""
    from kiosk.player.player import PlayerError, probe_video
    from kiosk.player.routine import RoutineError, find_routine, load_routine

    try:
        routine = load_routine(find_routine(name))
        info = probe_video(routine.video_path)
    except (RoutineError, PlayerError) as error:
        return CheckResult(
            "routine",
            FAIL,
            str(error),
            'set routine.name to an installed routine (for example "beginner") or the '
            "routine's folder, or copy the routine's files again",
        )
    length = "length unknown" if info.duration_s != info.duration_s else f"{info.duration_s:.0f} s"
    sound = "with sound" if info.has_audio else "no sound track"
    return CheckResult(
        "routine",
        OK,
        f"{name}: {routine.video_path.name}, {length}, {info.width}x{info.height}, {sound}",
    )


# ------------------------------------------------------------------------------ 8. database


def check_database(data_dir: Path, *, user: str, uid: int | None = None) -> CheckResult:
    """The session log can be read; reports its sessions and schema version.

    Doctor only reads: it never creates, migrates, recovers or sets aside a file (the kiosk
    does that when it starts), so it is safe beside a running kiosk and on a folder given by
    mistake.
    """
    missing = _data_folder_missing(data_dir)
    if missing is not None:
        return missing
    info = data_dir.stat()
    uid = os.geteuid() if uid is None else uid
    owner = _user_name(info.st_uid)
    loose = _loose_permissions(info.st_mode)
    closed = _data_folder_closed(data_dir, info, uid=uid, user=user, owner=owner)
    if closed is not None:
        return closed
    result = _read_only_report(DataFolder(data_dir).sessions_db, owner)
    if loose and result.status == OK:
        return CheckResult("database", WARN, f"{result.detail}; {loose}", f"chmod 700 {data_dir}")
    return result


def _data_folder_missing(data_dir: Path) -> CheckResult | None:
    """A report when there is no data folder to look in (nothing yet, or a file)."""
    if not data_dir.exists():
        return CheckResult(
            "database",
            WARN,
            f"no data folder at {data_dir} yet; the kiosk creates it (mode 0700) when it starts",
            "start the kiosk once, or pass the folder the kiosk uses (--data-dir; the service "
            "keeps it in /var/lib/balance-kiosk)",
        )
    if not data_dir.is_dir():
        return CheckResult(
            "database",
            FAIL,
            f"{data_dir} is a file, not a folder",
            "move that file away, or pass the kiosk's data folder with --data-dir",
        )
    return None


def _data_folder_closed(
    data_dir: Path, info: os.stat_result, *, uid: int, user: str, owner: str
) -> CheckResult | None:
    """A report when this user cannot read the folder, or owns it but cannot write it."""
    if not os.access(data_dir, os.R_OK | os.X_OK):
        return CheckResult(
            "database",
            WARN,
            f"{user} cannot read the data folder {data_dir} (it belongs to {owner})",
            f"run doctor as the kiosk's user: sudo -u {owner} balance-kiosk doctor "
            f"--data-dir {data_dir}",
        )
    if info.st_uid == uid and not os.access(data_dir, os.W_OK):
        return CheckResult(
            "database",
            FAIL,
            f"the data folder {data_dir} cannot be written: no session would be saved",
            "check the SD card is not mounted read-only (findmnt -no OPTIONS /), then give "
            f"the folder back to its user: chmod 700 {data_dir}",
        )
    return None


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return str(uid)


def _loose_permissions(mode: int) -> str:
    if mode & 0o077:
        return (
            f"the folder is open to other users (mode {mode & 0o777:04o}) and the session log "
            "is personal data"
        )
    return ""


def _count(conn: sqlite3.Connection) -> tuple[int, int]:
    sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return int(sessions), int(version)


def _read_only_report(path: Path, owner: str) -> CheckResult:
    from kiosk.log.schema import UnusableDatabase, open_readonly

    if not path.exists():
        return CheckResult("database", OK, f"no session log yet at {path}; the kiosk makes one")
    try:
        conn = open_readonly(path)
        try:
            sessions, version = _count(conn)
            unfinished = _unfinished(conn)
        finally:
            conn.close()
    except UnusableDatabase as error:
        return CheckResult(
            "database",
            WARN,
            f"the session log {path} {error.describe()}",
            "the kiosk keeps such a file aside, unchanged, and starts a new log when it "
            "next starts",
        )
    except (OSError, sqlite3.Error) as error:
        return CheckResult(
            "database",
            WARN,
            f"the session log {path} cannot be read: {error}",
            f"run doctor as the kiosk's user: sudo -u {owner} balance-kiosk doctor "
            f"--data-dir {path.parent}",
        )
    detail = f"{sessions} sessions, schema version {version}, {path}"
    if unfinished:
        detail += f"; {unfinished} open (being recorded, or cut short by a stop or power cut)"
    return CheckResult("database", OK, detail)


def _unfinished(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM sessions WHERE ended_at IS NULL").fetchone()[0])


# ---------------------------------------------------------------------------------- 9. disk


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def check_disk(
    data_dir: Path,
    *,
    free: Callable[[Path], int] = free_bytes,
    warn_below: int = DISK_WARN_BYTES,
    fail_below: int = DISK_FAIL_BYTES,
) -> CheckResult:
    """Free space where the session log is written (or would be, for a folder not made yet)."""
    where = data_dir
    while not where.exists() and where != where.parent:
        where = where.parent
    available = free(where)
    detail = f"{_size(available)} free at {where}"
    fix = (
        "free some space on the SD card (sudo apt-get clean; old screenshots or exported "
        "logs), or move to a larger card"
    )
    if available < fail_below:
        return CheckResult("disk", FAIL, f"only {detail}: sessions cannot be saved", fix)
    if available < warn_below:
        return CheckResult("disk", WARN, f"only {detail}: the SD card is nearly full", fix)
    return CheckResult("disk", OK, detail)


def _size(count: int) -> str:
    if count >= 1000 * MB:
        return f"{count / (1000 * MB):.1f} GB"
    return f"{count / MB:.0f} MB"


# ------------------------------------------------------------------------------- 10. service

Runner = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Systemd:
    """How to ask systemd about the kiosk's unit; `systemctl` is None when it cannot be asked."""

    systemctl: str | None
    why_not: str = ""
    run: Runner = subprocess.run

    def ask(self, verb: str) -> str:
        assert self.systemctl is not None
        try:
            done = self.run(
                [self.systemctl, verb, SERVICE_UNIT], capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.SubprocessError) as error:
            return f"unknown ({error})"
        lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
        return lines[-1].strip() if lines else "unknown"

    def kiosk_running(self) -> bool:
        return self.systemctl is not None and self.ask("is-active") in ("active", "activating")


def find_systemd(
    run: Runner = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
    booted: Path = Path("/run/systemd/system"),
    pid1: Path = Path("/proc/1/comm"),
) -> Systemd:
    systemctl = which("systemctl")
    if systemctl is None:
        return Systemd(None, "there is no systemctl here", run)
    if not booted.is_dir():
        try:
            name = pid1.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            name = "unknown"
        return Systemd(None, f"systemd is not running here (PID 1 is {name})", run)
    return Systemd(systemctl, "", run)


def check_service(systemd: Systemd) -> CheckResult:
    """The kiosk's unit is installed and enabled, so it starts at boot."""
    if systemd.systemctl is None:
        return CheckResult("service", SKIP, systemd.why_not)
    enabled = systemd.ask("is-enabled")
    active = systemd.ask("is-active")
    if enabled == "enabled":
        running = "running now" if active == "active" else f"not running now ({active})"
        return CheckResult("service", OK, f"{SERVICE_UNIT} is enabled (starts at boot), {running}")
    if enabled in ("disabled", "indirect"):
        return CheckResult(
            "service",
            WARN,
            f"{SERVICE_UNIT} is installed but {enabled}: the kiosk will not start at boot",
            "sudo systemctl enable --now balance-kiosk",
        )
    if enabled == "masked":
        return CheckResult(
            "service",
            WARN,
            f"{SERVICE_UNIT} is masked: it cannot start",
            "sudo systemctl unmask balance-kiosk && sudo systemctl enable --now balance-kiosk",
        )
    if enabled == "not-found" or "No such file" in enabled or "not found" in enabled.lower():
        return CheckResult(
            "service",
            WARN,
            f"{SERVICE_UNIT} is not installed: the kiosk will not start at boot",
            "from the project's folder: sudo systemd/install.sh",
        )
    return CheckResult(
        "service",
        WARN,
        f"systemctl is-enabled {SERVICE_UNIT} says: {enabled}",
        "sudo systemd/install.sh installs and enables it",
    )


def check_clock(synchronised: bool | None) -> CheckResult:
    """A Pi has no battery-backed clock: until a time server is reached, dates are a guess."""
    words = clock_words(synchronised)
    if synchronised:
        return CheckResult("clock", OK, words)
    if synchronised is None:
        return CheckResult("clock", SKIP, words)
    detail, _, fix = words.partition(". ")
    return CheckResult("clock", WARN, detail, fix)
