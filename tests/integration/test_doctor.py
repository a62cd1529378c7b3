"""`balance-kiosk doctor`: the whole command in a subprocess, and each check on its own."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from fakes import run_cli

from hardware.buzzer import make_buzzer_output
from hardware.emulated_tof import ADDRESS, EmulatedI2CBus
from hardware.tof_sensor import TofSensor
from kiosk.cli.doctor import bootstrap_builders
from kiosk.log.store import SessionStore
from kiosk.service import doctor_checks as checks
from kiosk.service.doctor import CHECK_NAMES, diagnose, format_report
from kiosk.service.doctor_checks import FAIL, OK, SKIP, WARN, CheckResult

STATUSES = (OK, WARN, FAIL, SKIP)


def doctor(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("doctor", *args, cwd=cwd, timeout=60)


def report_lines(stdout: str) -> dict[str, tuple[str, str, list[str]]]:
    """name -> (status, detail, the fix lines under it)."""
    found: dict[str, tuple[str, str, list[str]]] = {}
    name = ""
    for line in stdout.splitlines():
        if line.startswith("     fix: "):
            found[name][2].append(line.removeprefix("     fix: "))
        elif line[:4].strip() in STATUSES:
            status, name = line[:5].strip(), line[5:17].strip()
            found[name] = (status, line[17:], [])
    return found


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[safety]\nreach_mm = 600\n")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    return folder


# -------------------------------------------------------------------------- the whole command


def test_simulated_kiosk_passes_every_check(tmp_path, config, data_dir):
    result = doctor("--simulate", "--config", config, "--data-dir", data_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = report_lines(result.stdout)
    assert tuple(lines) == CHECK_NAMES
    assert all(status in (OK, WARN, SKIP) for status, _, _ in lines.values()), result.stdout
    assert lines["config"][0] == OK and str(config) in lines["config"][1]
    assert lines["i2c"][0] == SKIP and "--simulate" in lines["i2c"][1]
    assert lines["sensor"][0] == OK and "VL53L0X at 0x29" in lines["sensor"][1]
    assert lines["buzzer"][0] == OK and "double chirp" in lines["buzzer"][1]
    assert lines["display"][0] == OK and "dummy" in lines["display"][1]
    assert lines["sound"][0] == OK and "dummy" in lines["sound"][1]
    assert lines["routine"][0] == OK and "beginner" in lines["routine"][1]
    assert lines["database"][0] == OK and "no session log yet" in lines["database"][1]
    assert lines["disk"][0] in (OK, WARN) and str(data_dir) in lines["disk"][1]
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("doctor: ") and "0 FAIL" in summary
    assert list(data_dir.iterdir()) == []  # doctor only reads: nothing was made


def test_json_lists_every_check(tmp_path, config, data_dir):
    result = doctor(
        "--simulate", "--json", "--config", config, "--data-dir", data_dir, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    entries = json.loads(result.stdout)
    assert [e["name"] for e in entries] == list(CHECK_NAMES)
    for entry in entries:
        assert set(entry) == {"name", "status", "detail", "fix"}
        assert entry["status"] in STATUSES and entry["detail"]


def test_bad_config_fails_with_its_message(tmp_path, data_dir):
    bad = tmp_path / "bad.toml"
    bad.write_text("[safety]\nreach_mm = 1500\n")
    result = doctor("--simulate", "--config", bad, "--data-dir", data_dir, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    status, detail, fix = report_lines(result.stdout)["config"]
    assert status == FAIL
    assert "safety.reach_mm = 1500 is out of range" in detail
    assert fix and "defaults" in fix[0]
    # The other checks still ran, on the defaults.
    assert report_lines(result.stdout)["sensor"][0] == OK


def test_missing_routine_fails(tmp_path, data_dir):
    config = tmp_path / "config.toml"
    config.write_text('[routine]\nname = "no-such-routine"\n')
    result = doctor("--simulate", "--config", config, "--data-dir", data_dir, cwd=tmp_path)
    assert result.returncode == 1
    status, detail, fix = report_lines(result.stdout)["routine"]
    assert status == FAIL and "no-such-routine" in detail and fix


def test_a_corrupt_log_is_reported_and_left_for_the_kiosk(tmp_path, config, data_dir):
    garbage = bytes(range(256)) * 16
    (data_dir / "sessions.db").write_bytes(garbage)
    result = doctor("--simulate", "--config", config, "--data-dir", data_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    status, detail, fix = report_lines(result.stdout)["database"]
    assert status == WARN and "could not be read" in detail
    assert "keeps such a file aside" in fix[0]
    assert list(data_dir.iterdir()) == [data_dir / "sessions.db"]
    assert (data_dir / "sessions.db").read_bytes() == garbage


def test_missing_data_dir_is_not_created(tmp_path, config):
    missing = tmp_path / "not-yet"
    result = doctor("--simulate", "--config", config, "--data-dir", missing, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = report_lines(result.stdout)
    assert lines["database"][0] == WARN and "no data folder" in lines["database"][1]
    assert lines["disk"][0] in (OK, WARN) and str(tmp_path) in lines["disk"][1]
    assert not missing.exists()


# ------------------------------------------------------------------------------ the sensor


def opener(bus, io_timeout_s: float = 0.05):
    return lambda: (TofSensor(bus, address=ADDRESS, io_timeout_s=io_timeout_s), lambda: None)


def sensor_check(bus, clock, **options):
    return checks.check_sensor(
        opener(bus), address=ADDRESS, period_s=0.033, clock=clock, sleep=clock.sleep, **options
    )


def test_sensor_reports_the_median(bus, clock):
    result = sensor_check(bus, clock, emulated=True)
    assert result.status == OK
    assert result.detail == "emulated VL53L0X at 0x29, 450 mm (median of 10 readings)"


def test_unplugged_sensor_fails_naming_the_wiring(clock):
    result = sensor_check(EmulatedI2CBus({}), clock)
    assert result.status == FAIL
    assert "no sensor found at I2C address 0x29" in result.detail
    assert "wiring" in result.detail and "i2cdetect" in result.fix


def test_stuck_sensor_fails(bus, chip, clock):
    chip.stuck = True
    result = sensor_check(bus, clock)
    assert result.status == FAIL and "stuck" in result.detail
    assert "XSHUT" in result.fix


def test_nothing_in_range_warns(bus, walker, clock):
    walker.move_to(None)
    result = sensor_check(bus, clock)
    assert result.status == WARN and "nothing was in range" in result.detail


def test_covered_sensor_warns(bus, walker, clock):
    walker.move_to(5)
    result = sensor_check(bus, clock, min_plausible_mm=20)
    assert result.status == WARN and "5 mm" in result.detail and "film" in result.fix


def test_sensor_that_never_measures_fails(clock):
    class Silent:
        def connect(self) -> None:
            pass

        def poll(self) -> None:
            return None

        def close(self) -> None:
            pass

    result = checks.check_sensor(
        lambda: (Silent(), lambda: None),  # type: ignore[arg-type, return-value]
        address=ADDRESS,
        period_s=0.033,
        clock=clock,
        sleep=clock.sleep,
    )
    assert result.status == FAIL and "no measurement" in result.detail


def test_bus_that_cannot_open_fails():
    def broken():
        raise NotImplementedError("Blinka does not know this board")

    result = checks.check_sensor(broken, address=ADDRESS, period_s=0.033)  # type: ignore[arg-type]
    assert result.status == FAIL and "Blinka does not know this board" in result.detail
    assert "raspi-config" in result.fix


# --------------------------------------------------------------------- the other checks


def test_disk_thresholds(tmp_path):
    def at(free: int) -> CheckResult:
        return checks.check_disk(tmp_path, free=lambda _path: free)

    assert at(500 * checks.MB).status == OK
    assert at(200 * checks.MB).status == OK
    assert at(199 * checks.MB).status == WARN
    assert at(20 * checks.MB).status == WARN
    low = at(19 * checks.MB)
    assert low.status == FAIL and "19 MB" in low.detail and low.fix


def test_disk_of_a_folder_not_made_yet_is_measured_at_its_parent(tmp_path):
    seen: list[Path] = []
    checks.check_disk(tmp_path / "a" / "b", free=lambda p: seen.append(p) or 10**10)
    assert seen == [tmp_path]


def test_buzzer_chirps_twice(mock_factory):
    result = checks.check_buzzer(
        lambda: make_buzzer_output("active", 17, mock_factory),
        describe="active buzzer on GPIO17",
        audible=True,
    )
    assert result.status == OK and "short double chirp" in result.detail
    assert [state for _, state in mock_factory.pin(17).states].count(True) == 2


def test_buzzer_that_cannot_be_built_fails():
    def broken():
        raise RuntimeError("GPIO busy")

    result = checks.check_buzzer(broken, describe="active buzzer on GPIO17", audible=True)
    assert result.status == FAIL and "GPIO busy" in result.detail and result.fix


def test_i2c(tmp_path):
    assert checks.check_i2c("--simulate: emulated", "pi").status == SKIP
    missing = checks.check_i2c(None, "pi", tmp_path / "i2c-1")
    assert missing.status == FAIL and "do_i2c 0" in missing.fix
    device = tmp_path / "i2c-1"
    device.write_bytes(b"")
    assert checks.check_i2c(None, "pi", device).status == OK


def test_display_driver(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    result = checks.check_display(on_pi=False, user="pi")
    assert result.status == OK and "dummy" in result.detail
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    on_pi = checks.check_display(on_pi=True, user="pi")
    assert on_pi.status == FAIL and "video,render,input" in on_pi.fix and "tty1" in on_pi.fix
    assert checks.check_display(on_pi=False, user="pi").status == WARN
    assert os.environ["SDL_VIDEODRIVER"] == "no-such-driver"


def test_database_folder_open_to_others_warns(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o755)
    result = checks.check_database(folder, user="pi")
    assert result.status == WARN and "0755" in result.detail
    assert result.fix == f"chmod 700 {folder}"


def test_database_of_another_user_is_only_read(data_dir):
    garbage = b"not a database at all" * 100
    (data_dir / "sessions.db").write_bytes(garbage)
    result = checks.check_database(data_dir, user="pi", uid=os.geteuid() + 1)
    assert result.status == WARN and "could not be read" in result.detail
    assert (data_dir / "sessions.db").read_bytes() == garbage
    assert list(data_dir.iterdir()) == [data_dir / "sessions.db"]


def test_database_with_an_open_session_is_not_recovered(data_dir):
    store = SessionStore.open(data_dir / "sessions.db")
    session = store.start_session(store.add_profile("Ann"), "beginner", 1)
    store.close()
    result = checks.check_database(data_dir, user="pi")
    assert result.status == OK and "1 sessions" in result.detail and "1 open" in result.detail
    with sqlite3.connect(data_dir / "sessions.db") as conn:
        ended = conn.execute("SELECT ended_at FROM sessions WHERE id = ?", (session,)).fetchone()
    assert ended == (None,)


def test_service(tmp_path):
    assert checks.check_service(checks.Systemd(None, "no systemd")).status == SKIP

    def answering(enabled: str, active: str = "active", stderr: str = ""):
        def run(command, **_options):
            out = enabled if command[1] == "is-enabled" else active
            return subprocess.CompletedProcess(command, 0, out + "\n", stderr)

        return checks.Systemd("/bin/systemctl", run=run)

    assert checks.check_service(answering("enabled")).status == OK
    disabled = checks.check_service(answering("disabled"))
    assert disabled.status == WARN and "enable" in disabled.fix
    gone = checks.check_service(
        answering("", stderr="Failed to get unit file state: No such file or directory")
    )
    assert gone.status == WARN and "not installed" in gone.detail
    (tmp_path / "comm").write_text("init\n")
    found = checks.find_systemd(
        which=lambda _: "/bin/systemctl", booted=tmp_path / "none", pid1=tmp_path / "comm"
    )
    assert found.systemctl is None and "PID 1 is init" in found.why_not


def test_a_running_kiosk_keeps_its_hardware(tmp_path, data_dir, monkeypatch):
    def systemctl(command, **_options):
        out = "enabled" if command[1] == "is-enabled" else "active"
        return subprocess.CompletedProcess(command, 0, out + "\n", "")

    monkeypatch.setattr(
        checks, "find_systemd", lambda: checks.Systemd("/bin/systemctl", run=systemctl)
    )
    config = tmp_path / "config.toml"
    config.write_text('[sensor]\nsource = "i2c"\n')
    results, hung = diagnose(config, str(data_dir), bootstrap_builders(), simulate=False)
    found = {r.name: r for r in results}
    assert not hung and tuple(found) == CHECK_NAMES
    for name in ("sensor", "buzzer", "display", "sound"):
        assert found[name].status == SKIP, found[name]
        assert "sudo systemctl stop balance-kiosk" in found[name].detail
    assert "no session log yet" in found["database"].detail
    assert not (data_dir / "sessions.db").exists()
    assert found["service"].status == OK and "running now" in found["service"].detail


# ------------------------------------------------------------------------ running and output


def test_an_exception_becomes_a_fail():
    result, hung = checks.run_check("disk", lambda: 1 // 0, timeout_s=5)  # type: ignore[arg-type]
    assert not hung
    assert result.status == FAIL and "ZeroDivisionError" in result.detail


def test_a_hanging_check_is_reported():
    release = threading.Event()

    def hang() -> CheckResult:
        release.wait()
        return CheckResult("sensor", OK, "late")

    try:
        result, hung = checks.run_check("sensor", hang, timeout_s=0.05)
    finally:
        release.set()
    assert hung and result.status == FAIL and "did not finish" in result.detail


def test_report_layout():
    text = format_report(
        [
            CheckResult("sensor", OK, "VL53L0X at 0x29, 452 mm"),
            CheckResult("i2c", FAIL, "no /dev/i2c-1: I2C is turned off", "turn it on"),
            CheckResult("service", SKIP, "no systemd", ""),
        ]
    )
    assert text.splitlines() == [
        "OK   sensor      VL53L0X at 0x29, 452 mm",
        "FAIL i2c         no /dev/i2c-1: I2C is turned off",
        "     fix: turn it on",
        "SKIP service     no systemd",
        "doctor: 1 OK, 0 WARN, 1 SKIP, 1 FAIL: try the fix under each FAIL, then run doctor again",
    ]


def test_a_data_folder_that_cannot_be_written_fails(tmp_path, monkeypatch):
    from kiosk.service import doctor_checks

    folder = tmp_path / "data"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        doctor_checks.os,
        "access",
        lambda p, mode: (
            False if (mode & os.W_OK and str(p) == str(folder)) else real_access(p, mode)
        ),
    )
    result = doctor_checks.check_database(folder, user="kiosk")
    assert result.status == doctor_checks.FAIL and "cannot be written" in result.detail


# --- A Pi without a desktop: what the kernel says about its screen, sound and blanking ---------


def fake_drm(tmp_path: Path, **outputs: str) -> Path:
    """A /sys/class/drm with card0 and the given outputs (name=status)."""
    drm = tmp_path / "drm"
    (drm / "card0").mkdir(parents=True)
    for name, status in outputs.items():
        (drm / f"card0-{name.replace('_', '-')}").mkdir()
        (drm / f"card0-{name.replace('_', '-')}" / "status").write_text(f"{status}\n")
    return drm


def test_a_pi_with_no_screen_plugged_in_names_the_empty_outputs(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    drm = fake_drm(tmp_path, HDMI_A_1="disconnected", HDMI_A_2="disconnected")
    result = checks.check_display(on_pi=True, user="pi", sys_drm=drm)
    assert result.status == FAIL
    assert "no screen is connected (HDMI-A-1, HDMI-A-2: disconnected)" in result.detail
    assert "check the cable" in result.detail


def test_a_pi_without_a_display_driver_is_told_the_overlay(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    result = checks.check_display(on_pi=True, user="pi", sys_drm=tmp_path / "no-drm")
    assert result.status == FAIL and "dtoverlay=vc4-kms-v3d" in result.detail


def test_a_connected_screen_that_sdl_cannot_open_gets_no_cable_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    drm = fake_drm(tmp_path, HDMI_A_1="disconnected", DSI_1="connected")
    result = checks.check_display(on_pi=True, user="pi", sys_drm=drm)
    assert result.status == FAIL and "cable" not in result.detail
    assert "no-such-driver" in result.detail


def test_a_console_that_blanks_is_a_warning_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    blank = tmp_path / "consoleblank"
    blank.write_text("600\n")
    result = checks.check_display(on_pi=True, user="pi", blank_parameter=blank)
    assert result.status == WARN and "after 10 min" in result.detail
    assert "consoleblank=0" in result.fix
    blank.write_text("0\n")
    assert checks.check_display(on_pi=True, user="pi", blank_parameter=blank).status == OK
    blank.write_text("600\n")
    off_pi = checks.check_display(on_pi=False, user="pi", blank_parameter=blank)
    assert off_pi.status == OK, "a desktop computer's console is not the kiosk's concern"


NO_CARDS = "--- no soundcards ---\n"
PI_CARDS = """ 0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0
                      vc4-hdmi-0
 1 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                      bcm2835 Headphones
