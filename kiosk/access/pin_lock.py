"""The caregiver PIN: kept only as a salted scrypt hash; five wrong tries lock it for 5 minutes.

* The lockout is stored with the hash, so turning the kiosk off and on does not end it. Within
  a run it is timed on the monotonic clock; the stored end is a wall-clock time, trusted at
  most LOCKOUT_S ahead, so a clock set back never makes a lockout longer.
* Checking a PIN needs no free space: the right PIN is always accepted, wrong tries are counted
  in memory and saved when the disk allows (a failed save is logged, never raised).
* A PIN file that is there but cannot be used is damaged: reported (`damaged`, a log line),
  never taken for "no PIN" (which would let anyone choose one on the screen). Only
  `balance-kiosk pin reset`, run at the kiosk's console, replaces it.
* The file is read again when it changes on disk, so a PIN reset takes effect at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCKOUT_S = 300.0
RESET_COMMAND = "balance-kiosk pin reset"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
# scrypt's memory, 128 * r * (n + p) bytes, must stay well within OpenSSL's default limit
# (32 MiB): a file asking for more is damaged. The kiosk's own parameters take 16 MiB.
_SCRYPT_MAX_BYTES = 24 * 1024 * 1024
_HASH_BYTES = 32
_PIN = re.compile(r"[0-9]{4,8}")  # what the keypad can type: ASCII digits only
_CANNOT_LOOK = (-1, -1, -1)  # the file's identity when even stat fails


class PinError(ValueError):
    """A PIN that cannot be used; the message says what a PIN must look like."""


class PinNotSavedError(PinError):
    """A new PIN that could not be written to disk; the PIN stays as it was."""


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    tries_left: int = MAX_TRIES
    locked_for_s: float = 0.0
    problem: str = ""  # why no PIN can be checked at all (a damaged PIN file)

    @property
    def message(self) -> str:
        if self.ok:
            return "PIN accepted"
        if self.problem:
            return self.problem
        if self.locked_for_s > 0:
            minutes = int(self.locked_for_s // 60)
            seconds = int(self.locked_for_s % 60)
            return f"Too many wrong PINs. Try again in {minutes}:{seconds:02d}."
        return f"Wrong PIN. {self.tries_left} tries left."


@dataclass(frozen=True)
class _Hash:
    """A PIN's salted scrypt hash and the parameters it was made with."""

    salt: bytes
    digest: bytes
    n: int
    r: int
    p: int

    @classmethod
    def of(cls, pin: str) -> _Hash:
        salt = secrets.token_bytes(16)
        return cls(salt, _scrypt(pin, salt, **_SCRYPT), **_SCRYPT)

    def matches(self, pin: str) -> bool:
        given = _scrypt(pin, self.salt, self.n, self.r, self.p)
        return hmac.compare_digest(given, self.digest)

    def fields(self) -> dict[str, object]:
        return {
            "algorithm": "scrypt",
            **{"n": self.n, "r": self.r, "p": self.p},
            "salt": self.salt.hex(),
            "hash": self.digest.hex(),
        }


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES)


