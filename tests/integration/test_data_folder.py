"""The data folder holds personal data: it and every file the kiosk writes in it are owner-only."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder
from kiosk.settings import LiveSettings, Settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The loosest umask there is: nothing the kiosk creates may rely on the umask."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_everything_the_kiosk_writes_is_owner_only_whatever_the_umask(
    tmp_path, loose_umask, caplog
):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o755)  # made by hand before the kiosk first ran
    with caplog.at_level(logging.INFO, logger="kiosk.paths"):
        data = DataFolder(folder).create()
    assert mode(folder) == 0o700
    assert str(folder) in caplog.text and "0755" in caplog.text and "0700" in caplog.text

    store = SessionStore.open(data.sessions_db)
    session = store.start_session(store.add_profile("Ann"), "beginner", 1)
    store.record_sample(session, 450)
    assert store.flush()
    settings = LiveSettings(Settings(), data.settings_overrides)
    settings.save("safety.reach_mm", 650)
    modes = {p.name: mode(p) for p in folder.iterdir()}
    store.close()
    assert {"sessions.db", "sessions.db-wal", "sessions.db-shm", "settings.toml"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600)


def test_an_existing_settings_file_left_open_is_closed_at_start(tmp_path, loose_umask):
    data = DataFolder(tmp_path / "data").create()
    data.settings_overrides.write_text("[safety]\nreach_mm = 650\n")
    data.settings_overrides.chmod(0o644)
    DataFolder(data.path).create()
    assert mode(data.settings_overrides) == 0o600


def test_a_folder_shared_with_other_files_is_left_as_it_is_and_the_log_says_why(tmp_path, caplog):
    shared = tmp_path / "home"
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "letters.txt").write_text("not the kiosk's")  # e.g. --data-dir ~ by mistake
    with caplog.at_level(logging.WARNING, logger="kiosk.paths"):
        DataFolder(shared).create()
    assert mode(shared) == 0o755
    assert str(shared) in caplog.text and "letters.txt" in caplog.text
