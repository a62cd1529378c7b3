"""`balance-kiosk config`: print a commented settings file with the values in force."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli.options import add_command
from kiosk.paths import DataFolder
from kiosk.settings import load_settings, render_toml


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands,
        "config",
        help="print a commented settings file",
        description="Print a commented settings file with every setting: the values of "
        "--config (or the system file), with the caregiver's changes kept in the data folder.",
    )
    parser.set_defaults(handler=print_config)


def print_config(args: argparse.Namespace) -> int:
    overrides = DataFolder.choose(args.data_dir).settings_overrides  # read only, never made
    settings = load_settings(args.config, overrides if overrides.is_file() else None)
    sys.stdout.write(render_toml(settings))
    return 0
