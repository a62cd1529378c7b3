"""``balance-kiosk logs report``: the clinician's PDF for one walker and period.

Like the other ``logs`` commands it only reads the log, so it is safe while the kiosk runs.
The PDF is written under a temporary name beside the file asked for and renamed when complete.
Exit codes: 0 written, 1 the log cannot be read or the file cannot be written, 2 the command
line is wrong (an unknown walker, a bad date, a period that ends before it starts).
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import date
from pathlib import Path

from kiosk.cli.log_access import CliError, open_log_for_reading, run_guarded
from kiosk.cli.options import add_command
from kiosk.log import queries as q

PROG = "balance-kiosk logs report"
FIRST_YEAR, LAST_YEAR = 1970, 9998


def register(logs_commands: argparse._SubParsersAction) -> None:
    report = add_command(
        logs_commands,
        "report",
        help="a clinician's PDF report for one walker and period",
        description="Write a PDF report of one walker's sessions from one day to another: "
        "minutes and sessions per week against the goal, out-of-reach reminders, sensor "
        "faults, calls for help, the trend and the build-up suggestion.",
    )
    report.add_argument("--walker", metavar="NAME", required=True, help="the walker (name or ID)")
    report.add_argument(
        "--from", dest="first", metavar="DATE", required=True, help="first day (YYYY-MM-DD)"
    )
    report.add_argument(
        "--to", dest="last", metavar="DATE", required=True, help="last day, included (YYYY-MM-DD)"
    )
    report.add_argument("--out", metavar="FILE.pdf", required=True, help="the PDF file to write")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    return run_guarded(PROG, _report, args)


def _report(args: argparse.Namespace) -> int:
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    if first > last:
        raise CliError(
            f"the period ends before it starts (--from {first} is after --to {last}); "
            "swap the two dates",
            2,
        )
    out = _output_path(args.out)
    conn = open_log_for_reading(args.data_dir)
    walker = _walker(conn, args.walker)
    from kiosk.report import write_report  # reportlab loads only for this command
    from kiosk.report.fonts import FontMissing

    try:
        report = write_report(conn, walker, first, last, out)
    except FontMissing as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(
            f"could not write {out}: {exc.strerror or exc}; choose a folder you may write to"
        ) from exc
    pages = f"{report.pages} page{'s' if report.pages != 1 else ''}"
    sessions = report.figures.sessions
    print(
        f"Wrote the report for {walker.name}, {first} to {last} "
        f"({sessions} session{'s' if sessions != 1 else ''}, {pages}), to {out}."
    )
    return 0


def _day(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} wants a date like 2026-11-01, not {text!r}", 2) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # beyond these, clock arithmetic overflows
        raise CliError(f"{option} wants a year from {FIRST_YEAR} to {LAST_YEAR}, not {text!r}", 2)
    return day


def _output_path(text: str) -> Path:
    """The file to write, checked before any work: its folder must exist and be writable."""
    out = Path(text).expanduser()
    if not text.strip() or out.is_dir():
        raise CliError(f"--out wants a file name such as report.pdf, not the folder {text!r}", 2)
    folder = out.parent
    if not folder.is_dir():
        raise CliError(f"cannot write {out}: there is no folder {folder}; create it first")
    return out


def _walker(conn: sqlite3.Connection, name: str) -> q.Profile:
    found = q.find_profile(conn, name)
    if found is None:
        names = ", ".join(p.name for p in q.profiles(conn)) or "none yet"
        raise CliError(f"no walker named {name!r} (the walkers are: {names})", 2)
    return found