def damage_message(reason: str) -> str:
    """What the caregiver screen and the console say about a damaged PIN file."""
    return (
        f"The caregiver PIN file is damaged: {reason}. No PIN can open this area until "
        f"someone at the kiosk's console runs '{RESET_COMMAND}'."
    )


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
        self._hash: _Hash | None = None
        self._damaged: str | None = None
        self._failures = 0
        self._locked_until = 0.0  # on self._clock; 0: not locked
        self._unsaved = False  # tries counted in memory that the file does not have yet
        self._seen: tuple[int, int, int] | None = None  # the file as last read or written
        self._load()

    @property
    def has_pin(self) -> bool:
        """Whether the caregiver area is behind a PIN: one is set, or the PIN file is there
        but damaged (then no PIN opens it until a reset; see `damaged`)."""
        self._refresh()
        return self._hash is not None or self._damaged is not None

    @property
    def damaged(self) -> str | None:
        """Why the PIN file cannot be used ("it is not valid JSON"...), None when it can."""
        self._refresh()
        return self._damaged

    def set_pin(self, pin: str) -> None:
        """Set a new PIN, replacing any PIN, lockout or damaged file. Raises PinError for a PIN
        that is not 4 to 8 digits, PinNotSavedError when it cannot be written."""
        if not _PIN.fullmatch(pin):
            raise PinError("A PIN is 4 to 8 digits.")
        before = (self._hash, self._damaged, self._failures, self._locked_until)
        self._hash, self._damaged, self._failures, self._locked_until = _Hash.of(pin), None, 0, 0.0
        try:
            self._save()
        except OSError as error:
            self._hash, self._damaged, self._failures, self._locked_until = before
            log.error("cannot save the caregiver PIN to %s: %s", self.path, error)
            raise PinNotSavedError(
                f"The new PIN could not be saved ({_plain(error)}), so the PIN is as it was. "
                "Free some space on the kiosk or check its data folder, then try again."
            ) from error
        self._unsaved = False

    def locked_for(self) -> float:
        """Seconds until PINs are checked again; 0 when they are now."""
        self._refresh()
        return self._remaining()

    def _remaining(self) -> float:
        if not self._locked_until:
            return 0.0
        return max(0.0, self._locked_until - self._clock())

    def check(self, pin: str) -> PinCheck:
        """Whether `pin` opens the area. Never raises for a disk problem."""
        self._refresh()
        if self._damaged is not None:
            return PinCheck(False, 0, problem=damage_message(self._damaged))
        locked = self.locked_for()
        if locked > 0:
            return PinCheck(False, 0, locked)
        if self._hash is None:
            return PinCheck(False, MAX_TRIES)
        self._locked_until = 0.0
        try:
            right = self._hash.matches(pin)
        except ValueError as error:  # scrypt refused the file's parameters
            self._set_damaged(f"its scrypt parameters cannot be used ({error})")
            return PinCheck(False, 0, problem=damage_message(self._damaged or ""))
        if right:
            if self._failures or self._unsaved:
                self._failures = 0
                self._save_if_possible()
            return PinCheck(True)
        self._failures += 1
        if self._failures < MAX_TRIES:
            self._save_if_possible()
            return PinCheck(False, MAX_TRIES - self._failures)
        self._failures = 0
        self._locked_until = self._clock() + LOCKOUT_S
        log.warning("caregiver PIN locked for %.0f s after %d wrong tries", LOCKOUT_S, MAX_TRIES)
        self._save_if_possible()
        return PinCheck(False, 0, LOCKOUT_S)

    # -- the file --------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Read the file again if it changed on disk (a reset from the console)."""
        try:
            now = _identity(self.path)
        except OSError:
            now = _CANNOT_LOOK
        if now != self._seen:
            self._load()

    def _load(self) -> None:
        self._hash, self._damaged, self._failures, self._locked_until = None, None, 0, 0.0
        self._unsaved = False
        self._seen = _CANNOT_LOOK  # until we could look: said once, not at every refresh
        try:
            self._seen = _identity(self.path)
            text = self.path.read_bytes().decode("utf-8") if self._seen else None
        except (OSError, UnicodeError) as error:
            self._set_damaged(f"it cannot be read ({_plain(error)})")
            return
        if text is None:
            return  # no PIN yet: the screen asks for one
        try:
            self._hash, self._failures, locked_until = _parse(text)
        except ValueError as error:
            self._set_damaged(str(error))
            return
        self._resume_lockout(locked_until)

    def _set_damaged(self, reason: str) -> None:
        self._damaged = reason
        log.error(
            "the caregiver PIN file %s is damaged: %s; run '%s'", self.path, reason, RESET_COMMAND
        )

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
        assert self._hash is not None
        remaining = self._remaining()
        state = {
            **self._hash.fields(),
            "failures": self._failures,
            "locked_until": self._wall_clock() + remaining if remaining else 0.0,
        }
        _write_private(self.path, json.dumps(state).encode())
        try:
            self._seen = _identity(self.path)
        except OSError:  # saved, but cannot be looked at: read again when it can
            self._seen = _CANNOT_LOOK


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells one version of the file from another; None when there is no file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _parse(text: str) -> tuple[_Hash, int, float]:
    """(hash, wrong tries, lockout end on the wall clock); ValueError saying what is wrong."""
    if not text.strip():
        raise ValueError("it is empty")
    try:
        state = json.loads(text)
    except ValueError:
        raise ValueError("it is not valid JSON") from None
    if not isinstance(state, dict) or not state:
        raise ValueError("it holds no PIN")
    if "hash" not in state or "salt" not in state:
        raise ValueError("its PIN hash or salt is missing")
    if state.get("algorithm") != "scrypt":
        raise ValueError(f"its algorithm {state.get('algorithm')!r} is not scrypt")
    salt, digest = _hex(state["salt"], "salt"), _hex(state["hash"], "hash")
    if not salt or len(digest) != _HASH_BYTES:
        raise ValueError("its PIN hash or salt has the wrong length")
    n, r, p = (_whole(state.get(k), k, 1) for k in ("n", "r", "p"))
    if n < 2 or n & (n - 1) or 128 * r * (n + p) > _SCRYPT_MAX_BYTES:
        raise ValueError("its scrypt parameters are out of range")
    failures = _whole(state.get("failures", 0), "failures", 0)
    locked_until = state.get("locked_until", 0.0)
    is_number = isinstance(locked_until, int | float) and not isinstance(locked_until, bool)
    if not is_number or not math.isfinite(locked_until):
        raise ValueError("its lockout time is not a number")
    return _Hash(salt, digest, n, r, p), min(failures, MAX_TRIES - 1), float(locked_until)


def _hex(value: object, name: str) -> bytes:
    try:
        if isinstance(value, str):
            return bytes.fromhex(value)
    except ValueError:
        pass
    raise ValueError(f"its {name} is not hexadecimal")


def _whole(value: object, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"its {name} is not a whole number of at least {least}")
    return value


def _plain(error: BaseException) -> str:
    """An OS error in words, without its number."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return "it is not text" if isinstance(error, UnicodeError) else str(error)


def write_private(path: Path, data: bytes) -> None:
    """`data` as `path`, whole or not at all, readable by the data folder's owner only.

    Written as root (a reset over sudo), the file goes to the folder's owner, so the kiosk's
    own user can still read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temporary, flags, 0o600)
    try:
        folder = os.stat(path.parent)
        if os.geteuid() == 0 and folder.st_uid != 0:
            os.fchown(fd, folder.st_uid, folder.st_gid)
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


_write_private = write_private
