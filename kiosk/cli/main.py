"""The balance-kiosk command line: one subcommand a job, clear errors, no tracebacks."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk.settings import ConfigError, load_settings


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="settings file (default: /etc/balance-kiosk/config.toml if it exists)",
    )


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
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from kiosk.cli import logs as logs_cli
    from kiosk.cli import play as play_cli
    from kiosk.cli import profiles as profiles_cli
    from kiosk.cli import run as run_command
    from kiosk.service import doctor

    run = commands.add_parser("run", help="run the kiosk")
    _add_config(run)
    run_command.add_arguments(run)
    run.set_defaults(handler=run_command.run)
    play_cli.add_parser(commands)
    logs_cli.add_parser(commands)
    profiles_cli.add_parser(commands)
    doctor.add_parser(commands)

    replay = commands.add_parser(
        "replay", help="replay a distance trace through the safety loop, printing its events"
    )
    replay.add_argument("trace", metavar="TRACE.csv", type=Path)
    _add_config(replay)
    replay.set_defaults(handler=_replay)

    config = commands.add_parser("config", help="print a commented settings file")
    _add_config(config)
    config.set_defaults(handler=_config)
    return parser


def _replay(args: argparse.Namespace) -> int:
    from kiosk.safety.monitor import SafetyConfig
    from kiosk.safety.replay import TraceError, read_trace, write_events

    config = SafetyConfig.from_settings(load_settings(args.config))
    try:
        samples = read_trace(args.trace)
    except TraceError as error:
        print(f"balance-kiosk replay: {error}", file=sys.stderr)
        return 2
    write_events(samples, config, sys.stdout)
    return 0


def _config(args: argparse.Namespace) -> int:
    from kiosk.settings import render_toml

    sys.stdout.write(render_toml(load_settings(args.config)))
    return 0


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
