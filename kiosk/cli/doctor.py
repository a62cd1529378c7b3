"""`balance-kiosk doctor`: check each part of the kiosk and say what to try when one fails."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.options import add_command


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands,
        "doctor",
        help="check the sensor, buzzer, screen, sound, routine and session log",
        description="Check each part of the kiosk and say what to try when one fails. "
        "Exit code 0 when no check fails, 1 when one does. The data folder is never created.",
    )
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="check with the emulated sensor and mock GPIO pins",
    )
    parser.add_argument("--json", action="store_true", help="print the results as a JSON list")
    parser.set_defaults(handler=doctor)


def doctor(args: argparse.Namespace) -> int:
    from kiosk.service.doctor import run_doctor

    return run_doctor(args, bootstrap_builders())


def bootstrap_builders() -> Any:
    """The builders of the wiring point, for doctor to try the parts the kiosk would use."""
    from hardware.pins import mock_pin_factory
    from kiosk import bootstrap
    from kiosk.service.doctor import Builders

    return Builders(
        build_sensor=bootstrap.build_sensor,
        build_buzzer_output=bootstrap.build_buzzer_output,
        build_nurse_call=bootstrap.build_nurse_call,
        mock_pins=mock_pin_factory,
        on_raspberry_pi=bootstrap.on_raspberry_pi,
        wants_simulation=bootstrap.wants_simulation,
    )
