"""The walker's flow as a state machine, without a display: screens, arming, and the rules
for Stop, rests and restarts."""

from __future__ import annotations

from fakes import RecordingEffects

from kiosk.safety.monitor import SafetyEvent, SafetyStatus
from kiosk.safety.reach import ReachZone
from kiosk.vocabulary import Ending, EventKind
from kiosk.walk.flow import KioskFlow, Screen


def status(distance=450, zone=ReachZone.WITHIN_REACH, fault=None):
    return SafetyStatus(0.0, zone, fault, distance, distance, 600, 550)


OK = status()
OUT = status(720, ReachZone.OUT_OF_REACH)
FAULTY = status(None, fault="unplugged")


def event(kind, t=0.0, armed=True):
    return SafetyEvent(t, EventKind(kind), kind, None, armed)


def started_flow(walking_part=True):
    effects = RecordingEffects()
    flow = KioskFlow(effects)
    flow.press("start", 0.0)
    flow.press("holding", 0.0)
    for t in (0.0, 1.0, 2.1):
        flow.tick(t, OK, walking_part)
    assert flow.screen is Screen.ROUTINE
    return flow, effects


def test_start_needs_two_seconds_within_reach_and_arms():
    effects = RecordingEffects()
    flow = KioskFlow(effects)
    flow.press("start", 0.0)
    assert flow.screen is Screen.BEFORE_START
    flow.press("holding", 0.0)
    assert flow.screen is Screen.READY_CHECK
    flow.tick(0.0, OK)
    flow.tick(1.5, OK)
    flow.tick(1.6, OUT)  # stepped away: the check starts over
    flow.tick(2.5, OK)
    flow.tick(4.0, OK)
    assert flow.screen is Screen.READY_CHECK and 0.7 < flow.ready_progress(4.0) < 0.8
    flow.tick(4.6, OK)
    assert flow.screen is Screen.ROUTINE and effects.calls == ["start", "arm"]
    assert flow.armed


def test_a_faulty_sensor_never_passes_the_ready_check():
    flow = KioskFlow(RecordingEffects())
    flow.press("start", 0.0)
    flow.press("holding", 0.0)
    for t in range(10):
        flow.tick(float(t), FAULTY)
    assert flow.screen is Screen.READY_CHECK


def test_drift_pauses_then_counts_down_and_resumes_a_few_seconds_back():
    flow, effects = started_flow()
    flow.on_safety(event("alarm_on"), 10.0)
    assert flow.screen is Screen.OUT_OF_REACH
    assert effects.calls[-1] == "pause:out of reach"
    flow.on_safety(event("alarm_off"), 14.0)
    assert flow.screen is Screen.COUNTDOWN and flow.countdown_left(14.0) == 3
    flow.tick(15.2, OK)
    assert flow.countdown_left(15.2) == 2 and flow.screen is Screen.COUNTDOWN
    flow.tick(17.0, OK)
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
    flow.tick(11.0, OK)
    flow.on_safety(event("fault_off"), 11.0)
    assert flow.screen is Screen.SENSOR_FAULT  # recovered, but nobody acknowledged yet
    flow.acknowledge_fault(12.0)
    assert flow.screen is Screen.COUNTDOWN


def test_acknowledged_fault_resumes_when_the_sensor_returns():
    flow, _ = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    flow.tick(10.5, FAULTY)
    flow.acknowledge_fault(11.0)
    assert flow.screen is Screen.SENSOR_FAULT
    flow.tick(12.0, OUT)
    flow.on_safety(event("fault_off"), 12.0)
    assert flow.screen is Screen.OUT_OF_REACH  # back, but the walker is not within reach


def test_out_of_reach_during_a_fault_shows_the_louder_alarm_then_the_fault():
    flow, _ = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    flow.tick(10.5, FAULTY)
    flow.on_safety(event("alarm_on"), 11.0)
    assert flow.screen is Screen.OUT_OF_REACH
    flow.tick(12.0, status(450, fault="unplugged"))
    flow.on_safety(event("alarm_off"), 12.0)
    assert flow.screen is Screen.SENSOR_FAULT  # back, but the sensor is still not trusted


def test_stop_while_away_silences_nothing_and_ends_once_the_walker_is_back():
    flow, effects = started_flow()
    flow.on_safety(event("alarm_on"), 10.0)
    flow.press("stop", 11.0)
    assert flow.screen is Screen.OUT_OF_REACH and flow.armed and flow.stop_pending
    assert not any(c.startswith(("finish", "disarm")) for c in effects.calls)
    flow.tick(12.0, OK)
    flow.on_safety(event("alarm_off"), 12.0)
    assert flow.screen is Screen.END and flow.ending is Ending.STOPPED


