"""The caregiver PIN: hashed, never stored in clear, locked after five wrong tries; a full
disk never locks caregivers out, a clock set back never lengthens a lockout, and a damaged
PIN file is reported, never taken for "no PIN"."""

from __future__ import annotations

import json
import logging
import stat
import textwrap

import pytest
from fakes import run_python_with_mounts

from hardware.clock import VirtualClock
from kiosk.access.pin_lock import LOCKOUT_S, PinError, PinLock

YEAR_S = 365 * 24 * 3600.0


@pytest.fixture
def wall() -> VirtualClock:
    """The wall clock (time.time), which anyone can set."""
    return VirtualClock(1_800_000_000.0)


def lock_at(path, clock, wall) -> PinLock:
    return PinLock(path, clock=clock, wall_clock=wall)


def sleep(seconds: float, *clocks: VirtualClock) -> None:
    for clock in clocks:
        clock.sleep(seconds)


def test_pin_is_stored_only_as_a_salted_hash(tmp_path, clock, wall):
    lock = lock_at(tmp_path / "pin.json", clock, wall)
    assert not lock.has_pin and lock.damaged is None
    lock.set_pin("2468")
    text = (tmp_path / "pin.json").read_text()
    state = json.loads(text)
    # The salt and hash are hex, where "2468" turns up by chance now and then: the PIN must be
    # in none of the other fields, and those two must be nothing but hex.
    others = {k: v for k, v in state.items() if k not in ("salt", "hash")}
    assert "2468" not in json.dumps(others)
    assert all(set(state[k]) <= set("0123456789abcdef") for k in ("salt", "hash"))
    assert state["algorithm"] == "scrypt" and len(bytes.fromhex(state["salt"])) == 16
    assert stat.S_IMODE((tmp_path / "pin.json").stat().st_mode) == 0o600
    other = lock_at(tmp_path / "other.json", clock, wall)
    other.set_pin("2468")
    assert json.loads((tmp_path / "other.json").read_text())["hash"] != state["hash"]
    assert lock_at(tmp_path / "pin.json", clock, wall).check("2468").ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.json", "pin.json"]


def test_five_wrong_tries_lock_for_five_minutes_even_after_a_restart(tmp_path, clock, wall):
    lock = lock_at(tmp_path / "pin.json", clock, wall)
    lock.set_pin("2468")
    results = [lock.check("1111") for _ in range(4)]
    assert [r.tries_left for r in results] == [4, 3, 2, 1]
    assert "1 tries left" in results[-1].message
    locked = lock.check("1111")
    assert not locked.ok and locked.locked_for_s == LOCKOUT_S
    assert "Try again in 5:00" in locked.message
    restarted = lock_at(tmp_path / "pin.json", VirtualClock(5.0), wall)  # a new boot
    assert not restarted.check("2468").ok  # even the right PIN waits
    sleep(LOCKOUT_S - 1, restarted._clock, wall)
    assert not restarted.check("2468").ok
    sleep(2, restarted._clock, wall)
    assert restarted.check("2468").ok


def test_a_right_pin_resets_the_count(tmp_path, clock, wall):
    lock = lock_at(tmp_path / "pin.json", clock, wall)
    lock.set_pin("2468")
    for _ in range(4):
        lock.check("0000")
    assert lock.check("2468").ok
    assert lock.check("0000").tries_left == 4


@pytest.mark.parametrize(
    "pin", ["123", "123456789", "12a4", "", "١٢٣٤", "１２３４", "+123", "12 4"]
)
def test_pins_must_be_4_to_8_digits(tmp_path, pin):
    with pytest.raises(PinError, match="4 to 8 digits"):
        PinLock(tmp_path / "pin.json").set_pin(pin)
    assert not (tmp_path / "pin.json").exists()


# -- the clock ------------------------------------------------------------------------------


def test_a_clock_set_back_after_a_lockout_never_makes_it_longer(tmp_path, clock, wall):
    path = tmp_path / "pin.json"
    lock = lock_at(path, clock, wall)
    lock.set_pin("2468")
    for _ in range(5):
        lock.check("0000")
    wall.now -= YEAR_S  # someone sets the clock back a year
    assert lock.locked_for() == LOCKOUT_S  # within the run: the monotonic clock counts
    sleep(LOCKOUT_S, clock, wall)
    assert lock.check("2468").ok

    for _ in range(5):
        lock.check("0000")
    wall.now -= YEAR_S  # and again, then the kiosk restarts
    boot = VirtualClock(3.0)
    restarted = lock_at(path, boot, wall)
    assert 0 < restarted.locked_for() <= LOCKOUT_S
    sleep(LOCKOUT_S, boot, wall)
    assert restarted.check("2468").ok

    for _ in range(5):
        restarted.check("0000")
    wall.now -= YEAR_S
    lock_at(path, VirtualClock(0.0), wall)  # restarted, and restarted again after 5 minutes:
    sleep(LOCKOUT_S, wall)
    assert lock_at(path, VirtualClock(0.0), wall).check("2468").ok  # the lockout has ended


