"""Alarm patterns, checked on gpiozero's mock pins: states, counts and times."""

from __future__ import annotations

import inspect
import time

import pytest

from hardware.buzzer import (
    PATTERNS,
    ActiveBuzzerOutput,
    AlarmBuzzer,
    AlarmPattern,
    HoldOutcome,
    HoldResult,
    NullAlarm,
    Priority,
    TonalBuzzerOutput,
    make_buzzer_output,
)

PIN = 17


def wait_until(predicate, limit_s=3.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def on_durations(pin):
    """How long each pulse lasted, from the mock pin's history of changes."""
    states = pin.states
    return [
        states[i + 1].timestamp
        for i in range(len(states) - 1)
        if states[i].state and not states[i + 1].state
    ]


def off_durations(pin):
    states = pin.states
    return [
        states[i + 1].timestamp
        for i in range(1, len(states) - 1)
        if not states[i].state and states[i + 1].state
    ]


def test_high_pattern_is_ten_pulses_as_three_plus_two_twice():
    high = PATTERNS[Priority.HIGH]
    assert len(high.pulses) == 10 and high.repeat
    assert all(0.075 <= on <= 0.200 for on, _ in high.pulses)
    gaps = [off for _, off in high.pulses]
    short = gaps[0]
    assert 0.050 <= short <= 0.125
    # Longer pauses after pulse 3 and 8 (between the 3 and the 2), and between the halves.
    assert gaps[2] > short and gaps[7] > short and gaps[4] > gaps[2]
    assert gaps[:2] == gaps[3:4] * 2 == [short, short]
    medium = PATTERNS[Priority.MEDIUM]
    assert len(medium.pulses) == 3 and all(0.125 <= on <= 0.250 for on, _ in medium.pulses)
    low = PATTERNS[Priority.LOW]
    assert len(low.pulses) <= 2 and not low.repeat
    assert all(500 <= p.tone_hz <= 900 for p in PATTERNS.values())


def test_medium_pattern_plays_three_pulses_on_the_pin(mock_factory):
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory))
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.MEDIUM)
    time.sleep(1.2)  # one burst: 3 x (200 on + 200 off)
    buzzer.deactivate(Priority.MEDIUM)
    assert wait_until(lambda: not pin.state)
    buzzer.close()
    ons = on_durations(pin)
    assert len(ons) == 3
    assert all(0.195 <= d < 0.300 for d in ons)
    gaps = off_durations(pin)
    assert len(gaps) == 2 and all(0.195 <= d < 0.300 for d in gaps)


def test_high_pattern_groups_pulses_three_then_two(mock_factory):
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory))
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.HIGH)
    time.sleep(1.45)  # the first half of the burst: 3 + 2 pulses
    buzzer.deactivate(Priority.HIGH)
    assert wait_until(lambda: not pin.state)
    buzzer.close()
    ons = on_durations(pin)
    assert len(ons) == 5 and all(0.145 <= d < 0.250 for d in ons)
    gaps = off_durations(pin)
    assert len(gaps) == 4
    assert all(0.095 <= gaps[i] < 0.200 for i in (0, 1, 3))
    assert 0.345 <= gaps[2] < 0.450  # the pause between the 3 and the 2


def test_alarm_stops_mid_pulse_when_the_condition_clears(mock_factory):
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory))
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.HIGH)
    assert wait_until(lambda: pin.state)
    time.sleep(0.05)
    cleared = time.monotonic()
    buzzer.deactivate(Priority.HIGH)
    assert wait_until(lambda: not pin.state)
    stopped = time.monotonic()
    buzzer.close()
    assert not pin.states[-1].state
    assert on_durations(pin)[0] < 0.150  # cut short, not played to its end
    assert stopped - cleared < 0.150


def test_higher_priority_breaks_through_and_lower_returns(mock_factory):
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory))
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.MEDIUM)
    assert wait_until(lambda: pin.frequency and abs(pin.frequency - 660) < 5)
    buzzer.activate(Priority.HIGH)
    assert wait_until(lambda: pin.frequency and abs(pin.frequency - 880) < 5, 0.5)
    buzzer.deactivate(Priority.HIGH)
    assert wait_until(lambda: pin.frequency and abs(pin.frequency - 660) < 5, 3.5)
    buzzer.deactivate(Priority.MEDIUM)
    assert wait_until(lambda: not pin.state)
    buzzer.close()


