"""Knowing whether the wall clock is right, and the log's clock that survives it being set."""

from __future__ import annotations

from kiosk.service.doctor_checks import SKIP, WARN, check_clock
from kiosk.service.wall_clock import JUMP_S, LogClock, clock_synchronised

DAY_S = 86400.0


class SystemClock:
    """The two clocks of the machine, moved by the test (the edge: the kernel's clocks)."""

    def __init__(self) -> None:
        self.wall = 1_700_000_000.0
        self.mono = 500.0
        self.synchronised: bool | None = False

    def pass_time(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def log_clock(self) -> LogClock:
        return LogClock(
            lambda: self.synchronised, wall=lambda: self.wall, monotonic=lambda: self.mono
        )


def test_timesyncds_flag_file_means_synchronised_whatever_the_kernel_says(tmp_path):
    flag = tmp_path / "synchronized"
    assert clock_synchronised(flag, kernel=lambda: False) is False
    assert clock_synchronised(flag, kernel=lambda: None) is None
    flag.touch()
    assert clock_synchronised(flag, kernel=lambda: False) is True


def test_setting_the_clock_after_boot_reports_the_jump_once():
    system = SystemClock()
    clock = system.log_clock()
    system.pass_time(30)
    assert clock.check() is None  # not set yet
    system.wall += 3 * DAY_S  # timesyncd steps the clock, then says so
    system.synchronised = True
    assert clock.check() == 3 * DAY_S
    assert clock.check() is None
    assert clock.now() == system.wall


def test_the_log_clock_keeps_one_scale_until_the_next_check():
    system = SystemClock()
    clock = system.log_clock()
    before = clock.now()
    system.wall -= 2 * DAY_S  # a step the log has not looked at yet
    system.pass_time(10)
    assert clock.now() == before + 10


def test_a_clock_that_was_right_reports_no_jump_and_a_step_when_synchronised_is_followed():
    system = SystemClock()
    clock = system.log_clock()
    system.wall += JUMP_S / 2  # drift, corrected by the time server
    system.synchronised = True
    assert clock.check() == 0.0  # set, and it was right: the marks can go
    system.wall += DAY_S  # someone sets the date on a synchronised clock
    assert clock.check() is None
    assert clock.now() == system.wall


def test_doctor_warns_with_the_fix_when_the_clock_is_not_set():
    result = check_clock(False)
    assert result.status == WARN
    assert "not been set" in result.detail
    assert "timedatectl set-time" in result.fix
    assert check_clock(None).status == SKIP
    assert check_clock(True).status == "OK"
