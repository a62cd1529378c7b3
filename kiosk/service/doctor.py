"""``balance-kiosk doctor``: check each part of a kiosk and say what to try when one fails.

For an installer or a caregiver at the Pi: one line per part (settings, I2C, sensor, buzzer,
screen, sound, routine, session log, free space, service, MQTT broker), each failure with a
fix, then a summary. ``--json`` prints the same results as a JSON list. Exit code 0 when
nothing FAILs (warnings and skips are fine), 1 otherwise; never a traceback.

Doctor looks and does not repair. It leaves the hardware to a kiosk that is running (the
sensor, buzzer, screen and sound are skipped then), and it only reads the data folder: it
creates nothing there, and a damaged log is reported, not set aside (the kiosk does that).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# pygame prints a banner on import; keep stdout clean for --json.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from kiosk.paths import DataFolder  # noqa: E402
from kiosk.service import doctor_broker  # noqa: E402
from kiosk.service import doctor_checks as checks  # noqa: E402
from kiosk.service.doctor_checks import FAIL, OK, SKIP, WARN, CheckResult  # noqa: E402
from kiosk.service.doctor_nurse_call import check_nurse_call  # noqa: E402
from kiosk.service.wall_clock import clock_synchronised  # noqa: E402

NAME_WIDTH = 12
STATUS_WIDTH = 5
# How long each check may take before it is reported as hanging.
TIMEOUT_S = {
    "config": 5.0,
    "i2c": 3.0,
    "sensor": 10.0,
    "buzzer": 5.0,
    "nurse-call": 5.0,
    "display": 10.0,
    "sound": 10.0,
    "routine": 20.0,
    "database": 15.0,
    "disk": 5.0,
    "clock": 3.0,
    "service": 12.0,
    "broker": doctor_broker.wait_seconds(),
}
CHECK_NAMES = tuple(TIMEOUT_S)


@dataclass(frozen=True)
class Builders:
    """How the kiosk builds the parts doctor tries (kiosk/bootstrap.py hands them over)."""

    build_sensor: Callable[..., Any]
    build_buzzer_output: Callable[..., Any]
    build_nurse_call: Callable[..., Any]
    mock_pins: Callable[[], Any]
    on_raspberry_pi: Callable[[], bool]
    wants_simulation: Callable[..., bool]


def run_doctor(args: argparse.Namespace, builders: Builders) -> int:
    if not getattr(args, "verbose", False):
        # Every problem is in the report; the parts' own log lines would only repeat it.
        logging.disable(logging.ERROR)
    try:
        results, hung = diagnose(args.config, args.data_dir, builders, simulate=args.simulate)
    except Exception as error:  # each check is guarded; this guards the wiring around them
        print(f"balance-kiosk doctor: internal error: {type(error).__name__}: {error}")
        return 1
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print(format_report(results))
    code = 1 if any(r.status == FAIL for r in results) else 0
    if hung:
        # A check is still stuck in a driver call; do not wait for it at interpreter exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def format_report(results: list[CheckResult]) -> str:
    lines = []
    for result in results:
        lines.append(f"{result.status:<{STATUS_WIDTH}}{result.name:<{NAME_WIDTH}}{result.detail}")
        if result.fix and result.status != OK:
            lines.append(f"{'':<{STATUS_WIDTH}}fix: {result.fix}")
    counts = {s: sum(r.status == s for r in results) for s in (OK, WARN, SKIP, FAIL)}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items())
    if counts[FAIL]:
        verdict = "try the fix under each FAIL, then run doctor again"
    elif counts[WARN]:
        verdict = "nothing failed; read the WARN lines"
    else:
        verdict = "all good"
    lines.append(f"doctor: {tally}: {verdict}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- wiring


class _Checks:
    """Runs checks one by one, each with its time limit, and keeps their results."""

    def __init__(self) -> None:
        self.results: list[CheckResult] = []
        self.hung = False

    def run(self, name: str, check: Callable[[], CheckResult]) -> None:
        result, stuck = checks.run_check(name, check, TIMEOUT_S[name])
        self.hung = self.hung or stuck
        self.results.append(result)


def _unless(in_use: bool, what: str, check: Callable[[], CheckResult]) -> Callable[[], CheckResult]:
    """`check`, or a SKIP that says how to check it when the running kiosk uses `what`."""
    if not in_use:
        return check
    why = f"the kiosk is running and uses {what}; to check it: {checks.STOP_KIOSK}, then "
    return lambda: CheckResult("", SKIP, why + "run doctor again")


def diagnose(
    config: Path | None,
    data_dir_arg: str | None,
    builders: Builders,
    *,
    simulate: bool = False,
) -> tuple[list[CheckResult], bool]:
    """Run every check in order; returns the results and whether any check hung."""
    from kiosk.settings import Settings

    done = _Checks()
    user = current_user()
    data_dir = data_dir_path(data_dir_arg)
    on_pi = builders.on_raspberry_pi()
    loaded: dict[str, Settings] = {}
    done.run("config", lambda: _check_config(config, data_dir, user, loaded))
    settings = loaded.get("settings") or Settings()
    simulated = builders.wants_simulation(settings, simulate)
    systemd = checks.find_systemd()
    kiosk_running = systemd.kiosk_running()
    skip_i2c = _simulation_reason(settings, simulate, on_pi) if simulated else None
    hardware_in_use = kiosk_running and not simulated  # emulated parts disturb nothing
    done.run("i2c", lambda: checks.check_i2c(skip_i2c, user))
    sensor = _sensor_check(settings, simulated, builders)
    done.run("sensor", _unless(hardware_in_use, "the sensor", sensor))
    buzzer = _buzzer_check(settings, simulated, builders)
    done.run("buzzer", _unless(hardware_in_use, "its buzzer", buzzer))
    nurse = _nurse_call_check(settings, simulated, builders)
    done.run("nurse-call", _unless(hardware_in_use, "the nurse-call pin", nurse))
    display = functools.partial(checks.check_display, on_pi=on_pi, user=user)
    done.run("display", _unless(kiosk_running, "the screen", display))
    sound = functools.partial(checks.check_sound, user)
    done.run("sound", _unless(kiosk_running, "the sound output", sound))
    done.run("routine", lambda: checks.check_routine(settings["routine.name"]))
    done.run("database", lambda: checks.check_database(data_dir, user=user))
    done.run("disk", lambda: checks.check_disk(data_dir))
    done.run("clock", lambda: checks.check_clock(clock_synchronised()))
    done.run("service", lambda: checks.check_service(systemd))
    done.run("broker", lambda: doctor_broker.check_broker(settings, systemd))
    return done.results, done.hung


def current_user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER", "this user")


def data_dir_path(cli_value: str | None) -> Path:
    """The data folder the kiosk would use, the way `resolve_data_dir` chooses it, without
    creating it."""
    return DataFolder.choose(cli_value).path


def _check_config(
    config: Path | None, data_dir: Path, user: str, loaded: dict[str, Any]
) -> CheckResult:
    from kiosk.settings import ConfigError, load_settings

    overrides = DataFolder(data_dir).settings_overrides  # the caregiver's changes
    note = ""
    try:
        use_overrides = overrides.is_file()
    except OSError:
        use_overrides = False
        note = f"; {user} cannot read the caregiver's changes in {overrides}"
    try:
        settings = load_settings(config, overrides if use_overrides else None)
    except ConfigError as error:
        return CheckResult(
            "config",
            FAIL,
            str(error),
            "change or delete the setting named above; the checks below used the defaults",
        )
    loaded["settings"] = settings
    detail = checks.describe_settings(settings, settings.source) + note
    if note:
        return CheckResult("config", WARN, detail, "run doctor as the kiosk's user (sudo -u kiosk)")
    return CheckResult("config", OK, detail)


def _simulation_reason(settings: Mapping[str, Any], simulate: bool, on_pi: bool) -> str:
    if simulate:
        return "--simulate: the emulated sensor and mock pins are used"
    if settings["sensor.source"] == "simulated":
        return 'sensor.source = "simulated": the emulated sensor and mock pins are used'
    return "not a Raspberry Pi: the emulated sensor and mock pins are used"


def _sensor_check(
    settings: Mapping[str, Any], simulated: bool, builders: Builders
) -> Callable[[], CheckResult]:
    """The sensor the kiosk would build, built the same way."""
    from hardware.emulated_tof import ADDRESS

    address = ADDRESS if simulated else settings["sensor.i2c_address"]

    def open_sensor() -> tuple[Any, Callable[[], None]]:
        parts = builders.build_sensor(settings, simulate=simulated)
        return parts.sensor, parts.release

    from kiosk.safety.monitor import SafetyConfig

    return lambda: checks.check_sensor(
        open_sensor,
        address=address,
        period_s=settings["sensor.period_ms"] / 1000,
        min_plausible_mm=SafetyConfig.from_settings(settings).min_plausible_mm,
        emulated=simulated,
    )


def _nurse_call_check(
    settings: Mapping[str, Any], simulated: bool, builders: Builders
) -> Callable[[], CheckResult]:
    def make_output() -> Any:
        return builders.build_nurse_call(settings, builders.mock_pins() if simulated else None)

    pin, mode = settings["nurse_call.pin"], settings["nurse_call.mode"]
    return lambda: check_nurse_call(make_output, pin=pin, mode=mode, simulated=simulated)


def _buzzer_check(
    settings: Mapping[str, Any], simulated: bool, builders: Builders
) -> Callable[[], CheckResult]:
    kind, pin = settings["buzzer.kind"], settings["buzzer.pin"]

    def make_output() -> Any:
        pins = builders.mock_pins() if simulated else None
        return builders.build_buzzer_output(settings, pins)

    part = "active buzzer" if kind == "active" else "passive piezo (tonal)"
    return lambda: checks.check_buzzer(
        make_output, describe=f"{part} on GPIO{pin}", audible=not simulated
    )
