"""The sensor adapter over the real driver and the emulated chip."""

from __future__ import annotations

import pytest
from gpiozero import DigitalOutputDevice

from hardware.emulated_tof import EmulatedI2CBus, EmulatedVL53L0X
from hardware.tof_sensor import SensorFault, TofSensor


def make_sensor(bus, clock, **kwargs) -> TofSensor:
    return TofSensor(bus, io_timeout_s=0.02, clock=clock, sleep=clock.sleep, **kwargs)


def next_reading(sensor, clock, limit_s: float = 0.5):
    deadline = clock.now + limit_s
    while clock.now < deadline:
        reading = sensor.poll()
        if reading is not None:
            return reading
        clock.sleep(0.002)
    raise AssertionError("no reading")


def test_polls_without_blocking_and_reads_once_per_period(bus, clock):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    assert sensor.poll() is None  # nothing measured yet, and poll returned at once
    first = next_reading(sensor, clock)
    second = next_reading(sensor, clock)
    assert first.distance_mm == second.distance_mm == 450
    assert 0.030 <= second.t - first.t <= 0.040


def test_no_target_is_none_not_8190(bus, clock, walker):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    walker.move_to(None)
    reading = next_reading(sensor, clock)
    assert reading.distance_mm is None and reading.raw_mm == 8190 and reading.no_target


def test_a_valid_status_with_8190_is_still_no_target(bus, clock, chip, walker):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    walker.move_to(8190.0)
    chip.max_range_mm = 9000.0  # the chip claims a valid range of 8190
    reading = next_reading(sensor, clock)
    assert reading.status == 11 and reading.distance_mm is None


def test_a_bogus_short_range_with_a_failed_status_is_no_target(bus, clock, chip, walker):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    walker.move_to(1500.0)
    chip.max_range_mm = 1200.0  # beyond it the chip loses the signal...
    chip.bogus_range_when_lost = 35  # ...and reports 35 mm with a failed status
    reading = next_reading(sensor, clock)
    assert reading.raw_mm == 35 and reading.status != 11
    assert reading.distance_mm is None


def test_unplugged_sensor_raises_a_fault_that_names_the_cause(bus, clock, chip):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    chip.unplug()
    with pytest.raises(SensorFault, match="unplugged.*121"):
        sensor.poll()


def test_connect_builds_the_driver_again_after_a_replug(bus, clock, chip, walker):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    chip.unplug()
    with pytest.raises(SensorFault):
        sensor.connect()
    chip.replug()
    walker.move_to(520.0)
    sensor.connect()
    assert next_reading(sensor, clock).distance_mm == 520
    assert sensor.connects == 2


def test_no_device_and_wrong_device_are_wiring_faults(clock, walker):
    with pytest.raises(SensorFault, match="no sensor found at I2C address 0x29"):
        make_sensor(EmulatedI2CBus({}), clock).connect()
    other = EmulatedVL53L0X(walker, clock=clock)
    other._registers[(0, 0xC0)] = 0x12  # some other chip answering at 0x29
    with pytest.raises(SensorFault, match="not a VL53L0X"):
        make_sensor(EmulatedI2CBus({0x29: other}), clock).connect()


def test_stuck_chip_fails_connect_within_the_io_timeout(bus, clock, chip):
    chip.stuck = True
    with pytest.raises(SensorFault, match="stuck"):
        make_sensor(bus, clock).connect()


def test_io_timeout_is_required(bus):
    with pytest.raises(ValueError):
        TofSensor(bus, io_timeout_s=0)


def test_xshut_is_pulsed_low_before_a_reconnect(bus, clock, mock_factory):
    xshut = DigitalOutputDevice(22, initial_value=True, pin_factory=mock_factory)
    sensor = make_sensor(bus, clock, reset_line=xshut)
    sensor.connect()
    assert [s.state for s in mock_factory.pin(22).states] == [False, True]
    sensor.close()
    sensor.connect()
    states = [s.state for s in mock_factory.pin(22).states]
    assert states == [False, True, False, True]


def test_close_is_safe_twice_and_on_a_gone_sensor(bus, clock, chip):
    sensor = make_sensor(bus, clock)
    sensor.connect()
    chip.unplug()
    sensor.close()
    sensor.close()
    assert not sensor.connected
