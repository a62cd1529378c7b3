"""Moving the times of sessions logged before the wall clock was set.

Only sessions this run of the kiosk logged are moved: their rows were stamped on one time
scale (`kiosk.service.wall_clock.LogClock`), so the jump seen when the clock was set is
exactly what they are off by. Sessions of earlier runs keep their 'time not confirmed' mark.
"""

from __future__ import annotations

import sqlite3

from kiosk.vocabulary import EventKind

_UNCORRECTED = f"""SELECT s.id FROM sessions s WHERE s.id >= ?
    AND EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id
                AND e.kind = '{EventKind.CLOCK_UNSET.value}')
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id
                    AND e.kind = '{EventKind.CLOCK_CORRECTED.value}')"""


def shift_session_times(
    conn: sqlite3.Connection, first_id: int, jump_ms: int, now_ms: int
) -> list[int]:
    """Move every time of this run's uncorrected sessions by `jump_ms`, and note it on each,
    in one transaction; returns the sessions moved."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = [row[0] for row in conn.execute(_UNCORRECTED, (first_id,))]
        if ids:
            chosen = f"({','.join('?' * len(ids))})"
            conn.execute(
                f"UPDATE sessions SET started_at = started_at + ?, "
                f"ended_at = ended_at + ? WHERE id IN {chosen}",
                (jump_ms, jump_ms, *ids),
            )
            for table in ("events", "samples"):
                conn.execute(
                    f"UPDATE {table} SET t = t + ? WHERE session_id IN {chosen}", (jump_ms, *ids)
                )
            words = f"the clock was set: times moved by {_signed_duration(jump_ms)}"
            conn.executemany(
                "INSERT INTO events (session_id, t, kind, detail) VALUES (?, ?, ?, ?)",
                [(sid, now_ms, EventKind.CLOCK_CORRECTED.value, words) for sid in ids],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ids


def _signed_duration(ms: int) -> str:
    sign = "+" if ms >= 0 else "-"
    seconds = abs(ms) // 1000
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    parts += [f"{minutes} min"] * bool(minutes) + [f"{seconds} s"] * (bool(seconds) or not parts)
    return sign + " ".join(parts)
