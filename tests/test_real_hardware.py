"""Checks on a real Raspberry Pi with the sensor and buzzer wired (see the README).

Left out unless BALANCE_KIOSK_HARDWARE_TESTS=1 is set, as CI has no Pi:

    BALANCE_KIOSK_HARDWARE_TESTS=1 .venv/bin/python -m pytest tests/test_real_hardware.py -v

Stand about 40 cm in front of the sensor while it runs.
"""

from __future__ import annotations

import os
import time

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("BALANCE_KIOSK_HARDWARE_TESTS") != "1",
    reason="hardware tests run on a Pi with BALANCE_KIOSK_HARDWARE_TESTS=1",
)


@pytest.fixture(scope="module")
def settings():
    from kiosk.settings import load_settings

    return load_settings(os.environ.get("BALANCE_KIOSK_CONFIG"))


@pytest.fixture
def sensor(settings):
    from hardware.tof_sensor import TofSensor
    from kiosk.bootstrap import _open_i2c

    sensor = TofSensor(
        _open_i2c(),
        address=settings["sensor.i2c_address"],
        timing_budget_us=settings["sensor.period_ms"] * 1000,
        io_timeout_s=settings["sensor.io_timeout_ms"] / 1000,
    )
    sensor.connect()
    yield sensor
    sensor.close()


def test_sensor_answers_with_plausible_distances(sensor):
    readings = []
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and len(readings) < 20:
        reading = sensor.poll()
        if reading is None:
            time.sleep(0.002)
        else:
            readings.append(reading)
    assert len(readings) >= 20, "fewer than 10 readings a second"
    gaps = [b.t - a.t for a, b in zip(readings, readings[1:], strict=False)]
    assert max(gaps) < 0.1
    distances = [r.distance_mm for r in readings if r.distance_mm is not None]
    assert distances, "the sensor saw nothing: stand in front of it"
    assert all(20 <= d <= 2000 for d in distances)


def test_buzzer_chirps(settings):
    from hardware.buzzer import AlarmBuzzer, make_buzzer_output

    buzzer = AlarmBuzzer(make_buzzer_output(settings["buzzer.kind"], settings["buzzer.pin"]))
    buzzer.chirp()
    time.sleep(0.5)
    buzzer.close()
