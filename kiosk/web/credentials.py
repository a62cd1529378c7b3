"""The dashboard's secrets in the data folder: the caregiver password, the cookie key, the token.

Each is a small owner-only file, read again at every use, so `balance-kiosk web set-password`
or `web token --revoke` at the console takes effect at once, without restarting the dashboard.
Nothing here raises on a missing or damaged file: the caller is told which it is, and the
sign-in page says how to put it right.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.access.pin_lock import write_private

logger = logging.getLogger(__name__)

SET_PASSWORD_COMMAND = "balance-kiosk web set-password"
PASSWORD_FORMAT = "balance-kiosk-web-password"
TOKEN_FORMAT = "balance-kiosk-web-token"
MIN_PASSWORD = 8
MAX_PASSWORD = 200

# OWASP's smallest argon2id setting (19 MiB, 2 passes, 1 lane): about 0.1 s on a desktop core,
# and memory a Raspberry Pi can spare for the moment of a sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class PasswordRefused(ValueError):
    """A new password that is not accepted; the message says why."""


@dataclass(frozen=True)
class PasswordState:
    """What the password file holds: `hash` when usable, else why not (`missing`/`damaged`)."""

    hash: str | None
    problem: str | None  # None | "missing" | "damaged"
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.hash is not None

    def advice(self) -> str:
        """What the sign-in page tells a caregiver when no password can be checked."""
        if self.problem == "damaged":
            return (
                f"The dashboard's password file is damaged ({self.detail}). At the kiosk's "
                f"console, or over SSH, run '{SET_PASSWORD_COMMAND}' to choose a new password."
            )
        return (
            "No password has been set for the dashboard yet. At the kiosk's console, or over "
            f"SSH, run '{SET_PASSWORD_COMMAND}' and choose one; then sign in here."
        )


class PasswordFile:
    """The caregiver password as an argon2id hash in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def state(self) -> PasswordState:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return PasswordState(None, "missing")
        except (OSError, UnicodeError, ValueError) as error:
            return PasswordState(None, "damaged", _plain(error))
        stored = document.get("hash") if isinstance(document, dict) else None
        if not isinstance(stored, str) or not stored.startswith("$argon2id$"):
            return PasswordState(None, "damaged", "it holds no argon2id hash")
        return PasswordState(stored, None)

    def set(self, password: str) -> None:
        """Hash and save `password`; PasswordRefused when it is too short or too long."""
        check_new_password(password)
        document = {"format": PASSWORD_FORMAT, "version": 1, "hash": HASHER.hash(password)}
        write_private(self.path, json.dumps(document).encode())

    def verify(self, password: str) -> bool:
        """True when `password` is the one saved (False also when none can be read)."""
        state = self.state()
        if state.hash is None or len(password) > MAX_PASSWORD:
            return False
        try:
            return HASHER.verify(state.hash, password)
        except (VerificationError, InvalidHashError):
            return False


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordRefused(
            f"a password needs at least {MIN_PASSWORD} characters ({len(password)} given); "
            "a few words in a row are easy to remember and hard to guess"
        )
    if len(password) > MAX_PASSWORD:
        raise PasswordRefused(f"a password is at most {MAX_PASSWORD} characters")


def password_mark(password_hash: str, key: bytes) -> str:
    """A short keyed digest of the saved hash: a cookie carries it, so that a new password
    ends every sign-in made with the old one."""
    return hmac.new(key, password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def load_or_create_secret(path: Path) -> bytes:
    """The key that signs cookies; made once and kept, so sign-ins survive restarts and updates.

    A damaged key file is replaced (everyone signs in again), since nothing else depends on it.
    """
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
        if len(key) >= 32:
            return key
        logger.warning("the cookie key in %s is too short; making a new one", path)
    except FileNotFoundError:
        pass
    except (OSError, UnicodeError, ValueError) as error:
        logger.warning("the cookie key in %s cannot be read (%s); making a new one", path, error)
    key = secrets.token_bytes(32)
    write_private(path, key.hex().encode())
    return key


class TokenFile:
    """The bearer token for scripts: only its SHA-256 is kept, so the file gives nothing away."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def issue(self) -> str:
        """A new token, replacing any earlier one; returned once, to be printed."""
        token = secrets.token_urlsafe(32)
        document = {"format": TOKEN_FORMAT, "version": 1, "sha256": _digest(token)}
        write_private(self.path, json.dumps(document).encode())
        return token

    def revoke(self) -> bool:
        """Forget the token; True when there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def accepts(self, token: str) -> bool:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, UnicodeError, ValueError) as error:
            logger.warning("the token file %s cannot be read: %s", self.path, error)
            return False
        stored = document.get("sha256") if isinstance(document, dict) else None
        if not isinstance(stored, str) or not token:
            return False
        return hmac.compare_digest(stored, _digest(token))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _plain(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    if isinstance(error, UnicodeError):
        return "it is not text"
    return "it is not the JSON the dashboard writes"
