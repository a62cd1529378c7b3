"""Reading the session log from a command: never creating, migrating or repairing it."""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable

from kiosk.log.schema import UnusableDatabase, open_readonly
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
        print(f"{prog}: could not read the session log: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): point stdout at /dev/null so exit stays quiet.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
