"""A replay runs on its virtual clock alone: a minute of a stuck sensor, which makes the real
driver wait for the chip at every reconnect, takes no real time to wait through."""

from __future__ import annotations

import time

from fakes import replay_alarm, trace_samples

MINUTE_OF_PERIODS = 60_000 // 33


def test_a_stuck_minute_never_waits_on_the_real_clock(monkeypatch):
    real = time.monotonic
    looks: list[float] = []

    def watched() -> float:
        looks.append(real())
        return looks[-1]

    samples = trace_samples(33, (30, 450), (MINUTE_OF_PERIODS, "stuck"), (60, 450))
    monkeypatch.setattr(time, "monotonic", watched)
    result = replay_alarm(samples)
    monkeypatch.undo()
    assert result.kinds() == ["fault_on", "fault_off"]
    assert "stuck" in result.events[0].reason
    assert looks == []  # every wait was on the trace's clock


def test_the_real_sensor_keeps_the_real_clock_beside_a_replay():
    import adafruit_vl53l0x

    replay_alarm(trace_samples(33, (10, 450), (10, "stuck")))
    assert adafruit_vl53l0x.time is time  # the kiosk's own driver still waits in real time
