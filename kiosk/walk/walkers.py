"""Who is walking: the walker the next session is recorded under, chosen on the home screen."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_NAME = "Walker"


class WalkerChoice:
    """The walker chosen now, among the walkers in the session log."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.current = self._first()

    def names(self) -> list[tuple[int, str]]:
        """(id, name) of every walker; empty when the log cannot be read."""
        try:
            return [(p.id, p.name) for p in self.store.profiles()]
        except Exception:
            log.exception("cannot read the walkers from the session log")
            return []

    def next(self) -> None:
        """Move on to the next walker (after the last, the first again)."""
        ids = [walker_id for walker_id, _ in self.names()]
        if ids:
            position = ids.index(self.current) if self.current in ids else -1
            self.current = ids[(position + 1) % len(ids)]

    def _first(self) -> int:
        try:
            profiles = self.store.profiles()
            return profiles[0].id if profiles else self.store.ensure_profile(DEFAULT_NAME)
        except Exception:
            log.exception("cannot read the walkers from the session log")
            return 1
