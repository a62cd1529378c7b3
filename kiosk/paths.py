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
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

ENV_DATA_DIR = "BALANCE_KIOSK_DATA_DIR"
ENV_STATE_DIRECTORY = "STATE_DIRECTORY"
DEVELOPMENT_DIR = "data"
DIR_MODE = 0o700  # the logs are personal data


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
        """Make the folder (owner only) if it is missing; raises DataDirError."""
        path = self.path
        if path.is_dir():
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