def test_tonal_buzzer_plays_the_tone_at_half_duty(mock_factory):
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory))
    pin = mock_factory.pin(PIN)
    buzzer.chirp()
    assert wait_until(lambda: pin.state == 0.5)
    assert abs(pin.frequency - 520) < 5
    assert wait_until(lambda: len([s for s in pin.states if s.state]) == 2 and not pin.state)
    time.sleep(0.3)
    buzzer.close()
    assert [s.state for s in pin.states if s.state] == [0.5, 0.5]  # a chirp is two pulses


def test_chirp_plays_once_and_gives_way_to_an_alarm(mock_factory):
    quick = {
        Priority.LOW: AlarmPattern("chirp", ((0.3, 0.0),), 520.0, repeat=False),
        Priority.HIGH: AlarmPattern("high", ((0.05, 0.05),), 880.0, repeat=True),
    }
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), patterns=quick)
    pin = mock_factory.pin(PIN)
    buzzer.chirp()
    assert wait_until(lambda: pin.state)
    buzzer.activate(Priority.HIGH)
    time.sleep(0.35)
    buzzer.deactivate(Priority.HIGH)
    time.sleep(0.1)
    buzzer.close()
    assert on_durations(pin)[0] < 0.3  # the chirp was cut short by the real alarm
    assert len(on_durations(pin)) >= 3


def test_watchdog_needs_a_first_heartbeat_then_trips_on_silence(mock_factory):
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), watchdog_s=0.1)
    pin = mock_factory.pin(PIN)
    time.sleep(0.3)
    assert not buzzer.watchdog_tripped and len(pin.states) == 1  # never armed, quiet
    for _ in range(10):
        buzzer.heartbeat()
        time.sleep(0.02)
    assert not buzzer.watchdog_tripped and len(pin.states) == 1
    assert wait_until(lambda: pin.state, 1.0)
    assert buzzer.watchdog_tripped
    buzzer.heartbeat()
    assert wait_until(lambda: not pin.state, 1.0)
    buzzer.close()


def test_close_silences_the_pin(mock_factory):
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory))
    buzzer.activate(Priority.HIGH)
    assert wait_until(lambda: mock_factory.pin(PIN).state)
    buzzer.close()
    assert not mock_factory.pin(PIN).state


def test_unknown_buzzer_kind_is_refused(mock_factory):
    with pytest.raises(ValueError, match="active.*tonal"):
        make_buzzer_output("loud", PIN, mock_factory)


def test_a_new_alarm_sounds_before_activate_returns(mock_factory):
    """The alarm signal generation delay is the caller's own call, not a thread hand-off."""
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory))
    buzzer.activate(Priority.MEDIUM)
    assert mock_factory.pin(PIN).state
    buzzer.close()


def test_hold_silences_for_at_most_30_s_then_rearms_with_a_chirp(mock_factory, clock):
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.MEDIUM)
    assert pin.state
    assert buzzer.hold(120) == 30.0  # clamped
    assert wait_until(lambda: not pin.state)
    rises = len([s for s in pin.states if s.state])
    clock.sleep(29.0)
    time.sleep(0.3)
    assert len([s for s in pin.states if s.state]) == rises  # still held
    assert 0.9 < buzzer.hold_remaining_s <= 1.0
    clock.sleep(1.5)
    assert wait_until(lambda: len([s for s in pin.states if s.state]) > rises)
    assert buzzer.hold_remaining_s == 0.0
    buzzer.close()


def test_a_higher_alarm_breaks_through_a_hold(mock_factory, clock):
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.MEDIUM)
    buzzer.hold(30)
    assert wait_until(lambda: not pin.state)
    buzzer.activate(Priority.HIGH)
    assert pin.state and abs(pin.frequency - 880) < 5  # sounds before activate returns
    buzzer.close()


def test_tonal_volume_sets_the_duty_cycle_and_never_below_half(mock_factory):
    quiet = TonalBuzzerOutput(PIN, mock_factory, volume=6)
    quiet.sound(880.0)
    assert mock_factory.pin(PIN).state == pytest.approx(0.3)
    quiet.close()
    mock_factory.reset()
    floor = TonalBuzzerOutput(PIN, mock_factory, volume=1)
    floor.sound(880.0)
    assert mock_factory.pin(PIN).state == pytest.approx(0.25)
    floor.close()


