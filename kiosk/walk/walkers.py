"""Who is walking: the walker the next session is recorded under, chosen on the home screen.

The choice is remembered in the data folder, so a restart does not quietly record sessions
under somebody else. With several walkers and nothing remembered (or a walker that no longer
exists), nobody is chosen: the home screen asks before a walk can start.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_NAME = "Walker"


class WalkerChoice:
    """The walker chosen now (None: ask), among the walkers in the session log."""

    def __init__(self, store: Any, remembered: Path | None = None) -> None:
        self.store = store
        self._file = remembered
        self.current: int | None = self._recall()

    def names(self) -> list[tuple[int, str]]:
        """(id, name) of every walker; empty when the log cannot be read."""
        try:
            return [(p.id, p.name) for p in self.store.profiles()]
        except Exception:
            log.exception("cannot read the walkers from the session log")
            return []

    def next(self) -> None:
        """Move on to the next walker (after the last, the first again), and remember it."""
        ids = [walker_id for walker_id, _ in self.names()]
        if ids:
            position = ids.index(self.current) if self.current in ids else -1
            self.choose(ids[(position + 1) % len(ids)])

    def choose(self, walker_id: int) -> None:
        self.current = walker_id
        self._remember()

    def _recall(self) -> int | None:
        ids = [walker_id for walker_id, _ in self.names()]
        remembered = self._read()
        if remembered in ids:
            return remembered
        if len(ids) == 1:
            return ids[0]
        if ids:
            log.info("%d walkers and none remembered: the home screen asks who walks", len(ids))
            return None
        try:  # the first start: one walker, so that sessions have someone to belong to
            return self.store.ensure_profile(DEFAULT_NAME)
        except Exception:
            log.exception("cannot add the first walker to the session log")
            return None

    def _read(self) -> int | None:
        if self._file is None:
            return None
        try:
            value = json.loads(self._file.read_text(encoding="utf-8")).get("walker_id")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, AttributeError) as error:
            log.warning("cannot read who was walking from %s: %s", self._file, error)
            return None
        return value if isinstance(value, int) else None

    def _remember(self) -> None:
        if self._file is None:
            return
        temporary = self._file.with_suffix(".tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump({"walker_id": self.current}, file)
            os.replace(temporary, self._file)
        except OSError as error:  # a full card must not stop the choice, only its memory
            log.warning("cannot remember who is walking in %s: %s", self._file, error)
