"""Where the kiosk keeps its data (the session log).

The order of choice lets one code path serve every setting: an explicit ``--data-dir`` wins, then
``BALANCE_KIOSK_DATA_DIR`` (for a one-off run), then systemd's ``STATE_DIRECTORY`` (set by
``StateDirectory=balance-kiosk``, i.e. /var/lib/balance-kiosk), and ./data for a developer.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

ENV_DATA_DIR = "BALANCE_KIOSK_DATA_DIR"
ENV_STATE_DIRECTORY = "STATE_DIRECTORY"
DEVELOPMENT_DIR = "data"
DIR_MODE = 0o700


class DataDirError(OSError):
    """The data folder cannot be created; the message says which folder and why."""


def resolve_data_dir(cli_value: str | None) -> Path:
    """Return the data folder, creating it (mode 0700) if it does not exist yet."""
    path = choose_data_dir(cli_value)
    if path.is_dir():
        return path
    try:
        path.mkdir(mode=DIR_MODE, parents=True)
        # mkdir's mode passes through the umask; set it exactly, the logs are personal data.
        path.chmod(DIR_MODE)
    except FileExistsError:
        if not path.is_dir():
            raise DataDirError(f"The data folder {path} is a file, not a folder.") from None
    except OSError as exc:
        raise DataDirError(f"Cannot create the data folder {path}: {exc.strerror or exc}.") from exc
    logger.info("created data folder %s", path)
    return path


def choose_data_dir(cli_value: str | None) -> Path:
    """The folder `resolve_data_dir` would use, without creating it."""
    return _choose(cli_value).expanduser().absolute()


def _choose(cli_value: str | None) -> Path:
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
