"""Slowing down password guessing without ever locking the owner out.

Each failed sign-in makes the next try from the same client wait longer (1, 2, 4 ... s, at most
MAX_CLIENT_WAIT_S), and many failures from anywhere make every client wait a little (at most
MAX_OVERALL_WAIT_S), so guessing from many addresses is slowed too. Nothing is ever banned:
after the wait, the right password always opens, and a quiet quarter of an hour forgets the
failures. A try made during the wait is not checked at all and does not count as a failure.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIENT_WAIT_S = 60.0
MAX_OVERALL_WAIT_S = 10.0
OVERALL_FREE_FAILURES = 10  # failures from all clients together before everyone waits
FORGET_AFTER_S = 15 * 60.0
MAX_CLIENTS_KEPT = 1000  # memory stays bounded whatever the number of addresses


@dataclass
class _Failures:
    count: int = 0
    last: float = -math.inf


class SignInThrottle:
    """Growing waits after failed sign-ins, per client and overall. Not thread-safe: the
    dashboard's event loop is its only user."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._clients: OrderedDict[str, _Failures] = OrderedDict()
        self._overall = _Failures()

    def wait_s(self, client: str) -> float:
        """Seconds `client` must still wait before a try is checked (0: go ahead)."""
        now = self._now()
        waits = [0.0]
        mine = self._current(self._clients.get(client), now)
        if mine.count:
            waits.append(mine.last + _client_wait(mine.count) - now)
        overall = self._current(self._overall, now)
        if overall.count > OVERALL_FREE_FAILURES:
            waits.append(overall.last + _overall_wait(overall.count) - now)
        return max(waits)

    def failed(self, client: str) -> None:
        now = self._now()
        mine = self._current(self._clients.pop(client, None), now)
        self._clients[client] = _Failures(mine.count + 1, now)
        while len(self._clients) > MAX_CLIENTS_KEPT:
            self._clients.popitem(last=False)
        overall = self._current(self._overall, now)
        self._overall = _Failures(overall.count + 1, now)

    def succeeded(self, client: str) -> None:
        """The right password from this client ends its waits (not the overall count)."""
        self._clients.pop(client, None)

    @staticmethod
    def _current(failures: _Failures | None, now: float) -> _Failures:
        if failures is None or now - failures.last >= FORGET_AFTER_S:
            return _Failures()
        return failures


def _client_wait(failures: int) -> float:
    return min(MAX_CLIENT_WAIT_S, 2.0 ** (failures - 1))


def _overall_wait(failures: int) -> float:
    return min(MAX_OVERALL_WAIT_S, 0.5 * (failures - OVERALL_FREE_FAILURES))
