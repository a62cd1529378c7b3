"""`balance-kiosk pin set|reset` as it is run: by the installer with the PIN piped in, and by a
person at the kiosk's console typing it twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import run_cli, run_cli_on_a_terminal

from kiosk.access.pin_lock import MAX_TRIES, PinLock
from kiosk.paths import DataFolder


@pytest.fixture
def data(tmp_path) -> DataFolder:
    return DataFolder(tmp_path / "data")


def pin(*args: str | Path, input: str = ""):
    return run_cli("pin", *args, input=input)


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_the_installer_sets_the_first_pin_and_a_second_set_keeps_it(data):
    result = pin("set", "--data-dir", data.path, input="2468\n")
    assert result.returncode == 0, result.stderr
    assert "PIN set" in result.stdout
    assert PinLock(data.caregiver_pin).check("2468").ok

    again = pin("set", "--data-dir", data.path, input="1357\n")
    assert again.returncode == 1
    assert "balance-kiosk pin reset" in one_line(again.stderr)
    assert PinLock(data.caregiver_pin).check("2468").ok


def test_reset_replaces_a_forgotten_pin_and_ends_a_lockout(data):
    lock = PinLock(data.create().caregiver_pin)
    lock.set_pin("2468")
    for _ in range(MAX_TRIES):
        lock.check("0000")
    assert lock.locked_for() > 0

    result = pin("reset", "--data-dir", data.path, input="1357\n")
    assert result.returncode == 0, result.stderr
    assert "lockout has ended" in result.stdout
    assert lock.check("1357").ok  # the running kiosk takes it at once
    assert not lock.check("2468").ok


@pytest.mark.parametrize("content", ["{}", "[]", '{"salt": "00"}', "{not json"])
def test_a_damaged_pin_file_is_fixed_by_reset_and_only_by_reset(data, content):
    data.create().caregiver_pin.write_text(content)
    data.caregiver_pin.chmod(0o600)  # as the kiosk keeps it: no warning about loose modes

    refused = pin("set", "--data-dir", data.path, input="2468\n")
    assert refused.returncode == 1
    message = one_line(refused.stderr)
    assert "damaged" in message and "balance-kiosk pin reset" in message
    assert data.caregiver_pin.read_text() == content

    result = pin("reset", "--data-dir", data.path, input="2468\n")
    assert result.returncode == 0, result.stderr
    assert "damaged PIN file" in result.stdout
    lock = PinLock(data.caregiver_pin)
    assert lock.damaged is None and lock.check("2468").ok


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("12a4\n", "4 to 8 digits"),
        ("123\n", "4 to 8 digits"),
        ("١٢٣٤\n", "4 to 8 digits"),  # Arabic-Indic digits: the keypad cannot type them
        ("１２３４\n", "4 to 8 digits"),
        ("", "no PIN on standard input"),
    ],
)
def test_a_pin_that_cannot_be_typed_on_the_keypad_is_refused(data, typed, said):
    result = pin("set", "--data-dir", data.path, input=typed)
    assert result.returncode == 2
    assert said in one_line(result.stderr)
    assert not data.caregiver_pin.exists()


def test_reset_needs_the_kiosks_data_folder(tmp_path):
    result = pin("reset", "--data-dir", tmp_path / "typo", input="2468\n")
    assert result.returncode == 1
    assert "does not exist" in one_line(result.stderr)
    assert not (tmp_path / "typo").exists()


def test_at_the_console_the_pin_is_typed_twice_unseen(data):
    code, shown = run_cli_on_a_terminal("pin", "set", "--data-dir", data.path, typed=["2468"] * 2)
    assert code == 0, shown
    assert "New caregiver PIN" in shown and "The same PIN again" in shown
    assert "2468" not in shown  # not echoed
    assert PinLock(data.caregiver_pin).check("2468").ok


def test_at_the_console_two_different_pins_change_nothing(data):
    lock = PinLock(data.create().caregiver_pin)
    lock.set_pin("2468")
    before = json.loads(data.caregiver_pin.read_text())
    code, shown = run_cli_on_a_terminal(
        "pin", "reset", "--data-dir", data.path, typed=["1357", "1375"]
    )
    assert code == 2
    assert "differ" in shown and "Traceback" not in shown
    assert json.loads(data.caregiver_pin.read_text()) == before