def test_stop_during_a_fault_waits_for_the_sensor_or_a_caregiver():
    flow, effects = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    flow.tick(10.5, FAULTY)
    flow.press("stop", 11.0)
    assert flow.screen is Screen.SENSOR_FAULT and flow.armed
    flow.tick(20.0, FAULTY)
    assert flow.screen is Screen.SENSOR_FAULT
    flow.tick(21.0, OK)  # the sensor works again and the walker is within reach
    assert flow.screen is Screen.END and flow.ending is Ending.STOPPED
    flow, effects = started_flow()
    flow.on_safety(event("fault_on"), 10.0)
    flow.end_walk(11.0)  # a caregiver, behind the PIN
    assert flow.screen is Screen.END and flow.ending is Ending.FAULT
    assert effects.calls[-1] == "finish:fault"


def test_a_pause_is_a_rest_with_the_alarm_off_and_a_check_before_walking_on():
    flow, effects = started_flow()
    flow.press("pause", 5.0)
    assert flow.screen is Screen.PAUSED and not flow.armed
    assert effects.calls[-2:] == ["pause:paused", "disarm"]
    flow.on_safety(event("alarm_on", armed=False), 6.0)  # the walker sits down, away
    flow.tick(6.0, OUT)
    assert flow.screen is Screen.PAUSED
    flow.press("resume", 8.0)
    assert flow.screen is Screen.WALK_CHECK and not flow.armed
    flow.tick(8.0, OUT)
    flow.tick(9.0, OK)
    flow.tick(10.5, OK)
    assert flow.screen is Screen.WALK_CHECK
    flow.tick(11.1, OK)
    assert flow.screen is Screen.ROUTINE and flow.armed
    assert effects.calls[-2:] == ["arm", "resume:0"]


def test_no_pause_while_the_alarm_sounds():
    flow, _ = started_flow()
    flow.tick(5.0, OUT)  # out of reach; the alarm's event is on its way
    flow.press("pause", 5.0)
    assert flow.screen is Screen.ROUTINE and flow.armed


def test_a_talking_part_disarms_and_a_walking_part_checks_first():
    flow, effects = started_flow(walking_part=False)
    flow.tick(3.0, OK, walking_part=False)
    assert not flow.armed and effects.calls[-1] == "disarm"
    flow.on_safety(event("alarm_on", armed=False), 4.0)  # sitting during the talk
    assert flow.screen is Screen.ROUTINE
    flow.tick(50.0, OUT, walking_part=True)  # the walking part begins
    assert flow.screen is Screen.WALK_CHECK and effects.calls[-1] == "pause:walking starts"
    flow.tick(51.0, OK, walking_part=True)
    flow.tick(53.1, OK, walking_part=True)
    assert flow.screen is Screen.ROUTINE and flow.armed


def test_after_a_restart_the_walk_goes_on_only_with_someone_at_the_support():
    effects = RecordingEffects()
    flow = KioskFlow(effects)
    flow.start_after_restart(chapter=4)
    assert flow.screen is Screen.RESTARTED and not flow.armed
    flow.tick(0.0, OUT)
    flow.tick(5.0, OUT)
    flow.tick(10.0, OUT)
    assert effects.calls == ["remind", "remind"]  # a chirp every 10 s until someone comes
    flow.tick(11.0, OK)
    flow.tick(13.1, OK)
    assert flow.screen is Screen.ROUTINE and flow.armed
    assert effects.calls[-2:] == ["start:4", "arm"]


def test_a_caregiver_ends_a_restarted_walk():
    flow = KioskFlow(RecordingEffects())
    flow.start_after_restart(chapter=None)
    assert flow.can_end and not flow.walking
    flow.end_walk(1.0)
    assert flow.screen is Screen.HOME


def test_the_safety_loop_stopping_stops_the_walk_until_it_is_back():
    flow, effects = started_flow()
    flow.on_safety_loop_stopped()
    assert flow.screen is Screen.SENSOR_FAULT and flow.loop_stopped
    flow.acknowledge_fault(2.0)
    flow.tick(3.0, OK)
    assert flow.screen is Screen.SENSOR_FAULT  # nobody watches: nothing goes on
    flow.on_safety_loop_back()
    flow.acknowledge_fault(4.0)
    assert flow.screen is Screen.COUNTDOWN


def test_routine_end_and_stop():
    flow, effects = started_flow()
    flow.on_routine_ended()
    assert flow.screen is Screen.END and flow.ending is Ending.COMPLETED and not flow.armed
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
