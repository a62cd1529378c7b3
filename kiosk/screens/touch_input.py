"""One handler for touch and mouse: each press is taken once, in screen coordinates.

SDL reports a finger as FINGERDOWN (x, y in 0..1) and then again as a synthesised mouse
click marked `touch=True`; only the first is used. Taps only: a press counts where it goes
down, and a long press on the top-left corner (3 s) opens the caregiver area.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pygame

from kiosk.screens.display import Rotation

CORNER_PX = 110
CAREGIVER_HOLD_S = 3.0


@dataclass(frozen=True)
class Press:
    """A finger or mouse button going down at a point of the logical (unrotated) screen."""

    pos: tuple[int, int]


class TouchInput:
    def __init__(self, rotation: Rotation) -> None:
        self.rotation = rotation
        self._corner_since: float | None = None
        self._down = False

    def presses(self, events: Iterable[pygame.event.Event], now: float) -> list[Press]:
        presses: list[Press] = []
        for event in events:
            point = self._point(event)
            if point is None:
                if event.type in (pygame.FINGERUP, pygame.MOUSEBUTTONUP):
                    self._down = False
                    self._corner_since = None
                continue
            self._down = True
            presses.append(Press(point))
            if point[0] < CORNER_PX and point[1] < CORNER_PX:
                self._corner_since = now
            else:
                self._corner_since = None
        return presses

    def corner_held(self, now: float) -> bool:
        """True once, when the corner has been held for 3 s."""
        held = self._corner_since is not None and now - self._corner_since >= CAREGIVER_HOLD_S
        if self._down and held:
            self._corner_since = None
            return True
        return False

    def corner_progress(self, now: float) -> float:
        if not self._down or self._corner_since is None:
            return 0.0
        return min(1.0, (now - self._corner_since) / CAREGIVER_HOLD_S)

    def _point(self, event: pygame.event.Event) -> tuple[int, int] | None:
        if event.type == pygame.FINGERDOWN:
            width, height = self.rotation.physical_size
            return self.rotation.to_logical((event.x * width, event.y * height))
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if getattr(event, "touch", False):
                return None  # the same finger, already taken as FINGERDOWN
            return self.rotation.to_logical(event.pos)
        return None
