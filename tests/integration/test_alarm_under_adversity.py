"""While a routine is armed the kiosk is never silent when the walker is beyond reach or the
sensor cannot be trusted: flapping sensors, an arm in the beam, at several periods and delays.

Each case replays a trace through the real driver over the emulated chip and the monitor as
bootstrap builds it, on a virtual clock, and reads the alarm between every step of the loop.
"""

from __future__ import annotations

import pytest
from fakes import replay_alarm, silent_s, trace_samples

from hardware.buzzer import Priority
from kiosk.safety.monitor import SafetyConfig
from kiosk.settings import Settings

SETTINGS = [(33, 3), (20, 2), (50, 5), (100, 2), (33, 10)]  # (period ms, delay readings)


def settings(period_ms: int, delay: int) -> Settings:
    return Settings(
        {"sensor.period_ms": period_ms, "safety.alarm_delay_readings": delay}
        | ({"safety.fault_after_periods": 2} if period_ms == 100 else {})
    )


def flapping(period_ms: int, bad: str | int, away_mm: int = 900) -> list:
    """Walking within reach, then away while the sensor alternates 165 ms of `bad` with
    66 ms of true readings, for 20 s."""
    bad_n = max(1, round(165 / period_ms))
    good_n = max(1, round(66 / period_ms))
    cycles = round(20_000 / ((bad_n + good_n) * period_ms))
    return trace_samples(
        period_ms, (round(2000 / period_ms), 450), *[(good_n, away_mm), (bad_n, bad)] * cycles
    )


@pytest.mark.parametrize("period_ms,delay", SETTINGS)
@pytest.mark.parametrize("bad", ["error", "stuck", 5], ids=["i2c errors", "stuck", "bogus 5 mm"])
def test_a_flapping_sensor_never_silences_a_walker_who_is_away(period_ms, delay, bad):
    samples = flapping(period_ms, bad)
    run = replay_alarm(samples, settings(period_ms, delay))
    left, end = 2.0, samples[-1].t_ms / 1000
    config = SafetyConfig.from_settings(settings(period_ms, delay))
    # The first alarm (the fault's, as the readings stop) comes within the fault time of the
    # last reading, and from then on the kiosk is never silent while the walker is away.
    first = next(t for t, active in run.states if t > left and active)
    assert first - left <= config.stale_s + 2 * config.period_s + 0.005
    assert silent_s(run.states, first, end) == 0.0
    # The readings that do arrive count: the out-of-reach alarm comes with the delay-th
    # reading beyond the line, however many faults lie between them.
    away = [t for t, mm in run.readings if t >= left and (mm is None or mm > 600)]
    if len(away) >= delay:
        assert run.times("alarm_on")[0] == pytest.approx(away[delay - 1], abs=0.001)
        # From then on it is the out-of-reach pattern that sounds, not fault fragments.
        after = [active for t, active in run.states if t > away[delay - 1]]
        assert all(Priority.HIGH in active for active in after)
    else:  # too few readings get through to decide: the fault alarm stands all along
        assert all(Priority.MEDIUM in active for t, active in run.states if t > first)
    assert len(run.times("fault_off")) <= 1  # no fault chatter


@pytest.mark.parametrize("period_ms,delay", SETTINGS)
def test_an_arm_in_the_beam_does_not_end_the_alarm(period_ms, delay):
    """Short plausible readings while the walker is still away, fewer than the delay."""
    arm = delay - 1
    samples = trace_samples(
        period_ms, (20, 450), (30, 900), (arm, 400), (30, 900), (arm, 400), (30, 900)
    )
    run = replay_alarm(samples, settings(period_ms, delay))
    assert run.kinds() == ["alarm_on"]
    assert silent_s(run.states, run.times("alarm_on")[0], samples[-1].t_ms / 1000) == 0.0


@pytest.mark.parametrize("period_ms,delay", SETTINGS)
def test_the_walker_back_for_the_delay_ends_it(period_ms, delay):
    samples = trace_samples(period_ms, (20, 450), (30, 900), (delay + 5, 400))
    run = replay_alarm(samples, settings(period_ms, delay))
    assert run.kinds() == ["alarm_on", "alarm_off"]
    back_at = 50 * period_ms / 1000
    assert run.times("alarm_off")[0] - back_at <= delay * period_ms / 1000 + 0.005


@pytest.mark.parametrize("period_ms,delay", SETTINGS)
def test_glitches_and_swaying_raise_no_alarm_more_than_before(period_ms, delay):
    single = [(10, 450), (1, ""), (10, 450), (1, 5), (10, 450), (1, 1900)] * 10
    run = replay_alarm(trace_samples(period_ms, *single), settings(period_ms, delay))
    assert "alarm_on" not in run.kinds()
    sway = [(1, v) for v in (570, 585, 600, 615, 630, 615, 600, 585)] * 15
    run = replay_alarm(trace_samples(period_ms, (20, 450), *sway), settings(period_ms, delay))
    assert run.kinds() in (["alarm_on"], [])


@pytest.mark.parametrize("period_ms", [20, 33, 50, 100])
def test_a_fault_is_raised_within_200_ms_at_every_period(period_ms):
    samples = trace_samples(period_ms, (30, 450), (round(1000 / period_ms), "error"))
    run = replay_alarm(samples, settings(period_ms, 2))
    assert run.kinds() == ["fault_on"]
    assert run.times("fault_on")[0] - 30 * period_ms / 1000 <= 0.200
