"""The reach decision: glitches ignored, one alarm per drift, no chatter on the line."""

from __future__ import annotations

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
    # The median makes the second out-of-reach reading the first one that counts.
    result = zones([450, 450, 700, 700, 700, 700])
    assert result == [IN, IN, IN, IN, IN, OUT]
    result = zones([450, 450, 700, 700, 700, 700, 700], ReachRule(delay_readings=5))
    assert result[-1] is IN
    assert zones([450] + [700] * 7, ReachRule(delay_readings=5))[-1] is OUT


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


def test_reset_filter_keeps_the_zone():
    classifier = ReachClassifier(ReachRule())
    for reading in [700] * 5:
        classifier.update(reading)
    classifier.reset_filter()
    assert classifier.zone is OUT and classifier.filtered_mm is None
    assert classifier.update(450) is IN
