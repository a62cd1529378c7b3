"""The walker's screens as a state machine, testable without a display.

The flow decides which screen shows and tells its collaborators (the player, the session
log, the safety monitor's arming) what to do through `FlowEffects`. Taps arrive as action
names, safety events as they happen, and `tick()` moves time-based steps (the ready check,
the 3-2-1 countdown). Nothing here times out and loses the walker's place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.safety.monitor import SafetyEvent, SafetyStatus
from kiosk.safety.reach import ReachZone
from kiosk.vocabulary import Ending, EventKind

log = logging.getLogger(__name__)


class Screen(StrEnum):
    HOME = "home"
    BEFORE_START = "before_start"
    READY_CHECK = "ready_check"
    ROUTINE = "routine"
    PAUSED = "paused"
    OUT_OF_REACH = "out_of_reach"
    COUNTDOWN = "countdown"
    SENSOR_FAULT = "sensor_fault"
    END = "end"


class FlowEffects(Protocol):
    """What the flow asks of the rest of the kiosk."""

    def start_routine(self) -> None: ...

    def pause_video(self, reason: str) -> None: ...

    def resume_video(self, rewind_s: float) -> None: ...

    def finish_routine(self, ending: Ending) -> None: ...


@dataclass(frozen=True)
class FlowTiming:
    ready_hold_s: float = 2.0  # within reach this long before the routine starts
    countdown_s: int = 3
    rewind_s: float = 3.0  # how far the video goes back after an interruption


class KioskFlow:
    def __init__(self, effects: FlowEffects, timing: FlowTiming = FlowTiming()) -> None:
        self.effects = effects
        self.timing = timing
        self.screen = Screen.HOME
        self.history: list[Screen] = [Screen.HOME]
        self.user_paused = False
        self.fault_acknowledged = False
        self.safety_page = 0  # which page of the safety points "Before you start" shows
        self.ending: Ending | None = None
        self._within_since: float | None = None
        self._countdown_from: float | None = None
        self._last_status: SafetyStatus | None = None

    # -- inputs -----------------------------------------------------------------------------

    def press(self, action: str, now: float) -> None:
        """A button was tapped; buttons not on the current screen are ignored."""
        handler = _ACTIONS.get((self.screen, action))
        if handler is None:
            log.debug("ignored %r on %s", action, self.screen)
            return
        handler(self, now)

    def on_safety(self, event: SafetyEvent, now: float) -> None:
        screen = self.screen
        if screen not in _WALKING:
            return
        if event.kind is EventKind.FAULT_ON:
            if screen is not Screen.SENSOR_FAULT:
                self._pause_if_playing("sensor fault")
                self.fault_acknowledged = False
                self._go(Screen.SENSOR_FAULT)
        elif event.kind is EventKind.ALARM_ON:
            if screen in (Screen.ROUTINE, Screen.PAUSED, Screen.COUNTDOWN):
                self._pause_if_playing("out of reach")
                self._go(Screen.OUT_OF_REACH)
        elif event.kind is EventKind.ALARM_OFF:
            if screen is Screen.OUT_OF_REACH:
                self._back_within_reach(now)
        elif (
            event.kind is EventKind.FAULT_OFF
            and screen is Screen.SENSOR_FAULT
            and self.fault_acknowledged
        ):
            self._leave_fault(now)

    def tick(self, now: float, status: SafetyStatus) -> None:
        self._last_status = status
        if self.screen is Screen.READY_CHECK:
            if _ready(status):
                if self._within_since is None:
                    self._within_since = now
                elif now - self._within_since >= self.timing.ready_hold_s:
                    self.user_paused = False
                    self.effects.start_routine()
                    self._go(Screen.ROUTINE)
            else:
                self._within_since = None
        elif self.screen is Screen.COUNTDOWN and self.countdown_left(now) <= 0:
            self.effects.resume_video(self.timing.rewind_s)
            self._go(Screen.ROUTINE)

    def on_routine_ended(self) -> None:
        if self.screen is Screen.ROUTINE:
            self._finish(Ending.COMPLETED)

    # -- what the screens show ----------------------------------------------------------------

    def ready_progress(self, now: float) -> float:
        """0..1: how far the ready check has come."""
        if self._within_since is None:
            return 0.0
        return min(1.0, (now - self._within_since) / self.timing.ready_hold_s)

    def countdown_left(self, now: float) -> int:
        if self._countdown_from is None:
            return 0
        left = self.timing.countdown_s - (now - self._countdown_from)
        return max(0, int(left + 0.999))

    @property
    def walking(self) -> bool:
        return self.screen in _WALKING

    # -- what the caregiver area may do -------------------------------------------------------

    @property
    def fault_pending(self) -> bool:
        """A sensor fault waits for a caregiver's acknowledgement."""
        return self.screen is Screen.SENSOR_FAULT and not self.fault_acknowledged

    def acknowledge_fault(self, now: float) -> None:
        self.press("acknowledge", now)

    # -- steps --------------------------------------------------------------------------------

    def _go(self, screen: Screen) -> None:
        if screen is not self.screen:
            log.info("screen: %s -> %s", self.screen, screen)
            self.screen = screen
            self.history.append(screen)

    def _pause_if_playing(self, reason: str) -> None:
        if self.screen is Screen.ROUTINE:  # in the countdown the video is still paused
            self.effects.pause_video(reason)

    def _back_within_reach(self, now: float) -> None:
        if self.user_paused:
            self._go(Screen.PAUSED)
        else:
            self._countdown_from = now
            self._go(Screen.COUNTDOWN)

    def _leave_fault(self, now: float) -> None:
        status = self._last_status
        if status is not None and status.zone is ReachZone.OUT_OF_REACH:
            self._go(Screen.OUT_OF_REACH)
        else:
            self._back_within_reach(now)

    def _finish(self, ending: Ending) -> None:
        self.ending = ending
        self.effects.finish_routine(ending)
        self._go(Screen.END)

    # -- button handlers ----------------------------------------------------------------------

    def _start(self, now: float) -> None:
        self.safety_page = 0
        self._go(Screen.BEFORE_START)

    def _more_safety_points(self, now: float) -> None:
        self.safety_page += 1

    def _holding_support(self, now: float) -> None:
        self._within_since = None
        self._go(Screen.READY_CHECK)

    def _home(self, now: float) -> None:
        self._go(Screen.HOME)

    def _pause(self, now: float) -> None:
        self.user_paused = True
        self.effects.pause_video("paused")
        self._go(Screen.PAUSED)

    def _resume(self, now: float) -> None:
        self.user_paused = False
        self.effects.resume_video(0.0)
        self._go(Screen.ROUTINE)

    def _stop(self, now: float) -> None:
        self._finish(Ending.FAULT if self.screen is Screen.SENSOR_FAULT else Ending.STOPPED)

    def _acknowledge(self, now: float) -> None:
        self.fault_acknowledged = True
        status = self._last_status
        if status is not None and status.fault is None:
            self._leave_fault(now)


