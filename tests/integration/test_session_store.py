"""The session log on real SQLite files: recovery, migrations, bad files, full disk, exports."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hardware.clock import VirtualClock
from kiosk.log import queries as q
from kiosk.log import store as session_store
from kiosk.log.export import EVENT_COLUMNS, SESSION_COLUMNS, export, export_to_usb
from kiosk.log.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    open_readonly,
    sync_word_checks,
)
from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder
from kiosk.walk.progression import suggest_for, suggest_next_level

REPO = Path(__file__).resolve().parents[2]


def ms(*args: int) -> int:
    """Epoch ms of a UTC wall time."""
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


T0 = ms(2026, 11, 2, 10, 0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.db"


@pytest.fixture
def store(db_path: Path):
    s = SessionStore.open(db_path, clock=VirtualClock((T0 + 86_400_000) / 1000))
    yield s
    s.close()


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def walk(
    store: SessionStore,
    profile_id: int,
    start_ms: int,
    *,
    minutes: float = 10,
    alarms: tuple[tuple[int, int | None], ...] = (),
    ended_how: str = "completed",
    level: int = 1,
) -> int:
    """A whole session; alarms are (on, off) offsets in ms from the start (off None: never)."""
    sid = store.start_session(profile_id, "beginner", level, t_ms=start_ms)
    store.record_event(sid, "chapter", "Warm-up", t_ms=start_ms + 500)
    for on, off in alarms:
        store.record_event(sid, "alarm_on", distance_mm=950, t_ms=start_ms + on)
        if off is not None:
            store.record_event(sid, "alarm_off", distance_mm=450, t_ms=start_ms + off)
    end = start_ms + int(minutes * 60_000)
    store.end_session(sid, ended_how, seconds_walking=minutes * 60, seconds_paused=0, t_ms=end)
    return sid


# ------------------------------------------------------------------ writing


def test_session_row_is_committed_as_soon_as_start_session_returns(store, db_path):
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    row = raw(db_path).execute("SELECT started_at, ended_at FROM sessions WHERE id = ?", (sid,))
    assert row.fetchone() == (T0, None)


def test_events_samples_and_end_are_written_and_summarised(store, db_path):
    pid = store.add_profile("Anna", goal_minutes=12, goal_days=2)
    sid = store.start_session(pid, "beginner", 2, t_ms=T0)
    store.record_event(sid, "alarm_on", "drifted", 910, t_ms=T0 + 60_000)
    store.record_event(sid, "alarm_off", distance_mm=420, t_ms=T0 + 64_500)
    store.record_event(sid, "alarm_on", distance_mm=900, t_ms=T0 + 100_000)
    store.record_event(sid, "alarm_off", distance_mm=430, t_ms=T0 + 102_000)
    for i in range(25):
        store.record_sample(sid, 400 + i if i != 3 else None, t_ms=T0 + 200 * i)
    store.end_session(sid, "completed", seconds_walking=594, seconds_paused=6, t_ms=T0 + 600_000)
    store.end_session(sid, "fault", seconds_walking=1, seconds_paused=1)  # the first ending wins
    assert store.flush()

    conn = raw(db_path)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 25
    assert conn.execute("SELECT count(*) FROM samples WHERE distance_mm IS NULL").fetchone() == (1,)
    [summary] = store.list_sessions().sessions
    assert (summary.reminders, summary.longest_out_of_reach_s) == (2, 4.5)
    assert summary.completed and summary.minutes_walked == pytest.approx(9.9)
    detail = store.session_detail(sid)
    assert detail is not None
    assert detail.alarm_spans == [(T0 + 60_000, T0 + 64_500), (T0 + 100_000, T0 + 102_000)]
    assert [e.kind for e in detail.events] == ["alarm_on", "alarm_off", "alarm_on", "alarm_off"]
    assert detail.events[0].detail == "drifted" and detail.events[0].distance_mm == 910
    assert len(detail.samples) == 25
    assert store.session_detail(9999) is None
    assert store.problems == []


def test_an_alarm_still_on_at_the_end_counts_up_to_the_end(store):
    pid = store.add_profile("Anna")
    walk(store, pid, T0, minutes=2, alarms=((30_000, 40_000), (100_000, None)))
    [summary] = store.list_sessions().sessions
    assert summary.reminders == 2
    assert summary.longest_out_of_reach_s == 20.0  # 100 s to the end at 120 s


def test_bad_rows_are_dropped_without_blocking_the_others(store, db_path, caplog):
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    store.record_event(sid, "dance", t_ms=T0 + 1)  # not a kind: refused at once
    store.record_event(424242, "pause", t_ms=T0 + 2)  # no such session: refused by SQLite
    store.record_event(sid, "pause", t_ms=T0 + 3)
    assert store.flush()
    kinds = raw(db_path).execute("SELECT session_id, kind FROM events").fetchall()
    assert kinds == [(sid, "pause")]
    assert "dance" in caplog.text


def test_many_threads_write_at_once(store, db_path):
    pid = store.add_profile("Anna")
    ids: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        sid = store.start_session(pid, "beginner", 1, t_ms=T0 + n)
        with lock:
            ids.append(sid)
        for i in range(200):
            store.record_event(sid, "chapter", f"{n}-{i}", t_ms=T0 + i)
            store.record_sample(sid, i, t_ms=T0 + i)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.flush()
    conn = raw(db_path)
    assert sorted(ids) == list(range(1, 7))
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1200
    assert conn.execute("SELECT count(DISTINCT detail) FROM events").fetchone()[0] == 1200
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 1200


def test_files_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        folder = DataFolder.choose(tmp_path / "state" / "kiosk").create()
        store = SessionStore.open(folder.sessions_db)
        pid = store.add_profile("Anna")
        store.start_session(pid, "beginner", 1)
        store.flush()
        names = ["sessions.db", "sessions.db-wal", "sessions.db-shm"]
        modes = {n: stat.S_IMODE((folder.path / n).stat().st_mode) for n in names}
        store.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.path.stat().st_mode) == 0o700
    assert modes == dict.fromkeys(names, 0o600)


def test_an_existing_file_with_loose_permissions_is_tightened(db_path):
    SessionStore.open(db_path).close()
    db_path.chmod(0o644)
    SessionStore.open(db_path).close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def _count_from_another_program(path: Path, *, writable: bool) -> int:
    """Samples counted by a separate process, as `logs` (read-only) or the dashboard's
    walker page (a writing connection, opened and closed) would."""
    uri = path.as_uri() if writable else f"{path.as_uri()}?mode=ro"
    script = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], uri=True)\n"
        "print(conn.execute('SELECT count(*) FROM samples').fetchone()[0])\n"
        "conn.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, uri], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_another_program_closing_its_connection_does_not_hide_the_walk_being_written(store):
    """Once another program had opened and closed the log for writing, the kiosk's newest
    rows went to a write-ahead file nobody else could see, and a crash would have lost them."""
    sid = store.start_session(store.add_profile("Anna"), "beginner", 1, t_ms=T0)
    for i in range(5):
        store.record_sample(sid, 400 + i, t_ms=T0 + 200 * i)
    assert store.flush()
    assert _count_from_another_program(store.path, writable=True) == 5
    for i in range(5, 10):
        store.record_sample(sid, 400 + i, t_ms=T0 + 200 * i)
    assert store.flush()
    assert _count_from_another_program(store.path, writable=False) == 10


# -------------------------------------------------------------- recovery


CHILD = textwrap.dedent(
    """
    import sys, time
    from kiosk.log.store import SessionStore

    t0, t1 = int(sys.argv[2]), int(sys.argv[3])
    store = SessionStore.open(sys.argv[1])
    pid = store.ensure_profile("Anna")
    done = store.start_session(pid, "beginner", 1, t_ms=t0)
    store.end_session(done, "completed", seconds_walking=300, seconds_paused=0, t_ms=t0 + 300000)
    sid = store.start_session(pid, "beginner", 1, t_ms=t1)
    store.record_event(sid, "chapter", "Warm-up", t_ms=t1 + 1000)
    for i in range(10):
        store.record_sample(sid, 400 + i, t_ms=t1 + 1000 + 200 * i)
    store.record_event(sid, "pause", t_ms=t1 + 5000)
    store.record_event(sid, "resume", t_ms=t1 + 8000)
    store.record_event(sid, "alarm_on", distance_mm=950, t_ms=t1 + 12000)
    assert store.flush()
    print(sid, flush=True)
    time.sleep(300)
    """
)


def test_a_killed_kiosk_leaves_a_session_closed_as_interrupted_at_next_open(db_path):
    t1 = T0 + 3_600_000
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), str(T0), str(t1)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert child.poll() is None, "the child must still be running when it is killed"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    sid = int(line)
    before = raw(db_path).execute("SELECT ended_at FROM sessions WHERE id = ?", (sid,)).fetchone()
    assert before == (None,)

    store = SessionStore.open(db_path)
    try:
        assert store.problems == []
        detail = store.session_detail(sid)
        assert detail is not None
        s = detail.session
        assert (s.ended_how, s.ended_at) == ("interrupted", t1 + 12_000)
        assert (s.seconds_paused, s.seconds_walking) == (3.0, 9.0)
        assert len(detail.samples) == 10 and len(detail.events) == 4
        assert [x.ended_how for x in store.list_sessions().sessions] == ["interrupted", "completed"]
        assert store.start_session(1, "beginner", 1) == sid + 1
    finally:
        store.close()


def test_an_open_session_ends_at_its_last_sample_when_that_is_later(db_path):
    store = SessionStore.open(db_path)
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    store.record_event(sid, "chapter", t_ms=T0 + 1_000)
    store.record_sample(sid, 500, t_ms=T0 + 7_000)
    store.close()  # closing does not end the session: like a crash, for the log
    store = SessionStore.open(db_path)
    detail = store.session_detail(sid)
    store.close()
    assert detail is not None
    assert (detail.session.ended_how, detail.session.ended_at) == ("interrupted", T0 + 7_000)


def test_recover_open_sessions_leaves_this_runs_sessions_alone(store):
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    assert store.recover_open_sessions() == []
    assert store.session_detail(sid).session.ended_how is None


# ------------------------------------------------------------ migrations

V1_SQL = f"""
PRAGMA application_id = {APPLICATION_ID};
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    goal_minutes INTEGER NOT NULL DEFAULT 10,
    goal_days INTEGER NOT NULL DEFAULT 3,
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    routine TEXT NOT NULL,
    level INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    ended_how TEXT,
    seconds_walking REAL NOT NULL DEFAULT 0,
    seconds_paused REAL NOT NULL DEFAULT 0
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    distance_mm INTEGER
);
CREATE INDEX events_by_session ON events(session_id, t);
PRAGMA user_version = 1;
"""


def test_a_version_1_file_opens_in_the_newest_schema(db_path):
    conn = sqlite3.connect(db_path)
    conn.executescript(V1_SQL)
    conn.execute("INSERT INTO profiles VALUES (1, 'Anna', 10, 3, ?)", (T0,))
    conn.execute(
        "INSERT INTO sessions VALUES (1, 1, 'beginner', 1, ?, ?, 'completed', 600, 0)",
        (T0, T0 + 600_000),
    )
    conn.execute("INSERT INTO events VALUES (1, 1, ?, 'alarm_on', '', 900)", (T0 + 1000,))
    conn.execute("INSERT INTO events VALUES (2, 1, ?, 'alarm_off', '', 400)", (T0 + 3000,))
    conn.commit()
    conn.close()

    store = SessionStore.open(db_path)
    try:
        assert store.problems == []
        [old] = store.list_sessions().sessions
        assert (old.id, old.profile_name, old.reminders, old.longest_out_of_reach_s) == (
            1,
            "Anna",
            1,
            2.0,
        )
        sid = store.start_session(1, "beginner", 2, t_ms=T0 + 86_400_000)
        store.record_sample(sid, 512, t_ms=T0 + 86_400_500)
        assert store.flush()
        check = raw(db_path)
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert check.execute("SELECT session_id, distance_mm FROM samples").fetchall() == [
            (sid, 512)
        ]
        indexes = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"samples_by_session", "sessions_by_start", "events_summary"} <= indexes
    finally:
        store.close()


def v3_file(path: Path) -> None:
    """A log as the kiosk wrote it before sessions kept their settings, with one session."""
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:3]:
        for statement in step:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    sync_word_checks(conn)
    conn.execute("INSERT INTO profiles VALUES (1, 'Anna', 10, 3, ?)", (T0,))
    conn.execute(
        "INSERT INTO sessions VALUES (1, 1, 'beginner', 1, ?, ?, 'completed', 600, 0)",
        (T0, T0 + 600_000),
    )
    conn.close()


def test_a_version_3_file_reads_as_it_is_and_gains_the_settings_when_the_kiosk_opens_it(db_path):
    v3_file(db_path)
    with contextlib.closing(open_readonly(db_path)) as conn:  # a caregiver's `logs show`
        assert q.session_detail(conn, 1).session.settings is None
    store = SessionStore.open(db_path)
    try:
        assert store.problems == []
        assert store.session_detail(1).session.settings is None  # not recorded then
        sid = store.start_session(1, "beginner", 1, settings=q.SessionSettings(640, 50, 3, 33))
        assert store.session_detail(sid).session.settings == q.SessionSettings(640, 50, 3, 33)
    finally:
        store.close()
    check = raw(db_path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with pytest.raises(sqlite3.IntegrityError, match="not an event kind"):  # triggers still work
        check.execute("INSERT INTO events (session_id, t, kind) VALUES (1, 0, 'dance')")


# ------------------------------------------------------------- bad files


def _assert_set_aside(tmp_path: Path, original: bytes, store: SessionStore, kind: str) -> Path:
    found = tmp_path.glob("sessions.db.unreadable-*")
    [aside] = [p for p in found if not p.name.endswith(("-wal", "-shm", "-journal"))]
    assert aside.read_bytes() == original
    [problem] = store.problems
    assert problem.kind == kind
    assert str(tmp_path / "sessions.db") in problem.message and aside.name in problem.message
    # The fresh log works.
    pid = store.add_profile("Anna")
    walk(store, pid, T0)
    assert len(store.list_sessions().sessions) == 1
    assert raw(tmp_path / "sessions.db").execute("SELECT count(*) FROM sessions").fetchone() == (1,)
    return aside


def test_a_file_of_random_bytes_is_kept_aside_and_a_new_log_started(tmp_path, db_path, caplog):
    original = bytes(range(256)) * 64
    db_path.write_bytes(original)
    with caplog.at_level(logging.ERROR):
        store = SessionStore.open(db_path)
    try:
        aside = _assert_set_aside(tmp_path, original, store, "unreadable")
        assert aside.name.startswith("sessions.db.unreadable-20")
        assert "could not be read" in store.problems[0].message
        assert aside.name in caplog.text
    finally:
        store.close()


def test_a_damaged_kiosk_file_is_kept_aside(tmp_path, db_path):
    store = SessionStore.open(db_path)
    walk(store, store.add_profile("Anna"), T0)
    store.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    data[page:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - page))  # all but page 1
    db_path.write_bytes(bytes(data))
    store = SessionStore.open(db_path)
    try:
        _assert_set_aside(tmp_path, bytes(data), store, "unreadable")
    finally:
        store.close()


def test_a_damaged_files_write_ahead_log_goes_aside_with_it(tmp_path):
    live = SessionStore.open(tmp_path / "live.db")
    walk(live, live.add_profile("Anna"), T0)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    wal = Path(f"{tmp_path / 'live.db'}-wal").read_bytes()
    assert wal  # the session is still only in the write-ahead log
    (crashed / "sessions.db-wal").write_bytes(wal)
    (crashed / "sessions.db").write_bytes(b"\0garbage" * 500)
    live.close()

    store = SessionStore.open(crashed / "sessions.db")
    try:
        [problem] = store.problems
        aside = crashed / problem.message.split("kept unchanged as ")[1].split()[0]
        assert Path(f"{aside}-wal").read_bytes() == wal
        assert store.list_sessions().sessions == []  # nothing replayed from the old log
    finally:
        store.close()


def test_another_programs_database_is_kept_aside(tmp_path, db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    original = db_path.read_bytes()
    store = SessionStore.open(db_path)
    try:
        _assert_set_aside(tmp_path, original, store, "foreign")
        assert "not a balance-kiosk session log" in store.problems[0].message
    finally:
        store.close()


def test_a_file_from_a_newer_kiosk_version_is_kept_aside(tmp_path, db_path):
    SessionStore.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    original = db_path.read_bytes()
    store = SessionStore.open(db_path)
    try:
        _assert_set_aside(tmp_path, original, store, "newer")
        assert "newer version" in store.problems[0].message
    finally:
        store.close()


def test_when_no_file_can_be_opened_the_routine_still_runs_in_memory(tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    store = SessionStore.open(tmp_path / "not-a-folder" / "sessions.db")
    try:
        assert store.in_memory
        assert [p.kind for p in store.problems] == ["not_saving"]
        assert "NOT being saved" in store.problems[0].message
        walk(store, store.add_profile("Anna"), T0, alarms=((1000, 2000),))
        [s] = store.list_sessions().sessions
        assert s.reminders == 1
    finally:
        store.close()


def test_a_full_disk_never_stops_the_routine_and_rows_are_saved_later(store, db_path, monkeypatch):
    monkeypatch.setattr(session_store, "RETRY_EVERY_S", 3600.0)  # retries only when we write
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    assert store.flush()
    writer = store._conn  # max_page_count is a setting of the connection that writes
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count = {pages}")

    for i in range(10):
        store.record_event(sid, "chapter", "x" * 3000, t_ms=T0 + i)  # must not raise
    store.end_session(sid, "completed", seconds_walking=60, seconds_paused=0, t_ms=T0 + 60_000)
    assert store.flush() is False
    assert not store.saving_ok
    [problem] = store.problems
    assert problem.kind == "disk_full" and "full" in problem.message
    assert str(db_path) in problem.message
    assert raw(db_path).execute("SELECT count(*) FROM events").fetchone() == (0,)

    writer.execute("PRAGMA max_page_count = 1073741823")  # space is free again
    store.record_event(sid, "stop", t_ms=T0 + 61_000)
    assert store.flush() is True
    assert store.saving_ok
    assert [p.kind for p in store.problems] == ["disk_full", "recovered"]
    conn = raw(db_path)
    assert conn.execute("SELECT count(*) FROM events").fetchone() == (11,)
    assert conn.execute("SELECT ended_how FROM sessions WHERE id = ?", (sid,)).fetchone() == (
        "completed",
    )


def test_the_memory_buffer_is_bounded_while_writes_fail(store, db_path, monkeypatch):
    monkeypatch.setattr(session_store, "RETRY_EVERY_S", 3600.0)
    monkeypatch.setattr(session_store, "MAX_PENDING_ROWS", 5)
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    store.flush()
    writer = store._conn
    writer.execute(f"PRAGMA max_page_count = {writer.execute('PRAGMA page_count').fetchone()[0]}")
    for i in range(20):
        store.record_event(sid, "chapter", "y" * 3000, t_ms=T0 + i)
    store.end_session(sid, "completed", seconds_walking=1, seconds_paused=0)
    store.flush()
    assert "dropped" in [p.kind for p in store.problems]
    writer.execute("PRAGMA max_page_count = 1073741823")
    assert store.flush()
    conn = raw(db_path)
    # The session's end is never dropped; the oldest events are.
    assert conn.execute("SELECT ended_how FROM sessions").fetchone() == ("completed",)
    assert conn.execute("SELECT min(t) FROM events").fetchone()[0] > T0


# ----------------------------------------------------- caregiver queries


def test_pages_are_newest_first_and_filtered(store):
    anna, ben = store.add_profile("Anna"), store.add_profile("Ben")
    day = 86_400_000
    ids = [walk(store, anna if i % 2 else ben, T0 + i * day) for i in range(45)]
    first = store.list_sessions()
    assert [s.id for s in first.sessions] == ids[::-1][:20] and first.has_more
    third = store.list_sessions(page=3)
    assert [s.id for s in third.sessions] == ids[::-1][40:] and not third.has_more
    annas = store.list_sessions(profile_id=anna, page_size=100).sessions
    assert {s.profile_name for s in annas} == {"Anna"} and len(annas) == 22
    since = datetime.fromtimestamp((T0 + 40 * day) / 1000).date()
    recent = store.list_sessions(since=since).sessions
    assert [s.id for s in recent] == ids[::-1][: len(recent)]
    assert min(s.started_at for s in recent) >= q.day_start_ms(since)
    assert 4 <= len(recent) <= 6


def test_weekly_summary_counts_minutes_and_days_against_the_goal(store):
    pid = store.add_profile("Anna", goal_minutes=10, goal_days=3)
    # ISO week 45 of 2026: Mon 2 Nov to Sun 8 Nov.
    walk(store, pid, ms(2026, 11, 2, 9), minutes=6)
    walk(store, pid, ms(2026, 11, 2, 17), minutes=5)  # same day: 11 minutes
    walk(store, pid, ms(2026, 11, 4, 9), minutes=10)
    walk(store, pid, ms(2026, 11, 6, 9), minutes=9.5)
    walk(store, pid, ms(2026, 11, 10, 9), minutes=12)  # week 46
    for s in (ms(2026, 11, 11, 9), ms(2026, 11, 13, 9)):
        walk(store, pid, s, minutes=10, ended_how="stopped")
    with store.reading() as conn:
        summary = q.weekly_summary(conn, pid, weeks=3, today=date(2026, 11, 18), tz=UTC)
    assert summary is not None
    w45, w46, w47 = summary.weeks
    assert (w45.year, w45.week, w45.monday) == (2026, 45, date(2026, 11, 2))
    assert (w45.sessions, w45.days_walked, w45.days_at_goal) == (4, 3, 2)
    assert w45.minutes_walked == pytest.approx(30.5) and not w45.goal_met
    assert (w46.sessions, w46.days_walked, w46.days_at_goal, w46.goal_met) == (3, 3, 3, True)
    assert (w47.sessions, w47.minutes_walked, w47.goal_met) == (0, 0.0, False)


# ------------------------------------------------------------ progression


def _summary(n: int, *, ended_how: str = "completed", reminders: int = 0, level: int = 1):
    return q.SessionSummary(
        n, 1, "Anna", "beginner", level, T0 - n * 86_400_000, T0, ended_how, 600, 0,
        reminders, 0.0, 1 if ended_how == "fault" else 0,
    )  # fmt: skip


def test_progression_suggests_after_enough_clean_sessions(store):
    pid = store.add_profile("Anna")
    day = 86_400_000
    for i in range(3):
        walk(store, pid, T0 - (3 - i) * day, alarms=((1000, 2000),) if i == 1 else ())
    s = suggest_for(store, pid, needed=3)
    assert (s.suggest, s.current_level, s.next_level) == (True, 1, 2)
    assert "level 2" in s.reason
    assert not suggest_for(store, pid, needed=4).suggest
    assert "3 recent clean sessions so far, 4 needed" in suggest_for(store, pid, needed=4).reason


def test_progression_does_not_suggest_with_two_reminders():
    recent = [_summary(1), _summary(2, reminders=2), _summary(3), _summary(4)]
    s = suggest_next_level(recent, needed=3, now_ms=T0)
    assert not s.suggest and s.next_level is None
    assert "needed 2 reminders" in s.reason


@pytest.mark.parametrize("ending", ["fault", "interrupted", "stopped"])
def test_progression_never_suggests_after_a_fault_or_an_interruption(ending):
    clean = [_summary(n) for n in range(2, 6)]
    s = suggest_next_level([_summary(1, ended_how=ending), *clean], needed=3, now_ms=T0)
    assert not s.suggest
    assert {"fault": "sensor fault", "interrupted": "interrupted", "stopped": "stopped"}[
        ending
    ] in s.reason
    # ... even when it is not the newest one.
    s = suggest_next_level([*clean[:2], _summary(9, ended_how=ending)], needed=3, now_ms=T0)
    assert not s.suggest


def test_progression_counts_only_recent_sessions_at_the_current_level():
    assert not suggest_next_level(
        [_summary(1, level=2), _summary(2), _summary(3)], needed=3, now_ms=T0
    ).suggest
    old = suggest_next_level([_summary(1), _summary(2), _summary(30)], needed=3, now_ms=T0)
    assert not old.suggest and "2 recent clean sessions" in old.reason
    top = suggest_next_level([_summary(n, level=3) for n in range(1, 4)], max_level=3, now_ms=T0)
    assert not top.suggest and "longest routine" in top.reason
    assert suggest_next_level([], now_ms=T0).reason.startswith("No sessions yet")


# ---------------------------------------------------------------- export


@pytest.fixture
def filled(store):
    anna, ben = store.add_profile("Anna"), store.add_profile("Bén")
    a = walk(store, anna, ms(2026, 11, 2, 10), alarms=((120_000, 124_500),))
    b = walk(store, ben, ms(2026, 11, 3, 11), minutes=4, ended_how="stopped")
    store.record_event(b, "chapter", 'Step "back", slowly', t_ms=ms(2026, 11, 3, 11, 1))
    store.flush()
    return store, a, b


def test_sessions_csv_parses_back(filled):
    store, a, b = filled
    out = io.StringIO()
    with store.reading() as conn:
        assert export(conn, out, fmt="csv", tz=UTC) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(SESSION_COLUMNS)
    assert rows[0] == {
        "session_id": str(a),
        "profile": "Anna",
        "date": "2026-11-02",
        "start_time": "10:00:00",
        "end_time": "10:10:00",
        "utc_offset": "+00:00",
        "routine": "beginner",
        "level": "1",
        "result": "completed",
        "completed": "yes",
        "minutes_walked": "10.0",
        "minutes_paused": "0.0",
        "reminders": "1",
        "longest_out_of_reach_s": "4.5",
        "sensor_faults": "0",
        "time_confirmed": "yes",
    }
    assert (rows[1]["profile"], rows[1]["result"], rows[1]["completed"]) == ("Bén", "stopped", "no")


def test_events_csv_and_json_parse_back(filled):
    store, a, b = filled
    out = io.StringIO()
    with store.reading() as conn:
        assert export(conn, out, what="events", tz=UTC) == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(EVENT_COLUMNS)
    assert [(r["session_id"], r["kind"]) for r in rows] == [
        (str(a), "chapter"),
        (str(a), "alarm_on"),
        (str(a), "alarm_off"),
        (str(b), "chapter"),
        (str(b), "chapter"),
    ]
    assert rows[1]["time"] == "2026-11-02T10:02:00+00:00"
    assert rows[1]["seconds_into_session"] == "120.0" and rows[1]["distance_mm"] == "950"
    assert rows[4]["detail"] == 'Step "back", slowly'

    out = io.StringIO()
    with store.reading() as conn:
        assert export(conn, out, fmt="json", tz=UTC) == 2
    doc = json.loads(out.getvalue())
    assert doc["format"] == "balance-kiosk-sessions"
    first, second = doc["sessions"]
    assert first["started"] == "2026-11-02T10:00:00+00:00" and first["completed"] is True
    assert first["reminders"] == 1 and first["longest_out_of_reach_s"] == 4.5
    assert [e["kind"] for e in first["events"]] == ["chapter", "alarm_on", "alarm_off"]
    assert second["profile"] == "Bén" and second["events"][-1]["detail"] == 'Step "back", slowly'


def test_export_filters_by_profile_and_date(filled):
    store, a, b = filled
    ben = store.find_profile("bén")
    out = io.StringIO()
    with store.reading() as conn:
        assert export(conn, out, profile_id=ben.id) == 1
        assert export(conn, io.StringIO(), since_ms=ms(2026, 11, 3)) == 1
        assert export(conn, io.StringIO(), what="events", profile_id=ben.id) == 2
    assert list(csv.DictReader(io.StringIO(out.getvalue())))[0]["session_id"] == str(b)


def test_samples_csv_parses_back(store):
    pid = store.add_profile("Anna")
    sid = store.start_session(pid, "beginner", 1, t_ms=T0)
    for i, d in enumerate([500, None, 520]):
        store.record_sample(sid, d, t_ms=T0 + 200 * (i + 1))
    store.flush()
    out = io.StringIO()
    with store.reading() as conn:
        assert export(conn, out, what="samples", tz=UTC) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["seconds_into_session"], r["distance_mm"]) for r in rows] == [
        ("0.2", "500"),
        ("0.4", ""),
        ("0.6", "520"),
    ]
    assert rows[0]["time"] == "2026-11-02T10:00:00.200+00:00"


def test_export_to_usb_writes_dated_files_on_a_mounted_stick(filled, tmp_path):
    store, _, _ = filled
    media = tmp_path / "media"
    stick = media / "pi" / "STICK"
    stick.mkdir(parents=True)
    (media / "pi" / "folder").mkdir()
    assert export_to_usb(store, (tmp_path / "nothing",)) is None
    path = export_to_usb(
        store, (media,), now=datetime(2026, 11, 25, 10, 15), is_mount=lambda p: p.name == "STICK"
    )
    assert path == stick / "balance-kiosk-2026-11-25-1015-sessions.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.DictReader(f))) == 2
    assert (stick / "balance-kiosk-2026-11-25-1015-events.csv").is_file()
    assert sorted(p.name for p in stick.iterdir()) == [
        "balance-kiosk-2026-11-25-1015-events.csv",
        "balance-kiosk-2026-11-25-1015-sessions.csv",
    ]


# -------------------------------------------------------------- data dir


def test_data_dir_order_of_choice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BALANCE_KIOSK_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("STATE_DIRECTORY", f"{tmp_path / 'state'}:{tmp_path / 'other'}")
    assert DataFolder.choose(str(tmp_path / "cli")).create().path == tmp_path / "cli"
    assert DataFolder.choose(None).create().path == tmp_path / "env"
    monkeypatch.delenv("BALANCE_KIOSK_DATA_DIR")
    assert DataFolder.choose(None).create().path == tmp_path / "state"
    monkeypatch.delenv("STATE_DIRECTORY")
    assert DataFolder.choose(None).create().path == tmp_path / "data"
    for name in ("cli", "env", "state", "data"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o700
    assert not (tmp_path / "other").exists()


def test_a_walker_is_found_by_name_first_in_any_spelling_then_by_id(store):
    zoe = store.add_profile("Zoë")
    one = store.add_profile("1")  # a walker whose name is a number
    decomposed = "Zoe\u0308"  # e and a combining diaeresis, as some keyboards type it
    assert store.find_profile(decomposed.upper()).id == zoe
    assert store.find_profile("  zoë ").id == zoe
    ann = store.add_profile("Ann")
    assert zoe == 1 and store.find_profile("1").id == one  # the name "1" wins over ID 1
    assert store.find_profile(str(ann)).id == ann  # no walker of that name: by ID
    assert store.find_profile(str(ann + 1)) is None
