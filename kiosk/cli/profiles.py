"""`balance-kiosk profiles`: the walkers the kiosk knows, and their weekly goals."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sqlite3
import sys
import time
from collections.abc import Callable

from kiosk.cli.log_access import CliError, open_log_for_reading, read_failure
from kiosk.cli.options import add_command
from kiosk.log import queries as q
from kiosk.log.one_change import ChangeRefused, write_change
from kiosk.log.store import insert_profile, rename_profile_row, set_goal_row
from kiosk.paths import DataFolder
from kiosk.walker_names import name_problem

PROG = "balance-kiosk profiles"


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "profiles", help="list, add and rename walkers; set goals")
    profile_commands = parser.add_subparsers(
        dest="profiles_command", metavar="COMMAND", required=True
    )
    listing = add_command(profile_commands, "list", help="the walkers and their goals")
    listing.set_defaults(handler=_list)
    add = add_command(profile_commands, "add", help="add a walker")
    add.add_argument("name")
    _goal_options(add, 10, 3)
    add.set_defaults(handler=_add)
    rename = add_command(profile_commands, "rename", help="give a walker another name")
    rename.add_argument("old", help="the walker's name (or ID)")
    rename.add_argument("new")
    rename.set_defaults(handler=_rename)
    goal = add_command(profile_commands, "goal", help="set a walker's weekly goal")
    goal.add_argument("name", help="the walker's name (or ID)")
    _goal_options(goal, None, None)
    goal.set_defaults(handler=_goal)


def _goal_options(parser: argparse.ArgumentParser, minutes: int | None, days: int | None):
    keep = " (default: as it is)" if minutes is None else f" (default {minutes})"
    parser.add_argument("--minutes", type=int, default=minutes, help="minutes a day" + keep)
    keep = " (default: as it is)" if days is None else f" (default {days})"
    parser.add_argument("--days", type=int, default=days, help="days a week" + keep)


def _change(args: argparse.Namespace, change: Callable[[sqlite3.Connection], str]) -> int:
    """Make one change the way the dashboard does (never as the kiosk opens its log: that
    would close the walk going on now as interrupted) and print what was done."""
    if not args.verbose:
        logging.getLogger("kiosk.log").setLevel(logging.CRITICAL)
    path = DataFolder.choose(args.data_dir).create().sessions_db
    try:
        done = write_change(path, change)
    except ValueError as error:  # no such walker, or a name that is taken or cannot be used
        return _fail(str(error))
    except ChangeRefused as refused:
        return _fail(str(refused), 1)
    print(done)
    return 0


def _check_goal(args: argparse.Namespace) -> str | None:
    if args.minutes is not None and not 1 <= args.minutes <= 120:
        return f"--minutes {args.minutes}: use 1 to 120 minutes a day"
    if args.days is not None and not 1 <= args.days <= 7:
        return f"--days {args.days}: use 1 to 7 days a week"
    return None


def _fail(message: str, code: int = 2) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def _list(args: argparse.Namespace) -> int:
    """Read only: the log is opened as `logs` opens it, and nothing is created."""
    folder = DataFolder.choose(args.data_dir)
    if folder.path.is_dir() and not folder.sessions_db.exists():
        profiles = []
    else:
        try:
            with contextlib.closing(open_log_for_reading(args.data_dir)) as conn:
                profiles = q.profiles(conn)
        except CliError as error:
            print(f"{PROG}: {error}", file=sys.stderr)
            return error.code
        except sqlite3.Error as error:
            print(f"{PROG}: {read_failure(args.data_dir, error)}", file=sys.stderr)
            return 1
    if not profiles:
        print("No walkers yet. Add one: balance-kiosk profiles add NAME")
    for p in profiles:
        print(f"{p.id:>3}  {p.name:<20} goal {p.goal_minutes} min a day, {p.goal_days} days a week")
    return 0


def _add(args: argparse.Namespace) -> int:
    problem = _check_goal(args) or name_problem(args.name)
    if problem:
        return _fail(problem)

    def add(conn: sqlite3.Connection) -> str:
        now_ms = int(time.time() * 1000)
        insert_profile(
            conn, args.name, goal_minutes=args.minutes, goal_days=args.days, now_ms=now_ms
        )
        return f"added {args.name.strip()}: {args.minutes} min a day, {args.days} days a week"

    return _change(args, add)


def _rename(args: argparse.Namespace) -> int:
    problem = name_problem(args.new)
    if problem:
        return _fail(problem)

    def rename(conn: sqlite3.Connection, profile: q.Profile) -> str:
        rename_profile_row(conn, profile.id, args.new)
        return f"renamed {args.old} to {args.new.strip()}"

    return _on_profile(args, args.old, rename)


def _goal(args: argparse.Namespace) -> int:
    problem = _check_goal(args)
    if problem:
        return _fail(problem)

    def set_goal(conn: sqlite3.Connection, profile: q.Profile) -> str:
        minutes = profile.goal_minutes if args.minutes is None else args.minutes
        days = profile.goal_days if args.days is None else args.days
        set_goal_row(conn, profile.id, goal_minutes=minutes, goal_days=days)
        return f"{profile.name}: {minutes} min a day, {days} days a week"

    return _on_profile(args, args.name, set_goal)


def _on_profile(
    args: argparse.Namespace, name: str, action: Callable[[sqlite3.Connection, q.Profile], str]
) -> int:
    def change(conn: sqlite3.Connection) -> str:
        profile = q.find_profile(conn, name)
        if profile is None:
            raise ValueError(f"no walker named {name!r}; see 'balance-kiosk profiles list'")
        return action(conn, profile)

    return _change(args, change)