def _ready(status: SafetyStatus) -> bool:
    return (
        status.fault is None
        and status.zone is ReachZone.WITHIN_REACH
        and status.distance_mm is not None
        and status.distance_mm <= status.reach_mm
    )


_WALKING = frozenset(
    {Screen.ROUTINE, Screen.PAUSED, Screen.OUT_OF_REACH, Screen.COUNTDOWN, Screen.SENSOR_FAULT}
)

_ACTIONS = {
    (Screen.HOME, "start"): KioskFlow._start,
    (Screen.BEFORE_START, "more"): KioskFlow._more_safety_points,
    (Screen.BEFORE_START, "holding"): KioskFlow._holding_support,
    (Screen.BEFORE_START, "back"): KioskFlow._home,
    (Screen.READY_CHECK, "back"): KioskFlow._home,
    (Screen.ROUTINE, "pause"): KioskFlow._pause,
    (Screen.ROUTINE, "stop"): KioskFlow._stop,
    (Screen.PAUSED, "resume"): KioskFlow._resume,
    (Screen.PAUSED, "stop"): KioskFlow._stop,
    (Screen.OUT_OF_REACH, "stop"): KioskFlow._stop,
    (Screen.COUNTDOWN, "stop"): KioskFlow._stop,
    (Screen.SENSOR_FAULT, "acknowledge"): KioskFlow._acknowledge,
    (Screen.SENSOR_FAULT, "stop"): KioskFlow._stop,
    (Screen.END, "done"): KioskFlow._home,
}
