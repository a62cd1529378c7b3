"""The balance-kiosk command line: one module a command, clear errors, no tracebacks.

A new command is a module in kiosk/cli/ with a `register(commands)` function, plus one line in
COMMANDS below.
"""

from __future__ import annotations

import argparse
import logging
import sys

from kiosk.cli import config, doctor, logs, pin, play, profiles, replay, run
from kiosk.cli.options import common_options
from kiosk.settings import ConfigError

COMMANDS = (run, play, logs, profiles, doctor, replay, config, pin)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("balance-kiosk")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="balance-kiosk",
        description="A kiosk for backward-walking practice beside a support.",
        parents=[common_options(for_command=False)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except ConfigError as error:
        print(f"balance-kiosk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as error:  # a folder that cannot be made, a file that cannot be written
        print(f"balance-kiosk {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
