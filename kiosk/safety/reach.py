"""From distance readings to "within reach" or "out of reach", without chatter or glitches.

Three steps, each for a reason:
- a median over the last three readings, so one bogus reading (a "no target" 8190, or a
  few millimetres when the signal fails) never moves the decision;
- an alarm condition delay: the filtered distance must be beyond the reach line for N readings
  in a row before the walker counts as out of reach;
- hysteresis: back within reach only below the reach line minus a margin, so a walker swaying
  on the line raises one alarm, not a chatter.

"No target" (nothing within the sensor's range) is treated as far away: a walker who has
walked off is out of reach.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

MEDIAN_WINDOW = 3


class ReachZone(Enum):
    WITHIN_REACH = "within reach"
    OUT_OF_REACH = "out of reach"


@dataclass(frozen=True)
class ReachRule:
    reach_mm: int = 600
    margin_mm: int = 50
    delay_readings: int = 3

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
        self._beyond = 0
        self.filtered_mm: float | None = None

    def reset_filter(self) -> None:
        """Forget old readings (after a fault) but keep the zone until readings decide."""
        self._window.clear()
        self._beyond = 0
        self.filtered_mm = None

    def update(self, distance_mm: int | None) -> ReachZone:
        """Feed one reading (None = no target) and return the zone."""
        self._window.append(math.inf if distance_mm is None else float(distance_mm))
        filtered = statistics.median(self._window)
        self.filtered_mm = None if math.isinf(filtered) else filtered
        rule = self.rule
        if self.zone is ReachZone.WITHIN_REACH:
            self._beyond = self._beyond + 1 if filtered > rule.reach_mm else 0
            if self._beyond >= rule.delay_readings:
                self.zone = ReachZone.OUT_OF_REACH
        elif filtered < rule.return_mm:
            self.zone = ReachZone.WITHIN_REACH
            self._beyond = 0
        return self.zone
