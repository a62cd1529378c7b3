"""Commands that only read leave the data folder exactly as they found it.

A caregiver runs `logs`, `profiles list`, `doctor` and `config` over SSH while the kiosk may be
recording; none of them may create, move, migrate or touch a file there, and none of them may
make a folder for a mistyped path.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from fakes import run_cli

from kiosk.access.pin_lock import PinLock
from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder

READ_ONLY = {
    "logs list": ["logs", "list"],
    "logs show": ["logs", "show", "1"],
    "logs export csv": ["logs", "export", "--format", "csv"],
    "logs export json": ["logs", "export", "--format", "json"],
    "logs export events": ["logs", "export", "--what", "events"],
    "profiles list": ["profiles", "list"],
    "doctor": ["doctor", "--simulate"],
    "config": ["config"],
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file and folder under `folder`: kind, mode, size, modification time, content."""
    seen = {}
    for path in sorted([folder, *folder.rglob("*")]):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        seen[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return seen


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory) -> DataFolder:
    """A kiosk's folder after a session: the log (closed), a caregiver's change, the PIN."""
    data = DataFolder(tmp_path_factory.mktemp("kiosk") / "data").create()
    store = SessionStore.open(data.sessions_db)
    walker = store.add_profile("Ann")
    session = store.start_session(walker, "beginner", 1)
    store.record_event(session, "alarm_on", "out of reach", 720)
    store.record_event(session, "alarm_off", "back within reach", 450)
    store.end_session(session, "completed", seconds_walking=300, seconds_paused=5)
    store.close()
    data.settings_overrides.write_text("[safety]\nreach_mm = 650\n", encoding="utf-8")
    PinLock(data.caregiver_pin).set_pin("2468")
    return data


@pytest.mark.parametrize("command", list(READ_ONLY))
def test_a_read_only_command_changes_nothing_in_the_data_folder(data_folder, command):
    before = snapshot(data_folder.path)
    result = cli(*READ_ONLY[command], "--data-dir", str(data_folder.path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(data_folder.path) == before


def test_they_read_what_is_there(data_folder):
    assert "Ann" in cli("logs", "list", "--data-dir", str(data_folder.path)).stdout
    assert "Ann" in cli("profiles", "list", "--data-dir", str(data_folder.path)).stdout
    config = cli("config", "--data-dir", str(data_folder.path)).stdout
    assert "reach_mm = 650" in config  # the caregiver's change is what the kiosk will use
    assert f"# In force: set in {data_folder.settings_overrides}." in config


def test_config_shows_what_the_kiosk_will_use_and_where_it_comes_from(data_folder, tmp_path):
    own = tmp_path / "r700.toml"
    own.write_text("[safety]\nreach_mm = 700\nmargin_mm = 60\n")
    config = cli("config", "--config", str(own), "--data-dir", str(data_folder.path)).stdout
    assert "reach_mm = 650" in config and "reach_mm = 700" not in config  # the change wins
    assert f"# In force: set in {own}.\nmargin_mm = 60" in config


@pytest.mark.parametrize("command", [c for c in READ_ONLY if c not in ("config", "doctor")])
def test_a_mistyped_folder_is_named_and_never_created(tmp_path, command):
    typo = tmp_path / "dtaa"
    result = cli(*READ_ONLY[command], "--data-dir", str(typo))
    assert result.returncode != 0
    assert f"{typo} does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert not typo.exists()


def test_doctor_on_a_mistyped_folder_warns_and_creates_nothing(tmp_path):
    typo = tmp_path / "dtaa"
    result = cli("doctor", "--simulate", "--data-dir", str(typo))
    assert f"no data folder at {typo}" in result.stdout
    assert not typo.exists()


def test_a_damaged_log_is_reported_not_repaired(tmp_path):
    data = DataFolder(tmp_path / "data").create()
    data.sessions_db.write_bytes(b"not a session log " * 200)
    before = snapshot(data.path)
    for command in (["logs", "list"], ["profiles", "list"], ["doctor", "--simulate"]):
        result = cli(*command, "--data-dir", str(data.path))
        assert "Traceback" not in result.stderr
        assert snapshot(data.path) == before, command
