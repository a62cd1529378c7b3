"""The caregiver PIN: hashed, never stored in clear, locked after five wrong tries."""

from __future__ import annotations

import json
import stat

import pytest

from kiosk.access.pin_lock import LOCKOUT_S, PinError, PinLock


def test_pin_is_stored_only_as_a_salted_hash(tmp_path, clock):
    lock = PinLock(tmp_path / "pin.json", clock=clock)
    assert not lock.has_pin
    lock.set_pin("2468")
    text = (tmp_path / "pin.json").read_text()
    assert "2468" not in text
    state = json.loads(text)
    assert state["algorithm"] == "scrypt" and len(bytes.fromhex(state["salt"])) == 16
    assert stat.S_IMODE((tmp_path / "pin.json").stat().st_mode) == 0o600
    other = PinLock(tmp_path / "other.json", clock=clock)
    other.set_pin("2468")
    assert json.loads((tmp_path / "other.json").read_text())["hash"] != state["hash"]
    assert PinLock(tmp_path / "pin.json", clock=clock).check("2468").ok


def test_five_wrong_tries_lock_for_five_minutes_even_after_a_restart(tmp_path, clock):
    lock = PinLock(tmp_path / "pin.json", clock=clock)
    lock.set_pin("2468")
    results = [lock.check("1111") for _ in range(4)]
    assert [r.tries_left for r in results] == [4, 3, 2, 1]
    assert "1 tries left" in results[-1].message
    locked = lock.check("1111")
    assert not locked.ok and locked.locked_for_s == LOCKOUT_S
    assert "Try again in 5:00" in locked.message
    restarted = PinLock(tmp_path / "pin.json", clock=clock)
    assert not restarted.check("2468").ok  # even the right PIN waits
    clock.sleep(LOCKOUT_S - 1)
    assert not restarted.check("2468").ok
    clock.sleep(2)
    assert restarted.check("2468").ok


def test_a_right_pin_resets_the_count(tmp_path, clock):
    lock = PinLock(tmp_path / "pin.json", clock=clock)
    lock.set_pin("2468")
    for _ in range(4):
        lock.check("0000")
    assert lock.check("2468").ok
    assert lock.check("0000").tries_left == 4


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", ""])
def test_pins_must_be_4_to_8_digits(tmp_path, pin):
    with pytest.raises(PinError, match="4 to 8 digits"):
        PinLock(tmp_path / "pin.json").set_pin(pin)


def test_a_corrupt_pin_file_is_kept_aside_and_a_new_pin_can_be_set(tmp_path):
    path = tmp_path / "pin.json"
    path.write_text("{not json")
    lock = PinLock(path)
    assert not lock.has_pin
    assert (tmp_path / "pin.unreadable").read_text() == "{not json"
    lock.set_pin("1357")
    assert lock.check("1357").ok
