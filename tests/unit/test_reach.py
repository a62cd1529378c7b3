"""The reach decision: glitches ignored, one alarm per drift, no chatter on the line."""

from __future__ import annotations

import pytest

from kiosk.safety.reach import ReachClassifier, ReachRule, ReachZone

OUT, IN = ReachZone.OUT_OF_REACH, ReachZone.WITHIN_REACH


def zones(readings, rule=ReachRule()):
    classifier = ReachClassifier(rule)
    return [classifier.update(r) for r in readings]


def test_single_no_target_glitch_raises_nothing():
    assert OUT not in zones([450, 450, None, 450, 450, 450])


def test_single_far_glitch_raises_nothing():
    assert OUT not in zones([450, 450, 1900, 450, 1900, 450, 450])


def test_single_short_glitch_while_out_does_not_end_the_alarm():
    result = zones([700] * 6 + [5] + [700] * 3)
    assert result[5:] == [OUT] * 5


def test_alarm_needs_delay_readings_in_a_row():
    # The third reading beyond the line raises it: N readings, the physical limit.
    result = zones([450, 450, 700, 700, 700, 700])
    assert result == [IN, IN, IN, IN, OUT, OUT]
    result = zones([450, 450, 700, 700, 700, 700], ReachRule(delay_readings=5))
    assert result[-1] is IN
    assert zones([450] + [700] * 5, ReachRule(delay_readings=5))[-1] is OUT


def test_one_odd_reading_breaks_the_run():
    assert OUT not in zones([450, 700, 700, 450, 700, 700, 450, 700, 700, 450])


def test_an_arm_in_the_beam_does_not_end_the_alarm():
    """Two plausible short readings while the walker is still away (an arm, a stick)."""
    result = zones([900] * 6 + [450, 450] + [900] * 4)
    assert result[2:] == [OUT] * 10


def test_ending_the_alarm_needs_as_many_readings_as_raising_it():
    for delay in (2, 3, 5, 30):
        result = zones([900] * (delay + 1) + [450] * delay, ReachRule(delay_readings=delay))
        assert result[-2] is OUT and result[-1] is IN, delay


def test_a_single_reading_can_never_be_the_whole_delay():
    with pytest.raises(ValueError, match="glitch"):
        ReachRule(delay_readings=1)


def test_swaying_around_the_reach_line_raises_one_alarm():
    sway = [570, 585, 600, 615, 630, 615, 600, 585] * 12  # ±30 mm around 600 mm
    result = zones([450] * 5 + sway)
    changes = sum(1 for a, b in zip(result, result[1:], strict=False) if a != b)
    assert changes == 1 and result[-1] is OUT


def test_back_within_reach_only_below_the_margin():
    result = zones([700] * 5 + [580] * 5 + [540] * 3)
    assert result[5:10] == [OUT] * 5  # 580 is inside the reach line but not past the margin
    assert result[-1] is IN


def test_walking_off_out_of_the_sensors_range_is_out_of_reach():
    assert zones([450, None, None, None, None])[-1] is OUT


def test_the_shown_distance_is_smoothed_but_the_decision_is_not():
    classifier = ReachClassifier(ReachRule())
    for reading in (450, 460, 8000):
        classifier.update(reading)
    assert classifier.filtered_mm == 460 and classifier.zone is IN
