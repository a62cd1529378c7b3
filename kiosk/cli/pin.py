"""`balance-kiosk pin set|reset`: the caregiver PIN, from the kiosk's console.

`set` chooses the first PIN and refuses when one is set already (so running the installer again
keeps the caregivers' PIN); `reset` replaces the PIN whatever its state: forgotten, locked out,
or a damaged PIN file, which the caregiver screen cannot get past. On a terminal the PIN is
typed twice, unseen; otherwise one line is read from standard input (`echo 2468 | ...`, for the
installer). Both write to the data folder, so only someone at the kiosk's console, or logged
in over SSH with access to that folder, can use them. The running kiosk takes the new PIN at
once.

Exit codes: 0 done; 1 a PIN is set already (`set`), the data folder is not there (`reset`), or
the PIN cannot be saved; 2 the PIN given is not 4 to 8 digits, or the two typed differ.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from kiosk.access import pin_lock
from kiosk.access.pin_lock import RESET_COMMAND, PinError, PinLock, PinNotSavedError
from kiosk.cli.options import add_command
from kiosk.paths import DataFolder

PROG = "balance-kiosk pin"


class _Refused(Exception):
    """A one-line reason the PIN was not changed, with the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands,
        "pin",
        help="set or reset the caregiver PIN (at the kiosk's console)",
        description="Set or reset the caregiver PIN. On a terminal the PIN is typed twice; "
        "otherwise one line is read from standard input.",
    )
    pin_commands = parser.add_subparsers(dest="pin_command", metavar="COMMAND", required=True)
    choose = add_command(pin_commands, "set", help="choose the caregiver PIN when none is set")
    choose.set_defaults(handler=set_pin)
    reset = add_command(
        pin_commands,
        "reset",
        help="replace a forgotten PIN or a damaged PIN file; ends a lockout",
    )
    reset.set_defaults(handler=reset_pin)


def _quiet_lock_log(args: argparse.Namespace) -> None:
    """The command says in its own words what the PIN file's log lines would say again."""
    if not args.verbose:
        logging.getLogger(pin_lock.__name__).setLevel(logging.CRITICAL)


def set_pin(args: argparse.Namespace) -> int:
    _quiet_lock_log(args)
    lock = PinLock(DataFolder.choose(args.data_dir).create().caregiver_pin)
    if lock.damaged is not None:
        return _fail(
            f"the PIN file {lock.path} is damaged ({lock.damaged}); run '{RESET_COMMAND}' to "
            "choose a new PIN",
            1,
        )
    if lock.has_pin:
        return _fail(f"a caregiver PIN is set already; to replace it, run '{RESET_COMMAND}'", 1)
    code = _choose(lock)
    if code:
        return code
    print("Caregiver PIN set. It opens the caregiver area: press the top-left corner for 3 s.")
    return 0


def reset_pin(args: argparse.Namespace) -> int:
    _quiet_lock_log(args)
    lock = PinLock(DataFolder.choose(args.data_dir).existing().caregiver_pin)
    damaged = lock.damaged
    code = _choose(lock)
    if code:
        return code
    if damaged is not None:
        print(f"The damaged PIN file ({damaged}) was replaced.")
    print("Caregiver PIN reset; any lockout has ended. The kiosk takes the new PIN at once.")
    return 0


def _choose(lock: PinLock) -> int:
    """Read the new PIN and save it: 0, or the exit code once the reason has been said."""
    try:
        lock.set_pin(_read_pin())
    except _Refused as refusal:
        return _fail(str(refusal), refusal.code)
    except PinNotSavedError as error:
        return _fail(str(error), 1)
    except PinError as error:
        return _fail(f"{error} Nothing was changed.", 2)
    return 0


def _read_pin() -> str:
    if sys.stdin.isatty():
        try:
            first = getpass.getpass("New caregiver PIN (4 to 8 digits): ")
            second = getpass.getpass("The same PIN again: ")
        except EOFError:
            raise _Refused("no PIN was typed; nothing was changed", 2) from None
        if first != second:
            raise _Refused("the two PINs differ; nothing was changed. Run the command again.", 2)
        return first
    line = sys.stdin.readline()
    if not line.strip():
        raise _Refused(
            "no PIN on standard input: type it in a terminal, or pipe it in "
            f"(echo 2468 | {PROG} set)",
            2,
        )
    return line.strip()


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code