"""


def test_no_sound_card_is_said_in_plain_words(tmp_path, monkeypatch):
    import pygame

    def no_device(*args, **kwargs):
        # What SDL says on a Pi with no sound card (an unknown SDL_AUDIODRIVER is not a sure
        # way: newer SDL falls back to another driver).
        raise pygame.error("No available audio device")

    monkeypatch.setattr(pygame.mixer, "init", no_device)
    cards = tmp_path / "cards"
    cards.write_text(NO_CARDS)
    result = checks.check_sound("pi", cards_file=cards)
    assert result.status == WARN
    assert "the kernel lists no sound card" in result.detail and "USB speaker" in result.detail
    assert "the buzzer is still the alarm" in result.detail
    cards.write_text(PI_CARDS)
    with_card = checks.check_sound("pi", cards_file=cards)
    assert with_card.status == WARN and "no sound card" not in with_card.detail


def test_sound_cards_are_read_by_name(tmp_path):
    from kiosk.service.screen_facts import sound_cards

    cards = tmp_path / "cards"
    cards.write_text(PI_CARDS)
    assert sound_cards(cards) == ["vc4-hdmi-0", "bcm2835 Headphones"]
    cards.write_text(NO_CARDS)
    assert sound_cards(cards) == []
    assert sound_cards(tmp_path / "absent") is None


@pytest.mark.parametrize(
    ("mode", "idle", "said"),
    [("normally_closed", 1, "reads as a call while the kiosk is stopped"),
     ("normally_open", 0, "stays silent while the kiosk is stopped")],
)  # fmt: skip
def test_the_nurse_call_pin_is_driven_to_no_call_and_never_calls(mode, idle, said):
    from gpiozero.pins.mock import MockFactory

    from hardware.nurse_call import NurseCallOutput
    from kiosk.service.doctor_nurse_call import check_nurse_call

    pins = MockFactory()
    made = []

    def make():
        made.append(NurseCallOutput(27, mode, pins))
        return made[-1]

    result = check_nurse_call(make, pin=27, mode=mode, simulated=True)
    assert result.status == "OK" and said in result.detail
    states = [int(state) for _, state in pins.pin(27).states]
    assert idle in states and states[-1] == 0, states  # driven to "no call", then released
    assert 1 - idle not in states[1:-1], states  # never a call while the check holds it
    assert check_nurse_call(make, pin=-1, mode=mode, simulated=True).status == "SKIP"


def test_a_nurse_call_pin_that_cannot_be_driven_is_a_failure_with_the_fix():
    from kiosk.service.doctor_nurse_call import check_nurse_call

    def busy():
        raise OSError("GPIO27 is in use")

    result = check_nurse_call(busy, pin=27, mode="normally_closed", simulated=False)
    assert result.status == "FAIL" and "GPIO27 is in use" in result.detail
    assert "nurse_call.pin" in result.fix
