"""The rows the routine writes to the log, as the store queues, remembers and keeps them.

A row is the statement that writes it and its parameters, so the same row can be written to the
file, replayed into a copy in memory, or kept in a file while the storage is full, and always
mean the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

INSERT_SESSION = """INSERT INTO sessions (id, profile_id, routine, level, started_at, reach_mm,
    margin_mm, alarm_delay_readings, sensor_period_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
INSERT_EVENT = (
    "INSERT INTO events (session_id, t, kind, detail, distance_mm) VALUES (?, ?, ?, ?, ?)"
)
INSERT_SAMPLE = "INSERT INTO samples (session_id, t, distance_mm) VALUES (?, ?, ?)"
# The first ending wins: a fault reported while a finished session shuts down changes nothing.
END_SESSION = """UPDATE sessions SET ended_at = ?, ended_how = ?, seconds_walking = ?,
    seconds_paused = ? WHERE id = ? AND ended_at IS NULL"""

SQL_BY_KIND = {
    "session": INSERT_SESSION,
    "event": INSERT_EVENT,
    "end": END_SESSION,
    "sample": INSERT_SAMPLE,
}


@dataclass(frozen=True)
class Row:
    kind: str  # session|event|end|sample
    params: tuple

    @property
    def sql(self) -> str:
        return SQL_BY_KIND[self.kind]

    @property
    def session_id(self) -> int:
        """The session the row belongs to (an ending names it last)."""
        return int(self.params[-1] if self.kind == "end" else self.params[0])