# -- a full disk ----------------------------------------------------------------------------

PIN_ON_A_FULL_DISK = """
import json, logging, os, sys
from pathlib import Path
from kiosk.access.pin_lock import PinLock

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
data = Path(sys.argv[1])
path = data / "caregiver_pin.json"
PinLock(path).set_pin("2468")
filler = os.open(data / "filler", os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(filler, bytes(4096))
except OSError:
    os.close(filler)
lock = PinLock(path)
seen = {"wrong": [lock.check("1111").tries_left for _ in range(2)]}
seen["right"] = lock.check("2468").ok
try:
    lock.set_pin("1357")
except Exception as error:
    seen["new_pin"] = str(error)
seen["old_pin_still"] = lock.check("2468").ok
seen["wrong_again"] = [lock.check("0000").tries_left for _ in range(2)]
os.unlink(data / "filler")  # space again
seen["wrong_with_space"] = lock.check("0000").tries_left
seen["saved_failures"] = json.loads(path.read_text())["failures"]
seen["files"] = sorted(os.listdir(data))
print(json.dumps(seen))
"""


def test_a_full_disk_never_keeps_the_right_pin_out(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    code = f"import sys; sys.argv = ['x', {str(data)!r}]\n" + textwrap.dedent(PIN_ON_A_FULL_DISK)
    result = run_python_with_mounts(code, {data: "size=64k"})
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["wrong"] == [4, 3]  # counted in memory
    assert seen["right"] is True
    assert seen["wrong_again"] == [4, 3]
    assert seen["new_pin"].startswith("The new PIN could not be saved")
    assert "Errno" not in seen["new_pin"]
    assert seen["old_pin_still"] is True
    assert seen["wrong_with_space"] == 2  # 2 in memory, unsaved, and this one
    assert seen["saved_failures"] == 3
    assert seen["files"] == ["caregiver_pin.json"]  # no temporary file left behind
    assert "cannot save the caregiver PIN's tries" in result.stderr
    assert "Traceback" not in result.stderr


# -- a damaged PIN file ---------------------------------------------------------------------

DAMAGED = {
    "empty": ("", "it is empty"),
    "not json": ("{not json", "not valid JSON"),
    "empty object": ("{}", "holds no PIN"),
    "a list": ("[]", "holds no PIN"),
    "salt without hash": ('{"salt": "00112233445566778899aabbccddeeff"}', "missing"),
    "hash not hex": (
        '{"algorithm": "scrypt", "n": 16384, "r": 8, "p": 1, "salt": "0011", "hash": "zz"}',
        "hash is not hexadecimal",
    ),
    "huge scrypt": (
        '{"algorithm": "scrypt", "n": 1073741824, "r": 8, "p": 1, "salt": "0011", "hash": "'
        + "00" * 32
        + '"}',
        "out of range",
    ),
}


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_pin_file_is_reported_and_never_means_no_pin(tmp_path, caplog, name):
    content, reason = DAMAGED[name]
    path = tmp_path / "caregiver_pin.json"
    path.write_text(content)
    with caplog.at_level(logging.ERROR):
        lock = PinLock(path)
    assert lock.damaged is not None and reason in lock.damaged
    assert lock.has_pin  # so the screen asks for the PIN and offers no new one
    result = lock.check("2468")
    assert not result.ok
    assert "damaged" in result.message and "balance-kiosk pin reset" in result.message
    assert path.read_text() == content  # left as it was, for whoever looks into it
    assert [r.message for r in caplog.records if str(path) in r.message]


def test_a_reset_pin_takes_effect_at_once(tmp_path):
    path = tmp_path / "caregiver_pin.json"
    path.write_text("{}")
    kiosk = PinLock(path)
    assert kiosk.damaged
    PinLock(path).set_pin("1357")  # balance-kiosk pin reset, in another process
    assert kiosk.damaged is None and kiosk.check("1357").ok
