"""The session log when its file lets it down: damaged in places, full, deleted, replaced or
overwritten under the running kiosk. Nothing recorded may be lost without a word."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from fakes import LOG_T0, fill_log, zero_pages_of

from kiosk.log import store as session_store
from kiosk.log.store import SessionStore
from kiosk.log.unsaved import room_for

T0 = LOG_T0
HOUR = 3_600_000
SESSIONS, SAMPLES = 30, 300


def counts(path: Path) -> tuple[int, int, int]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("sessions", "events", "samples")
        )


def kept_aside(folder: Path) -> Path:
    [aside] = [
        p
        for p in folder.glob("sessions.db.unreadable-*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    ]
    return aside


def sound(path: Path) -> bool:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "sessions.db"
    fill_log(path, SESSIONS, SAMPLES)
    return path


# ------------------------------------------------------------------ damaged in places


def test_a_log_damaged_in_places_is_kept_aside_and_every_readable_row_recovered(log):
    lost = zero_pages_of(log, "samples")  # 8 KB of a bad block among the distance samples
    damaged = log.read_bytes()
    store = SessionStore.open(log)
    try:
        [problem] = store.problems
        aside = kept_aside(log.parent)
        assert aside.read_bytes() == damaged  # kept untouched
        assert problem.kind == "damaged" and aside.name in problem.message
        assert f"{SESSIONS} session(s), with {2 * SESSIONS} event(s)" in problem.message
        assert f"{SESSIONS * SAMPLES - lost} distance reading(s)" in problem.message
        sessions = store.list_sessions(page_size=100).sessions
        assert len(sessions) == SESSIONS and {s.reminders for s in sessions} == {1}
    finally:
        store.close()
    assert 0 < lost < SAMPLES * SESSIONS
    assert counts(log) == (SESSIONS, 2 * SESSIONS, SESSIONS * SAMPLES - lost)
    assert sound(log)


def test_sessions_whose_walker_was_lost_come_back_under_a_stand_in(log):
    zero_pages_of(log, "profiles")
    store = SessionStore.open(log)
    try:
        [problem] = store.problems
        assert problem.kind == "damaged" and "partly readable" in problem.message
        sessions = store.list_sessions(page_size=100).sessions
        assert len(sessions) == SESSIONS
        assert {s.profile_name for s in sessions} == {"Walker 1 (recovered)"}
    finally:
        store.close()


def test_damage_found_after_a_write_error_replaces_the_log_and_keeps_this_runs_session(log):
    store = SessionStore.open(log)
    try:
        sid = store.start_session(1, "beginner", 1, t_ms=T0 + 100 * HOUR)
        zero_pages_of(log, "events")  # a bad block appears while the kiosk runs
        store.record_event(sid, "alarm_on", "out of reach", 910, t_ms=T0 + 100 * HOUR + 5000)
        store.end_session(sid, "completed", seconds_walking=30, seconds_paused=0)
        assert store.flush()
        kinds = [p.kind for p in store.problems]
        assert "damaged" in kinds, [p.message for p in store.problems]
        assert kept_aside(log.parent).name in store.problems[kinds.index("damaged")].message
        assert store.session_detail(sid).session.reminders == 1
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(log)) as conn:
        assert conn.execute("SELECT ended_how FROM sessions WHERE id = ?", (sid,)).fetchone() == (
            "completed",
        )
        assert conn.execute("SELECT kind FROM events WHERE session_id = ?", (sid,)).fetchall() == [
            ("alarm_on",)
        ]
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == SESSIONS + 1
    assert sound(log)


# ------------------------------------------------------------------ a full disk


def refuse_to_grow(store: SessionStore) -> None:
    """Make the log's file unable to grow, as a full disk does: SQLite's max_page_count
    fails writes with SQLITE_FULL, the error a full disk gives. It is a setting of the
    connection that writes."""
    writer = store._conn
    writer.execute(f"PRAGMA max_page_count = {writer.execute('PRAGMA page_count').fetchone()[0]}")


def test_a_session_on_a_full_disk_is_summed_up_right_and_kept_for_the_next_start(log, monkeypatch):
    monkeypatch.setattr(session_store, "RETRY_EVERY_S", 3600.0)  # retries only when we write
    store = SessionStore.open(log)
    sid = store.start_session(1, "beginner", 1, t_ms=T0 + 100 * HOUR)
    refuse_to_grow(store)
    for i in range(40):  # until the file's free pages are used up
        store.record_event(sid, "chapter", "x" * 3000, t_ms=T0 + 100 * HOUR + i)
    store.record_event(sid, "alarm_on", "out of reach", 910, t_ms=T0 + 100 * HOUR + 5000)
    store.end_session(sid, "stopped", seconds_walking=30, seconds_paused=0)
    assert not store.flush()
    detail = store.session_detail(sid)  # what the end of the walk says
    assert (detail.session.reminders, detail.session.ended_how) == (1, "stopped")
    assert store.unsaved_sessions() == {sid}
    store.close()  # the disk is still full when the kiosk stops
    assert [p.kind for p in store.problems] == ["disk_full", "unsaved"]
    assert room_for(log).name in store.problems[-1].message

    again = SessionStore.open(log)  # the next start, with room again
    try:
        assert [p.kind for p in again.problems] == ["recovered"]
        s = again.list_sessions().sessions[0]
        assert (s.id, s.ended_how, s.reminders) == (sid, "stopped", 1)
        assert again.interrupted == []
    finally:
        again.close()
    again = SessionStore.open(log)  # kept rows are written once
    again.close()
    assert again.problems == []
    assert counts(log)[1] == 2 * SESSIONS + 41


def test_rows_that_find_no_room_at_all_are_described_in_the_journal(log, monkeypatch, caplog):
    monkeypatch.setattr(session_store, "RETRY_EVERY_S", 3600.0)
    store = SessionStore.open(log)
    sid = store.start_session(1, "beginner", 1, t_ms=T0 + 100 * HOUR)
    refuse_to_grow(store)
    room_for(log).unlink()  # the room beside the log is gone, and the folder cannot take more
    room_for(log).mkdir()
    store.record_event(sid, "alarm_on", "x" * 200_000, 910, t_ms=T0 + 100 * HOUR + 5000)
    store.end_session(sid, "completed", seconds_walking=30, seconds_paused=0)
    store.close()
    assert store.problems[-1].kind == "unsaved" and "are lost" in store.problems[-1].message
    assert f"session {sid}, ended completed: 1 alarm_on, 1 end" in caplog.text


# ------------------------------------------------------- the file changed under the kiosk


def run_a_session(store: SessionStore, during=None) -> int:
    """A session with a reminder; `during` happens to the file half-way through."""
    sid = store.start_session(1, "beginner", 1, t_ms=T0 + 100 * HOUR)
    for i in range(10):
        store.record_sample(sid, 450, t_ms=T0 + 100 * HOUR + 200 * i)
    assert store.flush()
    if during is not None:
        during()
    store.record_event(sid, "alarm_on", "out of reach", 910, t_ms=T0 + 100 * HOUR + 5000)
    for i in range(10, 20):
        store.record_sample(sid, 800, t_ms=T0 + 100 * HOUR + 200 * i)
    store.end_session(sid, "stopped", seconds_walking=30, seconds_paused=0)
    assert store.flush()
    return sid


@pytest.mark.parametrize("removed", [("",), ("", "-wal", "-shm")])
def test_a_log_deleted_while_the_kiosk_runs_is_written_back_whole(log, removed):
    store = SessionStore.open(log)
    try:
        sid = run_a_session(store, lambda: [os.unlink(f"{log}{end}") for end in removed])
        [problem] = store.problems
        assert problem.kind == "moved" and "deleted" in problem.message
    finally:
        store.close()
    assert counts(log) == (SESSIONS + 1, 2 * SESSIONS + 1, SESSIONS * SAMPLES + 20)
    again = SessionStore.open(log)
    try:
        s = again.session_detail(sid).session
        assert (s.ended_how, s.reminders) == ("stopped", 1)
    finally:
        again.close()


def test_a_log_replaced_while_the_kiosk_runs_is_written_back_and_the_newcomer_kept(log, tmp_path):
    newcomer = tmp_path / "other.db"
    sqlite3.connect(newcomer).execute("CREATE TABLE notes (text)").connection.commit()
    original = newcomer.read_bytes()
    store = SessionStore.open(log)
    try:
        run_a_session(store, lambda: shutil.move(newcomer, log))
        [problem] = store.problems
        assert problem.kind == "moved" and "replaced" in problem.message
    finally:
        store.close()
    [kept] = log.parent.glob("sessions.db.replaced-*")
    assert kept.read_bytes() == original and kept.name in problem.message
    assert counts(log) == (SESSIONS + 1, 2 * SESSIONS + 1, SESSIONS * SAMPLES + 20)


def test_a_log_overwritten_while_the_kiosk_runs_is_replaced_and_this_run_written_again(log):
    def overwrite() -> None:
        with log.open("r+b") as f:
            f.write(os.urandom(log.stat().st_size))

    store = SessionStore.open(log)
    try:
        sid = run_a_session(store, overwrite)
        assert "overwritten" in store.problems[0].message
        s = store.session_detail(sid).session
        assert (s.ended_how, s.reminders) == ("stopped", 1)
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(log)) as conn:
        row = conn.execute("SELECT ended_how FROM sessions WHERE id = ?", (sid,)).fetchone()
        assert row == ("stopped",)
        assert (
            conn.execute("SELECT count(*) FROM samples WHERE session_id = ?", (sid,)).fetchone()[0]
            == 20
        )
    assert sound(log)


# ------------------------------------------------------------------ a read-only card


def refuse_writes(store: SessionStore, refuse: bool = True) -> None:
    """Make the log's writer unable to write, as a card turned read-only does: with SQLite's
    query_only every write fails with SQLITE_READONLY, the error SQLite gives for a log it may
    no longer write. A setting of the connection that writes, like max_page_count."""
    store._conn.execute(f"PRAGMA query_only = {'ON' if refuse else 'OFF'}")


def test_a_card_turned_read_only_mid_walk_keeps_the_session_and_says_what_to_do(log, monkeypatch):
    monkeypatch.setattr(session_store, "RETRY_EVERY_S", 3600.0)  # retries only when we write
    store = SessionStore.open(log)
    try:
        sid = store.start_session(1, "beginner", 1, t_ms=T0 + 100 * HOUR)
        refuse_writes(store)
        store.record_event(sid, "alarm_on", "out of reach", 910, t_ms=T0 + 100 * HOUR + 5000)
        store.end_session(sid, "completed", seconds_walking=30, seconds_paused=0)
        assert not store.flush()
        [problem] = store.problems
        assert problem.kind == "read_only"
        assert "turned read-only" in problem.message and "logs export" in problem.message
        assert str(log) in problem.message
        detail = store.session_detail(sid)  # the end of the walk still sums it up
        assert (detail.session.reminders, detail.session.ended_how) == (1, "completed")
        assert store.unsaved_sessions() == {sid}
        assert counts(log) == (SESSIONS + 1, 2 * SESSIONS, SESSIONS * SAMPLES)  # not written

        refuse_writes(store, False)  # the card can be written again
        store.record_event(sid, "stop", t_ms=T0 + 100 * HOUR + 31_000)
        assert store.flush()
        assert [p.kind for p in store.problems] == ["read_only", "recovered"]
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(log)) as conn:
        row = conn.execute("SELECT ended_how FROM sessions WHERE id = ?", (sid,)).fetchone()
        assert row == ("completed",)
    assert counts(log)[1] == 2 * SESSIONS + 2
