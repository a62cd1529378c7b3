"""`balance-kiosk replay TRACE.csv`: a distance trace through the safety loop, fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.options import add_command
from kiosk.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands,
        "replay",
        help="replay a distance trace through the safety loop, printing its events",
    )
    parser.add_argument("trace", metavar="TRACE.csv", type=Path)
    parser.set_defaults(handler=replay_trace)


def replay_trace(args: argparse.Namespace) -> int:
    from kiosk import bootstrap
    from kiosk.safety.replay import TraceError, read_trace, write_events

    settings = load_settings(args.config)
    try:
        samples = read_trace(args.trace)
    except TraceError as error:
        print(f"balance-kiosk replay: {error}", file=sys.stderr)
        return 2
    parts, clock = bootstrap.build_replay(settings, samples[0].t_ms / 1000)
    write_events(samples, parts.monitor, parts.simulation, clock, sys.stdout)
    return 0
