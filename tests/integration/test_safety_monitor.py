"""The safety loop end to end: emulated chip, real driver, monitor, alarm."""

from __future__ import annotations

import logging
import threading
import time

from fakes import ExplodingSensor, HangingSensor
from gpiozero.pins.mock import MockFactory

from hardware.buzzer import ActiveBuzzerOutput, AlarmBuzzer, NullAlarm, Priority
from hardware.emulated_tof import ADDRESS, EmulatedI2CBus, EmulatedVL53L0X, FixedWalker
from hardware.tof_sensor import TofSensor
from kiosk.safety.monitor import SafetyConfig, SafetyMonitor


def virtual_monitor(bus, clock, alarm=None, config=SafetyConfig()):
    sensor = TofSensor(bus, io_timeout_s=0.02, clock=clock, sleep=clock.sleep)
    monitor = SafetyMonitor(sensor, alarm or NullAlarm(), config, clock=clock, sleep=clock.sleep)
    events = []
    monitor.add_listener(events.append)
    return monitor, events


def run_for(monitor, clock, seconds):
    end = clock.now + seconds
    while clock.now < end:
        monitor.step()


def kinds(events):
    return [str(e.kind) for e in events]


def test_drift_out_and_back_drives_the_alarm(bus, clock, walker):
    alarm = NullAlarm()
    monitor, events = virtual_monitor(bus, clock, alarm)
    run_for(monitor, clock, 1.0)
    assert events == [] and monitor.status.distance_mm == 450
    walker.move_to(720.0)
    moved = clock.now
    run_for(monitor, clock, 1.0)
    assert kinds(events) == ["alarm_on"]
    assert Priority.HIGH in alarm.active
    # The condition delay: three readings in a row beyond the line, no more.
    assert events[0].t - moved <= 3 * 0.033 + 0.005
    assert events[0].distance_mm == 720
    walker.move_to(480.0)
    back = clock.now
    run_for(monitor, clock, 1.0)
    assert kinds(events) == ["alarm_on", "alarm_off"]
    assert events[1].t - back <= 3 * 0.033 + 0.005  # as many readings back as out
    assert Priority.HIGH not in alarm.active


def test_unplugging_mid_session_is_a_fault_within_200_ms_and_replug_recovers(bus, clock, chip):
    alarm = NullAlarm()
    monitor, events = virtual_monitor(bus, clock, alarm)
    run_for(monitor, clock, 0.5)
    chip.unplug()
    unplugged = clock.now
    run_for(monitor, clock, 1.0)
    assert kinds(events) == ["fault_on"]
    assert events[0].t - unplugged <= 0.200
    assert "unplugged" in events[0].reason and "121" in events[0].reason
    assert Priority.MEDIUM in alarm.active
    chip.replug()  # the chip comes back reset: the monitor must set it up again
    replugged = clock.now
    run_for(monitor, clock, 2.0)
    assert kinds(events) == ["fault_on", "fault_off"]
    # Trusted again only after a second of readings without a break.
    assert 1.0 <= events[1].t - replugged <= 1.0 + 0.3
    assert Priority.MEDIUM not in alarm.active
    assert monitor.status.fault is None and monitor.status.distance_mm == 450


def test_a_stuck_chip_is_a_fault(bus, clock, chip):
    monitor, events = virtual_monitor(bus, clock)
    run_for(monitor, clock, 0.5)
    chip.stuck = True
    stuck = clock.now
    run_for(monitor, clock, 1.0)
    assert kinds(events) == ["fault_on"]
    assert events[0].t - stuck <= 0.200
    assert "stuck" in events[0].reason
    chip.stuck = False
    run_for(monitor, clock, 2.0)
    assert kinds(events) == ["fault_on", "fault_off"]


def test_a_sensor_that_is_missing_at_start_is_a_fault(clock, walker):
    monitor, events = virtual_monitor(EmulatedI2CBus({}), clock)
    run_for(monitor, clock, 0.5)
    assert kinds(events) == ["fault_on"]
    assert "no sensor found" in events[0].reason


def test_implausibly_close_readings_are_a_fault_not_within_reach(bus, clock, walker):
    monitor, events = virtual_monitor(bus, clock)
    run_for(monitor, clock, 0.3)
    walker.move_to(4.0)  # something stuck over the sensor's window
    run_for(monitor, clock, 0.5)
    assert kinds(events) == ["fault_on"]
    assert "covering" in events[0].reason


def test_a_drift_during_a_fault_sounds_once_readings_return(bus, clock, chip, walker):
    monitor, events = virtual_monitor(bus, clock)
    run_for(monitor, clock, 0.3)
    chip.unplug()
    run_for(monitor, clock, 0.5)
    walker.move_to(800.0)
    chip.replug()
    run_for(monitor, clock, 2.0)
    # The walker is out of reach as soon as readings say so, fault or not.
    assert kinds(events) == ["fault_on", "alarm_on", "fault_off"]


def test_self_test_chirps_and_reports_the_distance(bus, clock):
    alarm = NullAlarm()
    monitor, _ = virtual_monitor(bus, clock, alarm)
    result = monitor.self_test()
    assert result.ok and "450 mm" in result.message and alarm.chirps == 1


def test_self_test_reports_a_missing_sensor(clock):
    monitor, _ = virtual_monitor(EmulatedI2CBus({}), clock)
    result = monitor.self_test()
    assert not result.ok and "no sensor found" in result.message


