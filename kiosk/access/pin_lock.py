"""The caregiver PIN: kept only as a salted scrypt hash; five wrong tries lock it for 5 minutes.

The lockout is stored with the hash, so turning the kiosk off and on does not end it. Within a
run it is timed on the monotonic clock; the stored end is a wall-clock time, trusted at most
LOCKOUT_S ahead, so a clock set back never makes a lockout longer.
Checking a PIN needs no free space: the right PIN is always accepted, wrong tries are counted
in memory and saved when the disk allows (a failed save is logged, never raised).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCKOUT_S = 300.0
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class PinError(ValueError):
    """A PIN that cannot be used; the message says what a PIN must look like."""


class PinNotSavedError(PinError):
    """A new PIN that could not be written to disk; the PIN stays as it was."""


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    tries_left: int = MAX_TRIES
    locked_for_s: float = 0.0

    @property
    def message(self) -> str:
        if self.ok:
            return "PIN accepted"
        if self.locked_for_s > 0:
            minutes = int(self.locked_for_s // 60)
            seconds = int(self.locked_for_s % 60)
            return f"Too many wrong PINs. Try again in {minutes}:{seconds:02d}."
        return f"Wrong PIN. {self.tries_left} tries left."


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


class PinLock:
    """The caregiver PIN in the data folder. `clock` times lockouts within a run (monotonic);
    `wall_clock` stores them across restarts."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._clock = clock
        self._wall_clock = wall_clock
        self._unsaved = False  # tries counted in memory that the file does not have yet
        self._locked_until = 0.0  # on self._clock; 0: not locked
        self._state = self._load()
        self._resume_lockout(float(self._state.get("locked_until", 0.0)))

    @property
    def has_pin(self) -> bool:
        return "hash" in self._state

    def set_pin(self, pin: str) -> None:
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise PinError("A PIN is 4 to 8 digits.")
        salt = secrets.token_bytes(16)
        before, self._state = (
            self._state,
            {
                "algorithm": "scrypt",
                **_SCRYPT,
                "salt": salt.hex(),
                "hash": _hash(pin, salt, **_SCRYPT).hex(),
                "failures": 0,
            },
        )
        locked_before, self._locked_until = self._locked_until, 0.0
        try:
            self._save()
        except OSError as error:
            self._state, self._locked_until = before, locked_before
            log.error("cannot save the caregiver PIN to %s: %s", self.path, error)
            reason = (error.strerror or "it cannot be written").lower()
            raise PinNotSavedError(
                f"The new PIN could not be saved ({reason}), so the PIN is as it was. "
                "Free some space on the kiosk or check its data folder, then try again."
            ) from error
        self._unsaved = False

    def locked_for(self) -> float:
        """Seconds until PINs are checked again; 0 when they are now."""
        if not self._locked_until:
            return 0.0
        return max(0.0, self._locked_until - self._clock())

    def check(self, pin: str) -> PinCheck:
        """Whether `pin` opens the area. Never raises for a disk problem."""
        locked = self.locked_for()
        if locked > 0:
            return PinCheck(False, 0, locked)
        if not self.has_pin:
            return PinCheck(False, MAX_TRIES)
        self._locked_until = 0.0
        state = self._state
        expected = bytes.fromhex(state["hash"])
        given = _hash(pin, bytes.fromhex(state["salt"]), state["n"], state["r"], state["p"])
        if hmac.compare_digest(given, expected):
            if state.get("failures") or self._unsaved:
                state["failures"] = 0
                self._save_if_possible()
            return PinCheck(True)
        state["failures"] = int(state.get("failures", 0)) + 1
        if state["failures"] >= MAX_TRIES:
            state["failures"] = 0
            self._locked_until = self._clock() + LOCKOUT_S
            log.warning(
                "caregiver PIN locked for %.0f s after %d wrong tries", LOCKOUT_S, MAX_TRIES
            )
            self._save_if_possible()
            return PinCheck(False, 0, LOCKOUT_S)
        self._save_if_possible()
        return PinCheck(False, MAX_TRIES - state["failures"])

    def _load(self) -> dict:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            # An unreadable PIN file must not lock caregivers out for good: start afresh,
            # keep the old file aside for whoever looks into it.
            log.error("cannot read the caregiver PIN file %s: %s", self.path, error)
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_suffix(".unreadable"))
            return {}
        return state if isinstance(state, dict) and "salt" in state else {}

    def _resume_lockout(self, locked_until_wall: float) -> None:
        """A stored lockout, never more than LOCKOUT_S from now whatever the clock says."""
        ahead = locked_until_wall - self._wall_clock()
        if ahead <= 0:
            return
        self._locked_until = self._clock() + min(ahead, LOCKOUT_S)
        if ahead > LOCKOUT_S:
            log.warning(
                "the caregiver PIN lockout ends %.0f s from now by the stored time; the clock "
                "was set back? Locked for %.0f s instead",
                ahead,
                LOCKOUT_S,
            )
            self._save_if_possible()  # so that the next start does not lock afresh

    def _save_if_possible(self) -> None:
        try:
            self._save()
        except OSError as error:
            self._unsaved = True
            log.warning(
                "cannot save the caregiver PIN's tries to %s (%s); they are kept in memory "
                "and saved when the disk allows",
                self.path,
                error,
            )
        else:
            self._unsaved = False

    def _save(self) -> None:
        remaining = self.locked_for()
        end = self._wall_clock() + remaining if remaining else 0.0
        _write_private(self.path, json.dumps({**self._state, "locked_until": end}).encode())


def _write_private(path: Path, data: bytes) -> None:
    """`data` as `path`, whole or not at all, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temporary, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temporary, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
