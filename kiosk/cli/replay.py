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
    from hardware.buzzer import NullAlarm
    from hardware.clock import VirtualClock
    from hardware.emulated_tof import FixedWalker
    from kiosk import bootstrap
    from kiosk.safety.replay import REPLAY_IO_TIMEOUT_S, TraceError, read_trace, write_events

    settings = load_settings(args.config)
    try:
        samples = read_trace(args.trace)
    except TraceError as error:
        print(f"balance-kiosk replay: {error}", file=sys.stderr)
        return 2
    clock = VirtualClock(samples[0].t_ms / 1000)
    parts = bootstrap.build_safety(
        settings,
        simulate=True,
        clock=clock,
        sleep=clock.sleep,
        alarm=NullAlarm(),
        walker=FixedWalker(None),
        noise_mm=0.0,
        io_timeout_s=REPLAY_IO_TIMEOUT_S,
    )
    write_events(samples, parts.monitor, parts.simulation, clock, sys.stdout)
    return 0
