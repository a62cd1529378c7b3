"""The broker's outbox: every event, session summary and distance sample, kept until the
broker confirms it, in the order it was made.

Each message is numbered (seq) and queued to the session log's writer thread (the `outbox`
table), and kept here in memory too, so the link sends at once without waiting for the SD
card. When the broker confirms a message (QoS 1's PUBACK), its row is deleted. After an outage
the link sends what is waiting, oldest first; after a restart the rows still in the table are
read back first, so nothing made is lost (a message may arrive twice: subscribers tell by its
id).

The outbox is bounded: past `max_rows` the oldest distance samples go first, then the ends of
alarms (back within reach, sensor working again, which the retained state also says); an alarm,
a call for help or a session is never dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_ROWS = 20_000  # about 5 hours of distance samples at most once a second, and the rest
DROP_ORDER = (("distance",), ("back_in_reach", "sensor_ok"))


@dataclass(frozen=True)
class OutMessage:
    seq: int
    kind: str  # an event type, "session" or "distance"
    topic: str
    payload: str


class Outbox:
    """Thread-safe: `put` is called from the safety thread, the call-for-help watch and the
    screens; `take` and `delivered` from the link's threads."""

    def __init__(self, store: Any, max_rows: int = MAX_ROWS) -> None:
        self.store = store
        self.max_rows = max_rows
        self.dropped = 0
        self._lock = threading.Lock()
        rows = store.outbox_rows()
        self._waiting: deque[OutMessage] = deque(
            OutMessage(seq, kind, topic, payload) for seq, kind, topic, payload, _ in rows
        )
        self._held = len(rows)  # waiting, and sent but not yet confirmed
        self._next_seq = (rows[-1][0] + 1) if rows else 1
        if rows:
            log.info("%d message(s) for the broker kept from before the restart", len(rows))

    def put(self, kind: str, topic: str, payload: str) -> OutMessage:
        with self._lock:
            message = OutMessage(self._next_seq, kind, topic, payload)
            self._next_seq += 1
            # Under the lock, so the rows are numbered in the order they are queued.
            self.store.outbox_add(message.seq, kind, topic, payload, int(time.time() * 1000))
            self._waiting.append(message)
            self._held += 1
            if self._held > self.max_rows:
                self._drop_one()
        return message

    def take(self, most: int) -> list[OutMessage]:
        """The oldest messages not yet sent, at most `most`; they stay held until delivered."""
        with self._lock:
            count = min(most, len(self._waiting))
            return [self._waiting.popleft() for _ in range(count)]

    def delivered(self, message: OutMessage) -> None:
        with self._lock:
            self._held -= 1
        self.store.outbox_delete(message.seq)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def held(self) -> int:
        """Messages the broker has not confirmed (waiting, or sent and unconfirmed)."""
        return self._held

    def _drop_one(self) -> None:
        for kinds in DROP_ORDER:
            for index, message in enumerate(self._waiting):
                if message.kind in kinds:
                    del self._waiting[index]
                    self._held -= 1
                    self.store.outbox_delete(message.seq)
                    if not self.dropped:
                        log.warning(
                            "the broker's outbox is full (%d messages): dropping the oldest "
                            "%s first",
                            self.max_rows,
                            message.kind,
                        )
                    self.dropped += 1
                    return
