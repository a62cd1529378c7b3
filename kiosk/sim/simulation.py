"""The handles a simulator needs: the emulated walker to move and the emulated chip to break."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hardware.emulated_tof import EmulatedVL53L0X, FixedWalker


@dataclass
class Simulation:
    walker: FixedWalker
    chip: EmulatedVL53L0X
    pin_factory: Any  # gpiozero's MockFactory: the buzzer's pin history is in it

    def toggle_unplugged(self) -> bool:
        if self.chip.unplugged:
            self.chip.replug()
        else:
            self.chip.unplug()
        return self.chip.unplugged

    def toggle_stuck(self) -> bool:
        self.chip.stuck = not self.chip.stuck
        return self.chip.stuck

    def toggle_walked_off(self) -> None:
        """The walker leaves the beam (no target), or comes back to a safe distance."""
        far = self.walker.distance_at(0.0) is None
        self.walker.move_to(450.0 if far else None)