def rises(pin):
    """How many times the pin went on."""
    return len([s for s in pin.states if s.state])


def playing(pin, tone_hz):
    """The (tonal) pin is on at `tone_hz`."""
    return bool(pin.state and pin.frequency and abs(pin.frequency - tone_hz) < 5)


def tones_played(buzzer, pin):
    """The tone of every pulse from now on, in Hz, as the buzzer plays them (tonal pins)."""
    tones = []
    buzzer.add_listener(lambda on: tones.append(round(pin.frequency)) if on else None)
    return tones


def test_a_second_hold_of_the_same_episode_does_not_extend_it(mock_factory, clock):
    """Rule 1: one hold per alarm episode; pressing again changes nothing."""
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.MEDIUM)
    assert buzzer.hold(30) == 30.0
    assert wait_until(lambda: not pin.state)
    held_at = rises(pin)
    clock.sleep(20.0)
    again = buzzer.hold(30)  # the same episode: not renewed
    remaining = buzzer.hold_remaining_s
    clock.sleep(10.5)  # 30.5 s after the first hold
    assert wait_until(lambda: rises(pin) > held_at)
    assert buzzer.hold_remaining_s == 0.0
    assert again == 0.0 and 9.9 < remaining <= 10.0
    buzzer.close()


def test_the_same_episode_cannot_be_held_again_after_its_hold(mock_factory, clock):
    """Rule 1: once the hold is over, the alarm sounds on and a new hold does not quiet it."""
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    tones = tones_played(buzzer, pin)
    buzzer.activate(Priority.HIGH)
    assert buzzer.hold(30) == 30.0
    assert wait_until(lambda: not pin.state)
    clock.sleep(30.5)
    assert wait_until(lambda: playing(pin, 880))  # HIGH again
    again = buzzer.hold(30)
    before = len(tones)
    time.sleep(1.0)  # more pulses of the burst: nothing is held
    assert tones[before:].count(880) >= 2
    assert again == 0.0 and buzzer.hold_remaining_s == 0.0
    buzzer.close()


def test_a_hold_with_nothing_sounding_does_nothing(mock_factory, clock):
    """Rule 3: no alarm above LOW, no hold: no countdown, no re-arm chirp 30 s later."""
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    held = buzzer.hold(30)
    remaining = buzzer.hold_remaining_s
    clock.sleep(31.0)
    time.sleep(0.4)
    assert rises(pin) == 0 and len(pin.states) == 1  # quiet all along, not even a chirp
    assert held == 0.0 and remaining == 0.0
    buzzer.close()


def test_hold_says_what_it_did(mock_factory, clock):
    """Rule 3: the caregiver screen can tell "held", "nothing sounding", "already held" apart."""
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), clock=clock)
    nothing = buzzer.hold(30)
    assert nothing == 0.0 and not nothing and nothing.outcome is HoldOutcome.NOTHING_SOUNDING
    buzzer.activate(Priority.HIGH)
    held = buzzer.hold(120)
    assert held == 30.0 and held and held.outcome is HoldOutcome.HELD
    assert f"{held:.0f} s" == "30 s"  # still a number for the screen's wording
    again = buzzer.hold(30)
    assert again == 0.0 and not again and again.outcome is HoldOutcome.ALREADY_HELD
    buzzer.close()


def test_null_alarm_has_the_buzzers_interface():
    """Rule 5: replay's stand-in takes the same calls and answers `hold()` the same way."""
    for name in ("activate", "deactivate", "chirp", "hold", "end_hold", "heartbeat", "close"):
        assert inspect.signature(getattr(NullAlarm, name)) == inspect.signature(
            getattr(AlarmBuzzer, name)
        ), name
    alarm = NullAlarm()
    alarm.activate(Priority.HIGH)
    result = alarm.hold()
    assert isinstance(result, HoldResult) and result == 0.0
    assert result.outcome is HoldOutcome.NOTHING_SOUNDING  # it never sounds
    assert alarm.hold_remaining_s == 0.0 and not alarm.sounding


