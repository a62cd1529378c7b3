"""The real sensor and buzzer on a Raspberry Pi, built the way the kiosk builds them.

Stand about 40 cm in front of the sensor while it runs; the buzzer chirps once.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from hardware.buzzer import PATTERNS, AlarmBuzzer, Priority
from kiosk import bootstrap
from kiosk.settings import load_settings


@pytest.fixture(scope="module")
def settings():
    return load_settings(os.environ.get("BALANCE_KIOSK_CONFIG"))


@pytest.fixture
def sensor(settings):
    parts = bootstrap.build_sensor(settings)  # I2C-1 through Blinka, gpiozero's own pins
    assert parts.simulation is None, "not the real sensor: set sensor.source = 'i2c'"
    parts.sensor.connect()
    yield parts.sensor
    parts.sensor.close()
    parts.release()


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


def record_pin(device, seconds: float) -> list[tuple[float, bool]]:
    """The output's level read back from the GPIO line every 0.5 ms: (time, on) at changes."""
    changes: list[tuple[float, bool]] = []
    start = time.monotonic()
    last = None
    while time.monotonic() - start < seconds:
        level = bool(device.value)
        if level != last:
            changes.append((time.monotonic() - start, level))
            last = level
        time.sleep(0.0005)
    return changes


def test_buzzer_chirp_is_two_pulses_of_the_low_priority_pattern(settings):
    output = bootstrap.build_buzzer_output(settings)
    buzzer = AlarmBuzzer(output)
    changes: list[tuple[float, bool]] = []
    reader = threading.Thread(target=lambda: changes.extend(record_pin(output.device, 0.6)))
    reader.start()
    time.sleep(0.05)
    buzzer.chirp()
    reader.join()
    buzzer.close()
    rises = [t for t, on in changes if on]
    falls = [t for t, on in changes if not on and t > 0]
    assert len(rises) == 2 and len(falls) >= 2, changes
    (on_1, off_1), (on_2, _) = PATTERNS[Priority.LOW].pulses
    assert abs((falls[-2] - rises[0]) - on_1) < 0.02  # each pulse within 20 ms of its length
    assert abs((falls[-1] - rises[1]) - on_2) < 0.02
    assert abs((rises[1] - falls[-2]) - off_1) < 0.02