def test_an_unexpected_error_in_the_loop_fails_safe():
    alarm = NullAlarm()
    monitor = SafetyMonitor(ExplodingSensor(), alarm, SafetyConfig())
    events = []
    monitor.add_listener(events.append)
    monitor.start()
    time.sleep(0.2)
    monitor.stop()
    assert kinds(events)[:1] == ["fault_on"]
    assert "internal error" in events[0].reason
    assert Priority.MEDIUM in alarm.active


def pin_rises(pin):
    return sum(1 for s in pin.states if s.state)


def test_real_thread_drives_the_buzzer_pin_and_stops_it_when_back(mock_factory):
    walker = FixedWalker(450.0)
    chip = EmulatedVL53L0X(walker)
    sensor = TofSensor(EmulatedI2CBus({ADDRESS: chip}), io_timeout_s=0.05)
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(17, mock_factory))
    monitor = SafetyMonitor(sensor, buzzer, SafetyConfig())
    pin = mock_factory.pin(17)
    monitor.start()
    try:
        time.sleep(0.3)
        assert pin_rises(pin) == 0
        walker.move_to(750.0)
        deadline = time.monotonic() + 2.0
        while not pin.state and time.monotonic() < deadline:
            time.sleep(0.005)
        assert pin.state, "the buzzer never sounded"
        walker.move_to(450.0)
        deadline = time.monotonic() + 2.0
        while buzzer.active and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.02)
        assert not pin.state and Priority.HIGH not in buzzer.active
    finally:
        monitor.stop()
        buzzer.close()


def test_buzzer_sounds_while_the_screen_loop_is_blocked(mock_factory):
    """The alarm needs no other loop: block this thread (the 'screen') and drift."""
    walker = FixedWalker(450.0)
    chip = EmulatedVL53L0X(walker)
    sensor = TofSensor(EmulatedI2CBus({ADDRESS: chip}), io_timeout_s=0.05)
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(17, mock_factory))
    monitor = SafetyMonitor(sensor, buzzer, SafetyConfig())
    monitor.start()
    try:
        time.sleep(0.2)
        walker.move_to(800.0)
        blocked = threading.Event()
        blocked.wait(0.6)  # the screen loop is stuck for 0.6 s
        assert pin_rises(mock_factory.pin(17)) >= 1
    finally:
        monitor.stop()
        buzzer.close()


def test_watchdog_sounds_the_fault_alarm_when_the_safety_thread_hangs():
    factory = MockFactory()
    buzzer = AlarmBuzzer(ActiveBuzzerOutput(17, factory), watchdog_s=0.2)
    sensor = HangingSensor()
    sensor.hang.set()
    monitor = SafetyMonitor(sensor, buzzer, SafetyConfig())
    monitor.start()
    try:
        time.sleep(0.6)
        assert buzzer.watchdog_tripped
        assert pin_rises(factory.pin(17)) >= 1
    finally:
        sensor.release.set()
        monitor.stop()
        buzzer.close()


def test_alive_turns_false_when_the_loop_hangs():
    sensor = HangingSensor()
    monitor = SafetyMonitor(sensor, NullAlarm(), SafetyConfig())
    assert not monitor.alive  # not started
    monitor.start()
    try:
        time.sleep(0.1)
        assert monitor.alive
        sensor.hang.set()
        time.sleep(1.3)
        assert not monitor.alive
    finally:
        sensor.release.set()
        monitor.stop()


def test_disarmed_monitor_reports_but_sounds_nothing_until_armed(bus, clock, walker, chip):
    alarm = NullAlarm()
    monitor, events = virtual_monitor(bus, clock, alarm)
    monitor.disarm()
    walker.move_to(None)  # nobody in front of the kiosk
    run_for(monitor, clock, 0.5)
    assert kinds(events) == ["alarm_on"] and alarm.active == set()
    monitor.arm()
    assert alarm.active == {Priority.HIGH}  # an alarm already standing sounds at once
    monitor.disarm()
    chip.unplug()
    run_for(monitor, clock, 0.5)
    assert kinds(events) == ["alarm_on", "fault_on"] and alarm.active == set()
    monitor.arm()
    assert alarm.active == {Priority.HIGH, Priority.MEDIUM}


def test_a_blocked_read_is_a_fault_on_time_with_its_reason():
    """A read that blocks inside the driver for seconds: the loop cannot speak, its
    supervisor does, within the fault time, and the fault alarm sounds."""
    alarm = NullAlarm()
    sensor = HangingSensor()
    monitor = SafetyMonitor(sensor, alarm, SafetyConfig())
    events = []
    monitor.add_listener(events.append)
    monitor.start()
    try:
        time.sleep(0.1)
        sensor.hang.set()
        blocked = time.monotonic()
        deadline = blocked + 2.0
        while not events and time.monotonic() < deadline:
            time.sleep(0.002)
        assert kinds(events) == ["fault_on"]
        assert "blocked" in events[0].reason
        assert events[0].t - blocked <= SafetyConfig().stale_s + 0.05
        assert Priority.MEDIUM in alarm.active and monitor.status.fault
    finally:
        sensor.release.set()
        monitor.stop()


def test_a_persistent_error_is_logged_once_then_counted(caplog):
    monitor = SafetyMonitor(ExplodingSensor(), NullAlarm(), SafetyConfig())
    with caplog.at_level(logging.ERROR, logger="kiosk.safety.monitor"):
        monitor.start()
        time.sleep(0.3)
        monitor.stop()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "division by zero" in caplog.text
