"""The session log and kiosk.vocabulary agree: the words in Python, in the schema, and in SQL."""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.log import opening
from kiosk.log import queries as q
from kiosk.log import store as session_store
from kiosk.log.schema import (
    MIGRATIONS,
    SUMMARY_KINDS_SQL,
    WORD_CHECK_PREFIX,
    migrate,
    open_readonly,
    sync_word_checks,
    word_check_triggers,
)
from kiosk.log.store import SessionStore
from kiosk.vocabulary import SUMMARY_EVENTS, Ending, EventKind, sql_list

T0 = 1_793_000_000_000

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


# ------------------------------------------------------------- the SQL's own word checks


def _triggers(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return dict(rows.fetchall())


def _older_file(path: Path, *extra_sql: str) -> None:
    """A file of the newest schema as a kiosk without word checks left it (plus ``extra_sql``)."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn)
    for statement in extra_sql:
        conn.execute(statement)
    conn.execute("INSERT INTO profiles VALUES (1, 'Anna', 10, 3, ?)", (T0,))
    conn.execute(
        "INSERT INTO sessions (id, profile_id, routine, level, started_at, ended_at, "
        "ended_how) VALUES (1, 1, 'beginner', 1, ?, ?, 'completed')",
        (T0, T0 + 1000),
    )
    conn.close()


@pytest.fixture
def raw(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection to a log the store has opened, with one profile and one open session."""
    path = tmp_path / "sessions.db"
    with SessionStore.open(path) as store:
        sid = store.start_session(store.add_profile("Anna"), "beginner", 1, t_ms=T0)
        assert sid == 1
    conn = sqlite3.connect(path, isolation_level=None)
    yield conn
    conn.close()


def _add_event(conn: sqlite3.Connection, kind: str) -> None:
    conn.execute("INSERT INTO events (session_id, t, kind) VALUES (1, ?, ?)", (T0 + 1, kind))


def _add_session(conn: sqlite3.Connection, ended_how: str | None) -> None:
    conn.execute(
        """INSERT INTO sessions (profile_id, routine, level, started_at, ended_at, ended_how)
           VALUES (1, 'beginner', 1, ?, ?, ?)""",
        (T0, T0 + 1000, ended_how),
    )


@pytest.mark.parametrize("kind", ["dance", "ALARM_ON", "alarm_on ", ""])
def test_sql_refuses_an_event_kind_outside_the_vocabulary(raw, kind):
    with pytest.raises(sqlite3.IntegrityError, match="not an event kind"):
        _add_event(raw, kind)
    _add_event(raw, "pause")
    with pytest.raises(sqlite3.IntegrityError, match="not an event kind"):
        raw.execute("UPDATE events SET kind = ?", (kind,))
    assert raw.execute("SELECT kind FROM events").fetchall() == [("pause",)]


@pytest.mark.parametrize("ending", ["abandoned", "Completed", "open"])
def test_sql_refuses_a_session_ending_outside_the_vocabulary(raw, ending):
    with pytest.raises(sqlite3.IntegrityError, match="not a session ending"):
        _add_session(raw, ending)
    with pytest.raises(sqlite3.IntegrityError, match="not a session ending"):
        raw.execute("UPDATE sessions SET ended_how = ? WHERE id = 1", (ending,))
    assert raw.execute("SELECT id, ended_how FROM sessions").fetchall() == [(1, None)]


@pytest.mark.parametrize("kind", list(EventKind))
def test_sql_accepts_every_event_kind(raw, kind):
    _add_event(raw, kind.value)
    raw.execute("UPDATE events SET kind = ?", (kind.value,))
    assert raw.execute("SELECT kind FROM events").fetchall() == [(kind.value,)]


@pytest.mark.parametrize("ending", list(Ending))
def test_sql_accepts_every_ending_and_an_open_session(raw, ending):
    _add_session(raw, ending.value)
    _add_session(raw, None)
    raw.execute("UPDATE sessions SET ended_how = ? WHERE id = 1", (ending.value,))
    assert raw.execute(
        "SELECT count(*) FROM sessions WHERE ended_how = ?", (ending.value,)
    ).fetchone() == (2,)


def test_an_older_file_gets_the_word_checks_when_the_store_opens_it(tmp_path):
    path = tmp_path / "sessions.db"
    older_list = sql_list(tuple(k for k in EventKind if k != EventKind.STOP))
    _older_file(
        path,
        # as if an older vocabulary, without "stop", had made them, plus one no longer used
        f"""CREATE TRIGGER {WORD_CHECK_PREFIX}event_kind_insert BEFORE INSERT ON events
            WHEN NEW.kind NOT IN {older_list} BEGIN SELECT RAISE(ABORT, 'old'); END""",
        f"""CREATE TRIGGER {WORD_CHECK_PREFIX}retired BEFORE INSERT ON samples
            BEGIN SELECT RAISE(ABORT, 'retired'); END""",
        # someone else's trigger is left alone
        "CREATE TRIGGER keep_me AFTER INSERT ON profiles BEGIN SELECT 1; END",
    )
    with SessionStore.open(path) as store:
        assert store.problems == [] and not store.in_memory
        store.record_event(1, EventKind.STOP, t_ms=T0 + 2)
        store.record_sample(1, 500, t_ms=T0 + 3)
        assert store.flush()
    conn = sqlite3.connect(path)
    triggers = _triggers(conn)
    assert triggers.pop("keep_me")
    assert triggers == word_check_triggers()
    assert conn.execute("SELECT kind FROM events").fetchall() == [("stop",)]
    assert conn.execute("SELECT count(*) FROM samples").fetchone() == (1,)
    with pytest.raises(sqlite3.IntegrityError):
        _add_event(conn, "dance")
    conn.close()


def test_an_up_to_date_file_is_not_written_to_update_its_checks(raw, tmp_path):
    version = raw.execute("PRAGMA schema_version").fetchone()
    assert sync_word_checks(raw) == []
    SessionStore.open(tmp_path / "sessions.db").close()
    assert raw.execute("PRAGMA schema_version").fetchone() == version


def test_a_read_only_open_changes_nothing(tmp_path):
    path = tmp_path / "sessions.db"
    _older_file(
        path,
        f"""CREATE TRIGGER {WORD_CHECK_PREFIX}retired BEFORE INSERT ON samples
            BEGIN SELECT RAISE(ABORT, 'retired'); END""",
    )
    before = path.read_bytes()
    conn = open_readonly(path)
    try:
        assert [s.id for s in q.list_sessions(conn).sessions] == [1]
        assert list(_triggers(conn)) == [f"{WORD_CHECK_PREFIX}retired"]
    finally:
        conn.close()
    assert path.read_bytes() == before


def test_the_checks_are_built_from_the_vocabulary():
    triggers = word_check_triggers()
    assert all(name.startswith(WORD_CHECK_PREFIX) for name in triggers)
    text = " ".join(triggers.values())
    assert all(f"'{word}'" in text for word in [*EventKind, *Ending])


def test_an_in_memory_log_checks_words_too(tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    with SessionStore.open(tmp_path / "not-a-folder" / "sessions.db") as store:
        assert store.in_memory
        sid = store.start_session(store.add_profile("Anna"), "beginner", 1, t_ms=T0)
        assert store.flush()
        with pytest.raises(sqlite3.IntegrityError):
            store._call(lambda conn: _add_event_for(conn, sid, "dance"))


def _add_event_for(conn: sqlite3.Connection, session_id: int, kind: str) -> None:
    conn.execute(
        "INSERT INTO events (session_id, t, kind) VALUES (?, ?, ?)", (session_id, T0, kind)
    )


def test_checks_that_cannot_be_written_leave_the_log_in_use(tmp_path, monkeypatch, caplog):
    def full(conn: sqlite3.Connection) -> list[str]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(opening, "sync_word_checks", full)
    path = tmp_path / "sessions.db"
    with caplog.at_level(logging.WARNING), SessionStore.open(path) as store:
        assert store.problems == [] and not store.in_memory
        store.start_session(store.add_profile("Anna"), "beginner", 1, t_ms=T0)
    assert "word checks" in caplog.text
    assert sqlite3.connect(path).execute("SELECT count(*) FROM sessions").fetchone() == (1,)


def test_the_store_saves_an_unknown_ending_as_stopped(tmp_path, caplog):
    path = tmp_path / "sessions.db"
    with SessionStore.open(path) as store:
        sid = store.start_session(store.add_profile("Anna"), "beginner", 1, t_ms=T0)
        store.end_session(sid, "abandoned", seconds_walking=1, seconds_paused=0, t_ms=T0 + 5)
        store.end_session(sid, Ending.COMPLETED, seconds_walking=1, seconds_paused=0)  # too late
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT ended_how FROM sessions").fetchall() == [("stopped",)]
    assert "abandoned" in caplog.text
