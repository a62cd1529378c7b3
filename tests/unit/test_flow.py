"""The walker's flow as a state machine, without a display."""

from __future__ import annotations

from fakes import RecordingEffects

from kiosk.safety.monitor import SafetyEvent, SafetyStatus
from kiosk.safety.reach import ReachZone
from kiosk.vocabulary import Ending, EventKind
from kiosk.walk.flow import KioskFlow, Screen


def status(distance=450, zone=ReachZone.WITHIN_REACH, fault=None):
    return SafetyStatus(0.0, zone, fault, distance, distance, 600, 550)


OUT = status(720, ReachZone.OUT_OF_REACH)


def event(kind, t=0.0):
    return SafetyEvent(t, EventKind(kind), kind, None)


def started_flow():
    effects = RecordingEffects()
    flow = KioskFlow(effects)
    flow.press("start", 0.0)
    flow.press("holding", 0.0)
    for t in (0.0, 1.0, 2.1):
        flow.tick(t, status())
    assert flow.screen is Screen.ROUTINE
    return flow, effects


def test_start_needs_two_seconds_within_reach():
    effects = RecordingEffects()
    flow = KioskFlow(effects)
    flow.press("start", 0.0)
    assert flow.screen is Screen.BEFORE_START
    flow.press("holding", 0.0)
    assert flow.screen is Screen.READY_CHECK
    flow.tick(0.0, status())
    flow.tick(1.5, status())
    flow.tick(1.6, OUT)  # stepped away: the check starts over
    flow.tick(2.5, status())
    flow.tick(4.0, status())
    assert flow.screen is Screen.READY_CHECK and 0.7 < flow.ready_progress(4.0) < 0.8
    flow.tick(4.6, status())
    assert flow.screen is Screen.ROUTINE and effects.calls == ["start"]


def test_a_faulty_sensor_never_passes_the_ready_check():
    flow = KioskFlow(RecordingEffects())
    flow.press("start", 0.0)
    flow.press("holding", 0.0)
    for t in range(10):
        flow.tick(float(t), status(None, fault="unplugged"))
    assert flow.screen is Screen.READY_CHECK


def test_drift_pauses_then_counts_down_and_resumes_a_few_seconds_back():
    flow, effects = started_flow()
    flow.on_safety(event("alarm_on"), 10.0)
    assert flow.screen is Screen.OUT_OF_REACH
    assert effects.calls[-1] == "pause:out of reach"
    flow.on_safety(event("alarm_off"), 14.0)
    assert flow.screen is Screen.COUNTDOWN and flow.countdown_left(14.0) == 3
    flow.tick(15.2, status())
    assert flow.countdown_left(15.2) == 2 and flow.screen is Screen.COUNTDOWN
    flow.tick(17.0, status())
    assert flow.screen is Screen.ROUTINE and effects.calls[-1] == "resume:3"


def test_drift_during_the_countdown_goes_back_to_the_message():
    flow, effects = started_flow()
    flow.on_safety(event("alarm_on"), 10.0)
    flow.on_safety(event("alarm_off"), 11.0)
    flow.on_safety(event("alarm_on"), 12.0)
    assert flow.screen is Screen.OUT_OF_REACH
    assert effects.calls.count("pause:out of reach") == 1  # the video was already paused


def test_sensor_fault_waits_for_a_caregiver():
    flow, effects = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    assert flow.screen is Screen.SENSOR_FAULT and effects.calls[-1] == "pause:sensor fault"
    flow.on_safety(event("fault_off"), 11.0)
    flow.tick(11.0, status())
    assert flow.screen is Screen.SENSOR_FAULT  # recovered, but nobody acknowledged yet
    flow.press("acknowledge", 12.0)
    assert flow.screen is Screen.COUNTDOWN


def test_acknowledged_fault_resumes_when_the_sensor_returns():
    flow, _ = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    flow.tick(10.5, status(None, fault="unplugged"))
    flow.press("acknowledge", 11.0)
    assert flow.screen is Screen.SENSOR_FAULT
    flow.tick(12.0, OUT)
    flow.on_safety(event("fault_off"), 12.0)
    assert flow.screen is Screen.OUT_OF_REACH  # back, but the walker is not within reach


def test_stop_during_a_fault_ends_as_fault():
    flow, effects = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    flow.press("stop", 11.0)
    assert flow.screen is Screen.END and flow.ending is Ending.FAULT
    assert effects.calls[-1] == "finish:fault"


def test_user_pause_stays_paused_after_a_drift():
    flow, effects = started_flow()
    flow.press("pause", 5.0)
    assert flow.screen is Screen.PAUSED
    flow.on_safety(event("alarm_on"), 6.0)
    assert flow.screen is Screen.OUT_OF_REACH
    flow.on_safety(event("alarm_off"), 7.0)
    assert flow.screen is Screen.PAUSED
    flow.press("resume", 8.0)
    assert flow.screen is Screen.ROUTINE and effects.calls[-1] == "resume:0"


def test_routine_end_and_stop():
    flow, effects = started_flow()
    flow.on_routine_ended()
    assert flow.screen is Screen.END and flow.ending is Ending.COMPLETED
    flow.press("done", 0.0)
    assert flow.screen is Screen.HOME
    flow, effects = started_flow()
    flow.press("stop", 3.0)
    assert flow.ending is Ending.STOPPED and effects.calls[-1] == "finish:stopped"


def test_safety_events_outside_a_routine_change_nothing():
    flow = KioskFlow(RecordingEffects())
    for kind in ("alarm_on", "fault_on", "alarm_off"):
        flow.on_safety(event(kind), 1.0)
    assert flow.screen is Screen.HOME


def test_buttons_not_on_the_screen_are_ignored():
    flow = KioskFlow(RecordingEffects())
    for action in ("stop", "pause", "acknowledge", "resume", "done"):
        flow.press(action, 0.0)
    assert flow.screen is Screen.HOME and flow.effects.calls == []


def test_nothing_times_out():
    flow, _ = started_flow()
    flow.on_safety(event("alarm_on"), 10.0)
    flow.tick(10_000.0, OUT)
    assert flow.screen is Screen.OUT_OF_REACH
    flow.on_routine_ended()  # the video cannot end while paused, but even so
    assert flow.screen is Screen.OUT_OF_REACH
