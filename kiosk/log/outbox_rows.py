"""The broker's outbox as the session log's writer keeps it (the `outbox` table).

The link (kiosk/link/outbox.py) holds every message in memory and sends from there; the table
is what survives a restart. So an outbox write never waits and never joins the routine's rows
(which are kept through a full card for the session's sake): when one cannot be written, the
message is still sent, and only its copy for after a restart is missing.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass

logger = logging.getLogger(__name__)

INSERT_OUTBOX = (
    "INSERT OR REPLACE INTO outbox (seq, kind, topic, payload, created_at) VALUES (?, ?, ?, ?, ?)"
)
DELETE_OUTBOX = "DELETE FROM outbox WHERE seq = ?"
READ_OUTBOX = "SELECT seq, kind, topic, payload, created_at FROM outbox ORDER BY seq"


@dataclass(frozen=True)
class OutboxOp:
    """One change to the outbox table, queued to the writer thread."""

    sql: str
    params: tuple


def write_outbox(conn: sqlite3.Connection, ops: list[OutboxOp]) -> bool:
    """Apply the changes in one transaction; False (and a journal line) when they could not
    be written."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        for op in ops:
            conn.execute(op.sql, op.params)
        conn.execute("COMMIT")
    except (sqlite3.Error, OSError) as exc:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        logger.warning(
            "%d change(s) to the broker's outbox not saved (%s); the messages are still sent, "
            "but would not be resent after a restart",
            len(ops),
            exc,
        )
        return False
    return True
