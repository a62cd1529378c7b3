"""A data folder on an SD card that has turned read-only can still be read and exported.

Cards turn read-only after write errors, often just after the crash that left the log's -wal
behind; the caregiver's first wish is then to get the sessions off the card.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fakes import REPO, read_only_data_folder, run_cli

# The kiosk writes a session and dies before closing its log: the session is only in the -wal.
CRASH = textwrap.dedent(
    """
    import os, sys
    from kiosk.log.store import SessionStore

    store = SessionStore.open(sys.argv[1])
    walker = store.add_profile("Ann")
    session = store.start_session(walker, "beginner", 1)
    store.record_event(session, "alarm_on", "out of reach", 720)
    store.record_event(session, "alarm_off", "back within reach", 450)
    store.end_session(session, "completed", seconds_walking=300, seconds_paused=0)
    assert store.flush()
    os._exit(0)
    """
)

COMMANDS = {
    "logs list": (["logs", "list"], "Ann"),
    "logs show": (["logs", "show", "1"], "Session 1: Ann"),
    "logs export csv": (["logs", "export", "--format", "csv"], "Ann"),
    "logs export json": (["logs", "export", "--format", "json"], '"profile": "Ann"'),
    "profiles list": (["profiles", "list"], "Ann"),
}


@pytest.fixture(scope="module", params=["-wal and -shm", "-wal only", "closed cleanly"])
def left_behind(request, tmp_path_factory) -> Path:
    """The data folder as the kiosk left it: crashed (its -wal with or without its -shm), or
    closed cleanly (the log alone)."""
    folder = tmp_path_factory.mktemp("card")
    database = folder / "sessions.db"
    subprocess.run([sys.executable, "-c", CRASH, str(database)], cwd=REPO, check=True)
    assert Path(f"{database}-wal").stat().st_size > 0
    if request.param == "-wal only":
        Path(f"{database}-shm").unlink()
    elif request.param == "closed cleanly":
        run_cli("profiles", "add", "Bo", "--data-dir", folder)  # the next start closes it
        assert not Path(f"{database}-wal").exists()
    return folder


def contents(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_read_only_folder_is_read_and_left_as_it_was(left_behind, command):
    args, expected = COMMANDS[command]
    with read_only_data_folder(left_behind) as (folder, as_owner):
        before = contents(folder)
        result = run_cli(*args, "--data-dir", folder, **as_owner)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and result.stderr == ""
        assert expected in result.stdout
        assert contents(folder) == before
        assert not list(Path(as_owner["env"]["TMPDIR"]).iterdir())  # no copy left behind


def test_the_export_of_a_read_only_folder_holds_the_session_from_its_write_ahead_log(left_behind):
    with read_only_data_folder(left_behind) as (folder, as_owner):
        csv_out = run_cli("logs", "export", "--data-dir", folder, **as_owner).stdout
        json_out = run_cli("logs", "export", "--format", "json", "--data-dir", folder, **as_owner)
    [row] = [r for r in csv.DictReader(io.StringIO(csv_out.removeprefix("\ufeff")))]
    assert (row["profile"], row["result"], row["reminders"]) == ("Ann", "completed", "1")
    [session] = json.loads(json_out.stdout)["sessions"]
    assert [e["kind"] for e in session["events"]] == ["alarm_on", "alarm_off"]


@pytest.mark.parametrize("change", [["add", "Bo"], ["rename", "Ann", "Anna"]])
def test_a_change_to_a_read_only_folder_says_the_card_is_read_only(left_behind, change):
    with read_only_data_folder(left_behind) as (folder, as_owner):
        before = contents(folder)
        result = run_cli("profiles", *change, "--data-dir", folder, **as_owner)
        assert contents(folder) == before
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is read-only, so the change could not be saved" in result.stderr
