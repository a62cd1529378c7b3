"""The kiosk's data folder and every file kept in it.

The folder is chosen in one order for every command: an explicit ``--data-dir`` wins, then
``BALANCE_KIOSK_DATA_DIR`` (for a one-off run), then systemd's ``STATE_DIRECTORY`` (set by
``StateDirectory=balance-kiosk``, i.e. /var/lib/balance-kiosk), and ./data for a developer.

The kiosk creates the folder when it first runs; commands that only read (``logs``,
``profiles list``, ``doctor``) ask for an existing one and say so when it is not there, so a
mistyped path never leaves an empty folder and a fresh log behind.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

ENV_DATA_DIR = "BALANCE_KIOSK_DATA_DIR"
ENV_STATE_DIRECTORY = "STATE_DIRECTORY"
DEVELOPMENT_DIR = "data"
DIR_MODE = 0o700  # the logs are personal data
FILE_MODE = 0o600
# Names the kiosk writes in its folder (with their companions, temporary and set-aside copies).
KIOSK_FILE_PREFIXES = ("sessions.db", "settings.", "caregiver_pin", "screenshots-")


class DataDirError(OSError):
    """The data folder cannot be used; the message says which folder and why."""


@dataclass(frozen=True)
class DataFolder:
    """Where the kiosk keeps its files; `path` need not exist yet."""

    path: Path

    @classmethod
    def choose(cls, cli_value: str | os.PathLike[str] | None = None) -> DataFolder:
        """The folder to use, from the command line, the environment or the default."""
        return cls(_choose(cli_value).expanduser().absolute())

    @property
    def sessions_db(self) -> Path:
        """The session log (SQLite)."""
        return self.path / "sessions.db"

    @property
    def settings_overrides(self) -> Path:
        """The caregiver's changes to the settings, made on the kiosk's screen."""
        return self.path / "settings.toml"

    @property
    def caregiver_pin(self) -> Path:
        """The caregiver PIN's salted hash and its lockout."""
        return self.path / "caregiver_pin.json"

    @property
    def chosen_walker(self) -> Path:
        """Who was chosen on the home screen, remembered across restarts."""
        return self.path / "walker.json"

    @property
    def web_password(self) -> Path:
        """The web dashboard's caregiver password (an argon2id hash), owner only."""
        return self.path / "web_password.json"

    @property
    def web_secret(self) -> Path:
        """The key that signs the dashboard's cookies: kept, so sign-ins survive an update."""
        return self.path / "web_secret.key"

    @property
    def web_token(self) -> Path:
        """The hash of the bearer token scripts use for the dashboard's JSON API."""
        return self.path / "web_token.json"

    @property
    def web_certificate(self) -> Path:
        """The dashboard's self-signed TLS certificate (PEM)."""
        return self.path / "web_tls_cert.pem"

    @property
    def web_certificate_key(self) -> Path:
        """The private key of that certificate (PEM), owner only."""
        return self.path / "web_tls_key.pem"

    def screenshots(self, stamp: str) -> Path:
        """A folder for one run's screenshots."""
        return self.path / f"screenshots-{stamp}"

    def create(self) -> DataFolder:
        """Make the folder (owner only) if it is missing, or make an existing one owner only;
        raises DataDirError."""
        path = self.path
        if path.is_dir():
            self._keep_to_owner()
            return self
        try:
            path.mkdir(mode=DIR_MODE, parents=True)
            # mkdir's mode passes through the umask; set it exactly.
            path.chmod(DIR_MODE)
        except FileExistsError:
            if not path.is_dir():
                raise DataDirError(f"The data folder {path} is a file, not a folder.") from None
        except OSError as exc:
            raise DataDirError(
                f"Cannot create the data folder {path}: {exc.strerror or exc}."
            ) from exc
        logger.info("created data folder %s", path)
        return self

    def _keep_to_owner(self) -> None:
        """Tighten a folder made by hand (or by an older kiosk) to 0700, and the kiosk's own
        files in it to 0600, saying so in the log.

        A folder that also holds files that are not the kiosk's (a home folder given by
        mistake) or that is shared on purpose (sticky, like /tmp) is left as it is: changing it
        could lock others out of their own files. The log says why.
        """
        path = self.path
        try:
            info = path.stat()
            strangers = sorted(p.name for p in path.iterdir() if not _is_kiosk_file(p.name))
        except OSError as exc:
            logger.warning("could not check the data folder %s: %s", path, exc.strerror or exc)
            return
        loose = info.st_mode & 0o077
        if loose and (strangers or info.st_mode & stat.S_ISVTX):
            logger.warning(
                "The data folder %s is open to other users (mode %04o) but it is shared (it "
                "also holds %s), so its mode was left alone; give the kiosk a folder of its own.",
                path,
                stat.S_IMODE(info.st_mode),
                ", ".join(strangers[:3]) or "the sticky bit",
            )
            return
        if loose:
            _restrict(path, DIR_MODE, "the data folder", "it holds the walkers' session log")
        for name in (self.settings_overrides, self.caregiver_pin):
            _restrict(name, FILE_MODE, "the kiosk's file", "it is personal data")

    def existing(self) -> DataFolder:
        """This folder if it exists; otherwise DataDirError saying so (nothing is created)."""
        if self.path.is_dir():
            return self
        if self.path.exists():
            raise DataDirError(f"The data folder {self.path} is a file, not a folder.")
        raise DataDirError(
            f"The data folder {self.path} does not exist. Check the path given with "
            f"--data-dir or {ENV_DATA_DIR}; the kiosk creates its folder when it first runs."
        )


def write_owner_only(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) at once, readable by its owner only whatever
    the umask: a half-written file is never seen under the real name."""
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # an old temporary file keeps its mode otherwise
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            descriptor = -1
            out.write(text)
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    os.replace(temporary, path)


def _is_kiosk_file(name: str) -> bool:
    return name.startswith(KIOSK_FILE_PREFIXES)


def _restrict(path: Path, wanted: int, what: str, why: str) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~wanted:
            path.chmod(wanted)
            logger.warning(
                "made %s %s owner-only (mode %04o, was %04o): %s", what, path, wanted, current, why
            )
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.warning("could not make %s %s owner-only: %s", what, path, exc.strerror or exc)


def _choose(cli_value: str | os.PathLike[str] | None) -> Path:
    if cli_value:
        return Path(cli_value)
    from_env = os.environ.get(ENV_DATA_DIR, "").strip()
    if from_env:
        return Path(from_env)
    # systemd joins several StateDirectory= entries with ':'; the first one is ours.
    state = os.environ.get(ENV_STATE_DIRECTORY, "").split(":")[0].strip()
    if state:
        return Path(state)
    return Path(DEVELOPMENT_DIR)
