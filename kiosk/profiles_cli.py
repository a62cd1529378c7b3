"""`balance-kiosk profiles`: the walkers the kiosk knows, and their weekly goals."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from kiosk.data_dir import resolve_data_dir
from kiosk.session_store import SessionStore

PROG = "balance-kiosk profiles"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("profiles", help="list, add and rename walkers; set goals")
    parser.add_argument("--data-dir", metavar="DIR", help="the kiosk's data folder")
    commands = parser.add_subparsers(dest="profiles_command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="the walkers and their goals").set_defaults(handler=_list)
    add = commands.add_parser("add", help="add a walker")
    add.add_argument("name")
    _goal_options(add)
    add.set_defaults(handler=_add)
    rename = commands.add_parser("rename", help="give a walker another name")
    rename.add_argument("old")
    rename.add_argument("new")
    rename.set_defaults(handler=_rename)
    goal = commands.add_parser("goal", help="set a walker's weekly goal")
    goal.add_argument("name")
    _goal_options(goal)
    goal.set_defaults(handler=_goal)


def _goal_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=int, default=10, help="minutes a day (default 10)")
    parser.add_argument("--days", type=int, default=3, help="days a week (default 3)")


def _store(args: argparse.Namespace) -> SessionStore:
    return SessionStore.open(resolve_data_dir(args.data_dir) / "sessions.db")


def _check_goal(args: argparse.Namespace) -> str | None:
    if not 1 <= args.minutes <= 120:
        return f"--minutes {args.minutes}: use 1 to 120 minutes a day"
    if not 1 <= args.days <= 7:
        return f"--days {args.days}: use 1 to 7 days a week"
    return None


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2


def _list(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        profiles = store.profiles()
        if not profiles:
            print("No walkers yet. Add one: balance-kiosk profiles add NAME")
        for p in profiles:
            print(
                f"{p.id:>3}  {p.name:<20} goal {p.goal_minutes} min a day, {p.goal_days} "
                f"days a week"
            )
    finally:
        store.close()
    return 0


def _add(args: argparse.Namespace) -> int:
    problem = _check_goal(args)
    if problem:
        return _fail(problem)
    store = _store(args)
    try:
        store.add_profile(args.name, goal_minutes=args.minutes, goal_days=args.days)
    except ValueError as error:
        return _fail(str(error))
    finally:
        store.close()
    print(f"added {args.name.strip()}: {args.minutes} min a day, {args.days} days a week")
    return 0


def _rename(args: argparse.Namespace) -> int:
    def rename(store: SessionStore, profile_id: int) -> str:
        store.rename_profile(profile_id, args.new)
        return f"renamed {args.old} to {args.new.strip()}"

    return _on_profile(args, args.old, rename)


def _goal(args: argparse.Namespace) -> int:
    problem = _check_goal(args)
    if problem:
        return _fail(problem)

    def set_goal(store: SessionStore, profile_id: int) -> str:
        store.set_goal(profile_id, goal_minutes=args.minutes, goal_days=args.days)
        return f"{args.name}: {args.minutes} min a day, {args.days} days a week"

    return _on_profile(args, args.name, set_goal)


def _on_profile(
    args: argparse.Namespace, name: str, action: Callable[[SessionStore, int], str]
) -> int:
    store = _store(args)
    try:
        profile = store.find_profile(name)
        if profile is None:
            return _fail(f"no walker named {name!r}; see 'balance-kiosk profiles list'")
        print(action(store, profile.id))
    except ValueError as error:
        return _fail(str(error))
    finally:
        store.close()
    return 0
