"""The real Adafruit driver, unchanged, against the emulated chip."""

from __future__ import annotations

import errno

import pytest
from adafruit_vl53l0x import VL53L0X

from hardware.emulated_tof import NO_TARGET_MM, EmulatedI2CBus, ScriptedWalker


def test_driver_initialises_and_reads_distance_single_shot(bus, walker):
    driver = VL53L0X(bus, io_timeout_s=0.05)
    assert driver.range == 450
    walker.move_to(812.0)
    assert driver.range == 812


def test_continuous_mode_is_ready_once_per_period(bus, chip, clock):
    driver = VL53L0X(bus, io_timeout_s=0.05)
    driver.start_continuous()
    assert not driver.data_ready
    clock.sleep(0.020)
    assert not driver.data_ready
    clock.sleep(0.014)
    assert driver.data_ready
    assert driver.read_range() == 450
    assert not driver.data_ready  # reading cleared the interrupt


def test_no_target_reads_8190_with_a_failed_status(bus, walker, clock):
    driver = VL53L0X(bus, io_timeout_s=0.05)
    walker.move_to(None)
    assert driver.range == NO_TARGET_MM
    status = bytearray(1)
    bus.writeto_then_readfrom(0x29, bytes([0x14]), status)
    assert (status[0] & 0x78) >> 3 != 11


def test_unplugged_chip_fails_with_errno_121(bus, chip):
    driver = VL53L0X(bus, io_timeout_s=0.05)
    chip.unplug()
    with pytest.raises(OSError) as raised:
        driver.range  # noqa: B018
    assert raised.value.errno == errno.EREMOTEIO


def test_missing_chip_is_a_value_error_at_construction():
    with pytest.raises(ValueError, match="No I2C device"):
        VL53L0X(EmulatedI2CBus({}), io_timeout_s=0.05)


def test_stuck_chip_makes_the_driver_time_out(bus, chip):
    chip.stuck = True
    with pytest.raises(RuntimeError, match="Timeout"):
        VL53L0X(bus, io_timeout_s=0.02)


def test_replugged_chip_has_reset_and_stops_ranging(bus, chip, clock):
    driver = VL53L0X(bus, io_timeout_s=0.05)
    driver.start_continuous()
    chip.unplug()
    chip.replug()
    clock.sleep(1.0)
    assert not driver.data_ready  # a fresh chip ranges only after being set up again
    VL53L0X(bus, io_timeout_s=0.05).start_continuous()
    clock.sleep(0.034)
    assert driver.data_ready


def test_scripted_walker_interpolates_between_waypoints():
    walker = ScriptedWalker([(0.0, 400.0), (2.0, 800.0), (3.0, None)], start=10.0)
    assert walker.distance_at(9.0) == 400.0
    assert walker.distance_at(11.0) == 600.0
    assert walker.distance_at(12.5) == 800.0
    assert walker.distance_at(20.0) is None


def test_noise_spreads_readings_around_the_walker(walker, clock):
    from hardware.emulated_tof import EmulatedVL53L0X

    noisy = EmulatedVL53L0X(walker, clock=clock, noise_mm=10.0, seed=3)
    driver = VL53L0X(EmulatedI2CBus({0x29: noisy}), io_timeout_s=0.05)
    readings = [driver.range for _ in range(200)]
    assert len(set(readings)) > 10
    assert 440 < sum(readings) / len(readings) < 460
