"""The balance-kiosk command line: one module a command, clear errors, no tracebacks.

A new command is a module in kiosk/cli/ with a `register(commands)` function, plus its name in
COMMANDS below. Only the command named on the line is imported (all of them for --help or a
word that is not a command), so `play` starts without loading the log, settings and PIN code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from kiosk.cli.options import common_options

COMMANDS = ("run", "play", "logs", "profiles", "doctor", "replay", "config", "pin", "web")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("balance-kiosk")
    except PackageNotFoundError:
        return "(not installed)"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked; reading the installed package's
    metadata at every start cost ``play`` about 25 ms of CPU (importlib.metadata)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def command_named(argv: list[str]) -> str | None:
    """The command `argv` names when its first word that is not an option is one; else None
    (an option's value may come first: then every command is registered, as without argv)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given the `argv` it will parse, only the command named."""
    parser = argparse.ArgumentParser(
        prog="balance-kiosk",
        description="A kiosk for backward-walking practice beside a support.",
        parents=[common_options(for_command=False)],
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = command_named(argv) if argv is not None else None
    for name in (chosen,) if chosen else COMMANDS:
        importlib.import_module(f"kiosk.cli.{name}").register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kiosk.settings import ConfigError

    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
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
