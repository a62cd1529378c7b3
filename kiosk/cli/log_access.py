"""Reading the session log from a command: never creating, migrating or repairing it."""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable

from kiosk.log.schema import UnusableDatabase, is_damage, open_readonly
from kiosk.paths import DataFolder


class CliError(Exception):
    """A one-line message for the caregiver, with the exit code to return."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def open_log_for_reading(data_dir: str | None) -> sqlite3.Connection:
    """The session log in the data folder, read only; CliError saying what is wrong."""
    try:
        folder = DataFolder.choose(data_dir).existing()
    except OSError as exc:
        raise CliError(str(exc)) from exc
    path = folder.sessions_db
    try:
        return open_readonly(path)
    except FileNotFoundError:
        raise CliError(
            f"no session log in {folder.path} (no {path.name}); is this the kiosk's data folder?"
        ) from None
    except UnusableDatabase as exc:
        raise CliError(f"the session log {path} {exc.describe()}") from exc
    except (OSError, sqlite3.Error) as exc:  # e.g. no temporary folder to read a copy in
        reason = getattr(exc, "strerror", None) or exc
        raise CliError(f"the session log {path} cannot be read: {reason}") from exc


def read_failure(data_dir: str | None, exc: sqlite3.Error) -> str:
    """One line on a log that failed while it was being read."""
    path = DataFolder.choose(data_dir).sessions_db
    if is_damage(exc):
        return (
            f"the session log {path} is damaged in places ({exc}); the kiosk keeps it aside and "
            "recovers what can still be read the next time it starts"
        )
    return f"could not read the session log {path}: {exc}"


def run_guarded(
    prog: str, fn: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """Run a log command, turning every expected failure into one line on stderr and an
    exit code."""
    try:
        return fn(args)
    except CliError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return exc.code
    except sqlite3.Error as exc:
        print(f"{prog}: {read_failure(args.data_dir, exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): point stdout at /dev/null so exit stays quiet.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