def test_a_new_episode_of_the_held_priority_breaks_through(mock_factory, clock):
    """Rule 2: back in reach, then out of reach again within the 30 s: a new alarm."""
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.HIGH)
    buzzer.hold(30)
    assert wait_until(lambda: not pin.state)
    clock.sleep(5.0)
    buzzer.deactivate(Priority.HIGH)
    time.sleep(0.1)
    held_at = rises(pin)
    buzzer.activate(Priority.HIGH)
    assert pin.state  # sounds before activate returns
    time.sleep(0.7)  # the first three pulses of the burst
    assert rises(pin) >= held_at + 3
    assert buzzer.hold(30) == 30.0  # a new episode may have a hold of its own
    buzzer.close()


def test_a_fault_during_a_held_high_alarm_sounds_and_the_hold_goes_on(mock_factory, clock):
    """Rule 2: a MEDIUM newly active sounds through a held HIGH; the held episode stays
    silent until its hold ends, then sounds again."""
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    tones = tones_played(buzzer, pin)
    buzzer.activate(Priority.HIGH)
    buzzer.hold(30)
    assert wait_until(lambda: not pin.state)
    clock.sleep(10.0)
    buzzer.activate(Priority.MEDIUM)
    assert playing(pin, 660)  # sounds before activate returns
    time.sleep(0.9)  # the fault's three pulses
    assert tones.count(660) >= 3
    buzzer.deactivate(Priority.MEDIUM)
    assert wait_until(lambda: not pin.state)
    quiet_from = len(tones)
    time.sleep(0.5)
    assert tones[quiet_from:] == []  # the out-of-reach episode is still held
    assert 19.9 < buzzer.hold_remaining_s <= 20.0
    clock.sleep(20.5)
    assert wait_until(lambda: 880 in tones[quiet_from:])
    buzzer.close()


def test_only_the_episode_that_was_sounding_is_held(mock_factory, clock):
    """Rule 2: a fault already standing under a HIGH alarm was not heard, so not held."""
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory), clock=clock)
    pin = mock_factory.pin(PIN)
    buzzer.activate(Priority.MEDIUM)
    buzzer.activate(Priority.HIGH)
    assert playing(pin, 880)
    buzzer.hold(30)
    assert wait_until(lambda: playing(pin, 660))
    assert buzzer.hold(30) == 30.0  # the fault may be held too
    assert wait_until(lambda: not pin.state)
    buzzer.close()


def test_a_tripped_watchdog_breaks_through_a_hold(mock_factory, clock):
    """Rule 2: the safety loop stopped while an alarm was held: the fault pattern sounds."""
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory), watchdog_s=1.0, clock=clock)
    pin = mock_factory.pin(PIN)
    buzzer.heartbeat()
    buzzer.activate(Priority.HIGH)
    buzzer.hold(30)
    assert wait_until(lambda: not pin.state)
    clock.sleep(1.5)  # no heartbeat since
    assert wait_until(lambda: playing(pin, 660))
    buzzer.heartbeat()  # the loop is back: the held episode is quiet again, until its end
    assert wait_until(lambda: not pin.state)
    assert 28.4 < buzzer.hold_remaining_s <= 28.5
    buzzer.close()


def test_a_dead_safety_loop_sounds_the_fault_pattern_not_its_stale_alarm(mock_factory, clock):
    """Rule 4: the loop died during a HIGH alarm, so `active` is stale: the fault pattern
    sounds, no hold quiets it, and when heartbeats come back the normal alarm returns."""
    buzzer = AlarmBuzzer(TonalBuzzerOutput(PIN, mock_factory), watchdog_s=1.0, clock=clock)
    pin = mock_factory.pin(PIN)
    tones = tones_played(buzzer, pin)
    buzzer.heartbeat()
    buzzer.activate(Priority.HIGH)
    assert playing(pin, 880)
    clock.sleep(1.5)  # no heartbeat since: the safety thread is dead
    assert wait_until(lambda: playing(pin, 660))
    assert buzzer.active == {Priority.HIGH}  # as the dead loop left it
    held = buzzer.hold(30)
    tripped_from = len(tones)
    time.sleep(1.0)  # the rest of the fault's three pulses: none held
    assert tones[tripped_from:].count(660) >= 2 and 880 not in tones[tripped_from:]
    assert held == 0.0 and buzzer.hold_remaining_s == 0.0
    assert held.outcome is HoldOutcome.SAFETY_LOOP_STOPPED
    buzzer.heartbeat()  # the loop is back
    assert wait_until(lambda: playing(pin, 880))
    assert not buzzer.watchdog_tripped
    buzzer.close()
