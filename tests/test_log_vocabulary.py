"""The session log and kiosk.vocabulary agree: the words in Python, in the schema, and in SQL."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from kiosk.log import queries as q
from kiosk.log import store as session_store
from kiosk.log.schema import MIGRATIONS, SUMMARY_KINDS_SQL, migrate
from kiosk.vocabulary import SUMMARY_EVENTS, Ending, EventKind, sql_list

# sha256 of repr(MIGRATIONS[:3]) as shipped. A shipped step never changes, whatever happens to
# the vocabulary: an existing file was built by that text, and a new file must be built the same.
SHIPPED_STEPS = 3
SHIPPED_SHA256 = "8cef872be26cc0ab5fcc3deb0939e31d95d76f1052dfc154c5741213f5c285b1"


def _one_line(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def _events_summary_definitions() -> list[str]:
    """Every CREATE INDEX events_summary in the migrations, oldest first, on one line each."""
    return [
        _one_line(statement)
        for step in MIGRATIONS
        for statement in step
        if re.match(r"\s*CREATE INDEX events_summary\b", statement)
    ]


def test_shipped_migration_steps_are_unchanged():
    shipped = repr(MIGRATIONS[:SHIPPED_STEPS]).encode()
    assert hashlib.sha256(shipped).hexdigest() == SHIPPED_SHA256


def test_the_shipped_summary_index_lists_the_vocabularys_summary_kinds():
    # v3 spells the kinds out; if SUMMARY_EVENTS ever changes, a new step must drop and rebuild
    # events_summary, and SUMMARY_KINDS_SQL follows the newest definition.
    newest = _events_summary_definitions()[-1]
    assert newest.endswith(f"WHERE {SUMMARY_KINDS_SQL}")
    assert f"kind IN {sql_list(SUMMARY_EVENTS)}" == SUMMARY_KINDS_SQL


def test_a_new_database_holds_the_index_the_summary_queries_use(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "new.db", isolation_level=None)
    migrate(conn)
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_summary'"
    ).fetchone()
    assert _one_line(sql).endswith(f"WHERE {SUMMARY_KINDS_SQL}")
    # INDEXED BY fails ("no query solution") unless the WHERE lets SQLite use the partial index.
    conn.execute(
        f"""SELECT session_id, t, kind FROM events INDEXED BY events_summary
            WHERE session_id IN (1, 2) AND {SUMMARY_KINDS_SQL} ORDER BY session_id, t, id"""
    ).fetchall()
    with pytest.raises(sqlite3.OperationalError, match="no query solution"):
        conn.execute(
            "SELECT t FROM events INDEXED BY events_summary WHERE kind IN ('alarm_on')"
        ).fetchall()


def test_the_store_checks_the_vocabularys_words():
    assert {kind.value for kind in EventKind} == session_store.EVENT_KINDS
    assert {ending.value for ending in Ending} == session_store.ENDINGS
    assert all(type(word) is str for word in session_store.EVENT_KINDS | session_store.ENDINGS)


def test_summaries_count_the_vocabularys_kinds():
    marks = [
        (1_000, EventKind.ALARM_ON.value),
        (3_000, EventKind.ALARM_OFF.value),
        (4_000, EventKind.FAULT_ON.value),
        (5_000, EventKind.PAUSE.value),
    ]
    row = (1, 1, "Anna", "beginner", 1, 0, 10_000, Ending.COMPLETED.value, 600.0, 0.0)
    summary = q._summary(row, marks)
    assert (summary.reminders, summary.longest_out_of_reach_s, summary.faults) == (1, 2.0, 1)
    assert summary.completed
