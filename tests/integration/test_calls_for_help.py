"""Calls for help: the rule (how long away, or unwatched, before a person is called), the
walker's button, the answer, and the nurse-call contact on gpiozero's mock pins."""

from __future__ import annotations

import pytest
from fakes import trace_samples
from gpiozero.pins.mock import MockFactory

from hardware.nurse_call import NORMALLY_CLOSED, NORMALLY_OPEN, NurseCallOutput
from kiosk import bootstrap
from kiosk.safety.replay import steps
from kiosk.settings import Settings

PERIOD_MS = 33


def walk(segments, after_s=20, armed=True):
    """Replay `segments` on a virtual clock, the escalation looked at every step; returns
    the calls made (time, kind, words) and the parts."""
    settings = Settings({"escalation.after_s": after_s, "nurse_call.pin": 22})
    parts, clock = bootstrap.build_replay(settings)
    parts.monitor.arm() if armed else parts.monitor.disarm()
    calls = []
    parts.escalation.add_listener(lambda kind, words: calls.append((clock.now, str(kind), words)))
    for _ in steps(trace_samples(PERIOD_MS, *segments), parts.monitor, parts.simulation, clock):
        parts.escalation.check()
    return calls, parts


def seconds(s):
    return round(s * 1000 / PERIOD_MS)


def test_out_of_reach_for_the_delay_calls_for_help_once():
    calls, parts = walk([(seconds(1), 450), (seconds(30), 900)])
    assert [(kind, words) for _, kind, words in calls] == [("escalated", "out of reach for 20 s")]
    assert 1 + 20 <= calls[0][0] <= 1 + 20 + 0.2  # the delay counts from the alarm
    assert parts.nurse_call.calling


def test_coming_back_within_the_delay_calls_nobody():
    calls, parts = walk([(seconds(1), 450), (seconds(15), 900), (seconds(10), 450)] * 2)
    assert calls == [] and not parts.nurse_call.calling


def test_coming_back_does_not_cancel_a_call_until_a_caregiver_answers():
    calls, parts = walk([(seconds(1), 450), (seconds(21), 900), (seconds(5), 450)])
    assert [kind for _, kind, _ in calls] == ["escalated"]
    assert parts.escalation.call is not None and parts.nurse_call.calling
    assert parts.escalation.acknowledge("on the kiosk")
    assert parts.escalation.call is None and not parts.nurse_call.calling
    assert [kind for _, kind, _ in calls][-1] == "acknowledged"


def test_a_sensor_out_of_order_for_the_delay_calls_for_help():
    calls, _ = walk([(seconds(1), 450), (seconds(25), "error")], after_s=10)
    assert [(kind, words) for _, kind, words in calls] == [
        ("escalated", "the sensor out of order for 10 s")
    ]


def test_nothing_is_called_while_the_alarm_is_off():
    calls, _ = walk([(seconds(1), 450), (seconds(30), 900)], armed=False)
    assert calls == []


def test_the_help_button_calls_at_once():
    _, parts = walk([(seconds(1), 450)])
    calls = []
    parts.escalation.add_listener(lambda kind, words: calls.append(str(kind)))
    parts.escalation.request_help()
    assert calls == ["help_requested", "escalated"] and parts.nurse_call.calling
    parts.escalation.request_help()  # again: the call stands, no second one
    assert calls == ["help_requested", "escalated", "help_requested"]


@pytest.mark.parametrize(
    ("mode", "idle", "calling"), [(NORMALLY_CLOSED, True, False), (NORMALLY_OPEN, False, True)]
)
def test_the_nurse_call_contact_and_its_fail_safe_release(mode, idle, calling):
    factory = MockFactory()
    output = NurseCallOutput(22, mode, factory)
    pin = factory.pin(22)
    assert pin.state is idle  # NC: the relay held (contact closed) while all is well
    output.call()
    assert pin.state is calling
    output.clear()
    assert pin.state is idle
    output.close()  # a stop, or what a crash leaves: the line de-energised and released
    assert pin.state is False and pin.function == "input"
    assert [s.state for s in pin.states][-1] is False
    output.close()  # twice is fine
