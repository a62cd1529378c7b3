"""From distance readings to "within reach" or "out of reach", without chatter or glitches.

The decision is made on the readings themselves, each for a reason:
- an alarm condition delay: N readings in a row beyond the reach line make the walker out of
  reach (N = `delay_readings`, at least 2, so one glitch never raises an alarm). Counting raw
  readings reaches the physical limit of N sensor periods; a median before the count would
  add a reading for nothing, since one odd reading already breaks the run;
- the same N readings in a row back inside the return line (the reach line minus a margin)
  end it, so an arm or a stick passing through the beam does not silence a walker who is
  still away, and a walker swaying on the line raises one alarm, not a chatter;
- readings that never arrive (a sensor fault between them) neither count nor break a run:
  the readings that do arrive keep counting, so a flapping sensor cannot hide a drift.

"No target" (nothing within the sensor's range) is far away: a walker who has walked off is
out of reach. The median of the last three readings is kept for showing the distance.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

MEDIAN_WINDOW = 3  # for the distance shown and logged, not for the decision
MIN_DELAY_READINGS = 2  # one reading can be a glitch (a lost signal reads as no target)


class ReachZone(Enum):
    WITHIN_REACH = "within reach"
    OUT_OF_REACH = "out of reach"


@dataclass(frozen=True)
class ReachRule:
    reach_mm: int = 600
    margin_mm: int = 50
    delay_readings: int = 3

    def __post_init__(self) -> None:
        if self.delay_readings < MIN_DELAY_READINGS:
            raise ValueError(
                f"delay_readings must be {MIN_DELAY_READINGS} or more (one reading can be a glitch)"
            )

    @property
    def return_mm(self) -> int:
        return self.reach_mm - self.margin_mm

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ReachRule:
        return cls(
            reach_mm=settings["safety.reach_mm"],
            margin_mm=settings["safety.margin_mm"],
            delay_readings=settings["safety.alarm_delay_readings"],
        )


class ReachClassifier:
    def __init__(self, rule: ReachRule, zone: ReachZone = ReachZone.WITHIN_REACH) -> None:
        self.rule = rule
        self.zone = zone
        self._window: deque[float] = deque(maxlen=MEDIAN_WINDOW)
        self._run = 0  # readings in a row on the other side of the line from the zone
        self.filtered_mm: float | None = None

    def update(self, distance_mm: int | None) -> ReachZone:
        """Feed one reading (None = no target) and return the zone."""
        far = math.inf if distance_mm is None else float(distance_mm)
        self._window.append(far)
        filtered = statistics.median(self._window)
        self.filtered_mm = None if math.isinf(filtered) else filtered
        rule = self.rule
        if self.zone is ReachZone.WITHIN_REACH:
            crossing = far > rule.reach_mm
        else:
            crossing = far < rule.return_mm
        self._run = self._run + 1 if crossing else 0
        if self._run >= rule.delay_readings:
            self.zone = (
                ReachZone.OUT_OF_REACH
                if self.zone is ReachZone.WITHIN_REACH
                else ReachZone.WITHIN_REACH
            )
            self._run = 0
        return self.zone
