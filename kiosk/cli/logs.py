"""``balance-kiosk logs``: list, show and export the session log from a terminal.

It opens the log read-only, so it is safe while the kiosk runs; it never recovers, migrates or
sets files aside (the kiosk does that when it starts). Exit codes: 0 done, 1 the log or the
session is not there or cannot be read, 2 the command line is wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from kiosk.cli import logs_report
from kiosk.cli.log_access import CliError, open_log_for_reading, run_guarded
from kiosk.cli.options import add_command
from kiosk.log import queries as q
from kiosk.log.export import FORMATS, TABLES, export
from kiosk.vocabulary import ENDING_LABELS, EVENT_LABELS

logger = logging.getLogger(__name__)

PROG = "balance-kiosk logs"
NOT_RECORDED = "not recorded (the kiosk keeps each session's settings since version 4 of its log)"


# ------------------------------------------------------------------- parsers


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands,
        "logs",
        help="list, show and export the session log",
        description="List, show and export the session log. It is only read, never changed.",
    )
    logs_commands = parser.add_subparsers(dest="logs_command", metavar="COMMAND", required=True)

    listing = add_command(logs_commands, "list", help="list sessions, newest first")
    _add_filters(listing)
    listing.add_argument("--page", type=_positive_int, default=1, help="page number (from 1)")
    listing.add_argument("--page-size", type=_positive_int, default=q.DEFAULT_PAGE_SIZE)
    listing.set_defaults(handler=run_list)

    show = add_command(logs_commands, "show", help="show one session and its events")
    show.add_argument("session_id", metavar="ID", help="the session's ID (see 'list')")
    show.set_defaults(handler=run_show)

    exporting = add_command(logs_commands, "export", help="export as CSV or JSON")
    exporting.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        dest="fmt",
        help="csv or json (default: from the --out file's ending, else csv)",
    )
    exporting.add_argument(
        "--what",
        choices=TABLES,
        default="sessions",
        help="CSV only: one row per session (default), per event, or per distance sample",
    )
    exporting.add_argument("--out", metavar="FILE", default="-", help="file to write; - is stdout")
    _add_filters(exporting)
    exporting.set_defaults(handler=run_export)

    logs_report.register(logs_commands)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", metavar="P", help="only this walker (name or ID)")
    parser.add_argument(
        "--since", metavar="DATE", help="only sessions from this day on (YYYY-MM-DD)"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


# ------------------------------------------------------------------ handlers


def run_list(args: argparse.Namespace) -> int:
    return _guarded(_list, args)


def run_show(args: argparse.Namespace) -> int:
    return _guarded(_show, args)


def run_export(args: argparse.Namespace) -> int:
    return _guarded(_export, args)


def _guarded(fn: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    return run_guarded(PROG, fn, args)


UNCONFIRMED_MARK = " *"
UNCONFIRMED_WORDS = "time not confirmed: logged before the clock was set"


def _list(args: argparse.Namespace) -> int:
    conn = open_log_for_reading(args.data_dir)
    profile_id = _profile_id(conn, args.profile)
    since_ms = _since_ms(args.since)
    page = q.list_sessions(
        conn, profile_id=profile_id, since_ms=since_ms, page=args.page, page_size=args.page_size
    )
    if not page.sessions:
        print("No sessions found." if args.page == 1 else f"No sessions on page {args.page}.")
        return 0
    header = ("ID", "Date", "Who", "Routine", "Minutes", "Reminders", "Longest out of reach")
    rows = [
        (
            str(s.id),
            q.local_time(s.started_at).strftime("%a %d %b %Y %H:%M")
            + ("" if s.time_confirmed else UNCONFIRMED_MARK),
            s.profile_name,
            f"{s.routine} (level {s.level})",
            f"{s.minutes_walked:.1f}",
            str(s.reminders),
            _seconds(s.longest_out_of_reach_s) if s.reminders else "-",
            _ending_label(s.ended_how),
        )
        for s in page.sessions
    ]
    _print_table((*header, "Result"), rows, right={0, 4, 5, 6})
    if not all(s.time_confirmed for s in page.sessions):
        print(f"\n{UNCONFIRMED_MARK.strip()} {UNCONFIRMED_WORDS}")
    more = f"; more with --page {args.page + 1}" if page.has_more else ""
    print(f"\nPage {args.page}, {len(rows)} session(s), newest first{more}.")
    return 0


def _show(args: argparse.Namespace) -> int:
    text = args.session_id.strip()
    if not text.isdigit():
        raise CliError(f"a session ID is a number (see 'logs list'), not {text!r}", 2)
    conn = open_log_for_reading(args.data_dir)
    detail = q.session_detail(conn, int(text))
    if detail is None:
        raise CliError(f"there is no session with ID {text} (see 'logs list')")
    s = detail.session
    start = q.local_time(s.started_at)
    end = "still open" if s.ended_at is None else _clock(s.ended_at, with_date=True)
    print(f"Session {s.id}: {s.profile_name}")
    unconfirmed = "" if s.time_confirmed else f" ({UNCONFIRMED_WORDS})"
    _field("Started", f"{start:%a %d %b %Y %H:%M:%S}{unconfirmed}")
    _field("Ended", f"{end} ({_ending_label(s.ended_how)})")
    _field("Routine", f"{s.routine}, level {s.level}")
    _field("Walking", f"{s.minutes_walked:.1f} min (paused {s.seconds_paused / 60:.1f} min)")
    _field("Reminders", f"{s.reminders}, sensor faults {s.faults}")
    _field("Settings", s.settings.describe() if s.settings else NOT_RECORDED)
    for a, b in detail.alarm_spans:
        _field("Out of reach", f"{_clock(a)} to {_clock(b)} ({_seconds((b - a) / 1000)})")
    readings = [x.distance_mm for x in detail.samples if x.distance_mm is not None]
    if detail.samples:
        span = f", {min(readings)} to {max(readings)} mm" if readings else ""
        missing = len(detail.samples) - len(readings)
        _field("Distance", f"{len(detail.samples)} readings{span}, {missing} without a reading")
    print()
    if not detail.events:
        print("No events.")
        return 0
    rows = [
        (
            _clock(e.t),
            _minutes_seconds((e.t - s.started_at) / 1000),
            EVENT_LABELS.get(e.kind, e.kind),
            "" if e.distance_mm is None else f"{e.distance_mm} mm",
            e.detail,
        )
        for e in detail.events
    ]
    _print_table(("Time", "Into", "Event", "Distance", "Detail"), rows, right={1, 3})
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.fmt is None:  # a caregiver who writes --out week.json wants JSON
        args.fmt = "json" if str(args.out).lower().endswith(".json") else "csv"
    if args.fmt == "json" and args.what != "sessions":
        raise CliError("--what is for CSV; the JSON export always holds sessions with events", 2)
    conn = open_log_for_reading(args.data_dir)
    profile_id = _profile_id(conn, args.profile)
    since_ms = _since_ms(args.since)
    options = {"fmt": args.fmt, "what": args.what, "profile_id": profile_id, "since_ms": since_ms}
    encoding = "utf-8-sig" if args.fmt == "csv" else "utf-8"  # the BOM helps spreadsheets
    if args.out in ("-", ""):
        _export_to_stdout(conn, encoding, options)
        return 0
    out_path = Path(args.out)
    part = out_path.with_name(out_path.name + ".part")
    try:
        with part.open("w", encoding=encoding, newline="") as out:
            count = export(conn, out, **options)
        part.replace(out_path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only stick even this fails
            part.unlink(missing_ok=True)
        raise CliError(f"could not write {out_path}: {exc.strerror or exc}") from exc
    noun = "sessions" if args.fmt == "json" else args.what
    print(f"Wrote {count} {noun} to {out_path}.", file=sys.stderr)
    return 0


def _export_to_stdout(conn: sqlite3.Connection, encoding: str, options: dict) -> None:
    """The export on stdout in the same bytes as a file (a CSV starts with its byte-order
    mark), whatever the terminal's locale says."""
    sys.stdout.flush()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
    try:
        export(conn, out, **options)
        out.flush()
    finally:
        out.detach()  # stdout itself stays open for whatever is printed after


# ------------------------------------------------------------------- helpers


def _profile_id(conn: sqlite3.Connection, name: str | None) -> int | None:
    if name is None:
        return None
    found = q.find_profile(conn, name)
    if found is None:
        names = ", ".join(p.name for p in q.profiles(conn)) or "none yet"
        raise CliError(f"no profile named {name!r} (profiles: {names})", 2)
    return found.id


def _since_ms(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--since wants a date like 2026-11-01, not {text!r}", 2) from None
    return q.day_start_ms(day)


def _ending_label(ended_how: str | None) -> str:
    if ended_how is None:
        return "not closed"
    return ENDING_LABELS.get(ended_how, ended_how)


def _field(label: str, value: str) -> None:
    print(f"  {label:<13}{value}")


def _clock(ms: int, with_date: bool = False) -> str:
    return q.local_time(ms).strftime("%a %d %b %Y %H:%M:%S" if with_date else "%H:%M:%S")


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{value / 60:.1f} min"


def _minutes_seconds(value: float) -> str:
    value = max(0, int(value))
    return f"{value // 60}:{value % 60:02d}"


def _print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int], out: TextIO | None = None
) -> None:
    out = out or sys.stdout
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)
        ]
        print("  ".join(cells).rstrip(), file=out)
