"""`balance-kiosk run` and the log commands when the log's file lets them down, as a tester met
it: a log damaged in places, a full disk, a log overwritten under the running kiosk. A walk
always ends with its summary, nothing recorded is lost without a word, no traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import (
    REPO,
    fill_log,
    fill_up,
    read_only_data_folder,
    run_cli,
    small_disk,
    zero_pages_of,
)

from kiosk.access.pin_lock import PinLock
from kiosk.log.store import SessionStore
from kiosk.sim.scripts import SCRIPT_PIN

SESSIONS = 30


def start_kiosk(
    data: Path, script: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", **(env or {})}
    command = ["run", "--headless", "--simulate", "--script", script, "--data-dir", str(data)]
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", *command],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_walking(database: Path, kiosk: subprocess.Popen[str], samples: int = 5) -> None:
    """Until the session has started and written a few distance samples."""
    uri = f"{database.as_uri()}?mode=ro"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and kiosk.poll() is None:
        time.sleep(0.2)
        with (
            contextlib.suppress(sqlite3.Error),
            contextlib.closing(sqlite3.connect(uri, uri=True)) as db,
        ):
            if db.execute("SELECT count(*) FROM samples").fetchone()[0] >= samples:
                return
    pytest.fail("the walk never started")


def finished(kiosk: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        out, err = kiosk.communicate(timeout=120)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    assert kiosk.returncode == 0, err
    assert "Traceback" not in err, err
    return out, err


def summary(out: str, session_id: int) -> str:
    [line] = [x for x in out.splitlines() if x.startswith(f"session {session_id}:")]
    return line


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# ------------------------------------------------------------------ damaged in places


def test_a_walk_on_a_log_damaged_in_places_ends_with_its_summary_and_the_log_is_recovered(
    tmp_path,
):
    data = tmp_path / "data"
    data.mkdir()
    fill_log(data / "sessions.db", SESSIONS)
    zero_pages_of(data / "sessions.db", "events")  # 8 KB gone bad, as the tester had it
    out, err = finished(start_kiosk(data, "walk"))
    assert "ended completed" in summary(out, SESSIONS + 1)
    assert "was damaged in places" in err and f"{SESSIONS} session(s)" in err
    assert "sessions.db.unreadable-" in err  # where the damaged file was kept
    listing = run_cli("logs", "list", "--page-size", "100", "--data-dir", data)
    assert listing.returncode == 0, listing.stderr
    assert f"Page 1, {SESSIONS + 1} session(s)" in listing.stdout


def test_the_log_commands_say_in_one_line_that_a_log_is_damaged(tmp_path):
    fill_log(tmp_path / "sessions.db", SESSIONS)
    zero_pages_of(tmp_path / "sessions.db", "profiles")
    for command in (("logs", "list"), ("profiles", "list")):
        result = run_cli(*command, "--data-dir", tmp_path)
        assert result.returncode == 1
        line = one_line(result)
        assert "sessions.db is damaged in places" in line
        assert "recovers what can still be read the next time it starts" in line


# ------------------------------------------------------------------ a log overwritten


def test_a_log_overwritten_under_a_walk_still_ends_with_its_summary(tmp_path):
    data = tmp_path / "data"
    kiosk = start_kiosk(data, "walk")
    database = data / "sessions.db"
    wait_until_walking(database, kiosk)
    with database.open("r+b") as f:  # another program writes over the log
        f.write(os.urandom(database.stat().st_size))
    out, err = finished(kiosk)
    assert "ended completed" in summary(out, 1)
    assert "overwritten" in err
    listing = run_cli("logs", "list", "--data-dir", data)
    assert listing.returncode == 0 and "completed" in listing.stdout


# ------------------------------------------------------------------ a full disk


def test_a_walk_on_a_disk_that_fills_up_is_summed_up_and_saved_at_the_next_start(tmp_path):
    with small_disk(tmp_path / "card") as card:
        data = card / "data"
        kiosk = start_kiosk(data, "drift")  # the walker drifts out of reach once
        wait_until_walking(data / "sessions.db", kiosk)
        filler = fill_up(card)
        out, err = finished(kiosk)
        line = summary(out, 1)
        assert "1 reminder," in line and "ended stopped" in line and "not saved" in line
        assert "storage is full" in err and "sessions.db.unsaved" in err
        store = SessionStore.open(data / "sessions.db")  # the kiosk starts; still full
        try:
            assert not store.flush()
            assert "disk_full" in [p.kind for p in store.problems]
            [s] = store.list_sessions().sessions
            assert s.ended_how is None  # its ending waits to be written: not 'interrupted'
            filler.unlink()  # room again
            assert store.flush()
            [s] = store.list_sessions().sessions
            assert (s.ended_how, s.reminders) == ("stopped", 1)
        finally:
            store.close()
        assert not (data / "sessions.db.unsaved").read_bytes().startswith(b"balance-kiosk")


def test_sigterm_on_a_full_disk_leaves_the_session_closed_at_the_next_start(tmp_path):
    with small_disk(tmp_path / "card") as card:
        data = card / "data"
        kiosk = start_kiosk(data, "walk")
        wait_until_walking(data / "sessions.db", kiosk)
        filler = fill_up(card)
        kiosk.send_signal(signal.SIGTERM)
        finished(kiosk)
        filler.unlink()
        store = SessionStore.open(data / "sessions.db")
        try:
            [s] = store.list_sessions().sessions
            assert s.ended_how == "stopped"  # not left open, not 'interrupted'
        finally:
            store.close()


def test_profiles_add_on_a_full_disk_says_so_in_one_line(tmp_path):
    with small_disk(tmp_path / "card") as card:
        data = card / "data"
        assert run_cli("profiles", "add", "Ann", "--data-dir", data).returncode == 0
        running = SessionStore.open(data / "sessions.db")  # the kiosk has the log open
        try:
            filler = fill_up(card)
            result = run_cli("profiles", "add", "Bob", "--data-dir", data)
            assert result.returncode == 1
            assert "storage is full" in one_line(result)
        finally:
            running.close()
        result = run_cli("profiles", "add", "Bob", "--data-dir", data)  # nobody has it open
        assert result.returncode == 1
        assert "space" in one_line(result)  # it cannot be opened, or it cannot grow
        filler.unlink()
        assert "Bob" not in run_cli("profiles", "list", "--data-dir", data).stdout


# ------------------------------------------------------------------ a read-only card


def test_a_walk_on_a_card_turned_read_only_ends_with_its_summary_and_says_nothing_was_saved(
    tmp_path,
):
    card = tmp_path / "card"
    card.mkdir()
    fill_log(card / "sessions.db", 3)
    PinLock(card / "caregiver_pin.json").set_pin(SCRIPT_PIN)  # set before the card turned
    with read_only_data_folder(card) as (data, as_owner):
        before = {p.name: p.read_bytes() for p in data.iterdir()}
        out, err = finished(start_kiosk(data, "walk", as_owner["env"]))
        line = summary(out, 1)  # a log in memory: its own first session
        assert "ended completed" in line and "NOT saved" in line
        assert "Sessions are NOT being saved" in err and "is read-only" in err
        assert "logs export" in err  # what to do: get the sessions off the card
        assert {p.name: p.read_bytes() for p in data.iterdir()} == before
        listing = run_cli("logs", "list", "--data-dir", data, **as_owner)
        assert listing.returncode == 0 and listing.stdout.count("completed") == 3
        added = run_cli("profiles", "add", "Bob", "--data-dir", data, **as_owner)
        assert added.returncode == 1
        assert "is read-only, so the change could not be saved" in one_line(added)
