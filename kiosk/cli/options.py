"""The options every command takes, declared once.

They are accepted before or after the command (`balance-kiosk --data-dir D logs list` and
`balance-kiosk logs list --data-dir D` mean the same): the main parser declares them with real
defaults, and every command's parser declares them again with SUPPRESS as the default, so a
value given before the command is not overwritten by a command that did not see it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DATA_DIR_HELP = (
    "the kiosk's data folder (default: $BALANCE_KIOSK_DATA_DIR, $STATE_DIRECTORY, else ./data)"
)
CONFIG_HELP = "settings file (default: /etc/balance-kiosk/config.toml if it exists)"


def common_options(*, for_command: bool) -> argparse.ArgumentParser:
    """A parent parser with --data-dir, --config and --verbose."""
    parser = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return argparse.SUPPRESS if for_command else value

    parser.add_argument("--data-dir", metavar="DIR", default=default(None), help=DATA_DIR_HELP)
    parser.add_argument(
        "--config", metavar="FILE", type=Path, default=default(None), help=CONFIG_HELP
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="log more detail"
    )
    return parser


def add_command(
    commands: argparse._SubParsersAction, name: str, **options: object
) -> argparse.ArgumentParser:
    """A command's parser, taking the common options too."""
    return commands.add_parser(name, parents=[common_options(for_command=True)], **options)
