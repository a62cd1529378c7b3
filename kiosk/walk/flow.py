"""The walker's screens as a state machine, testable without a display.

The flow decides which screen shows and when the alarm is armed, and tells its collaborators
(the player, the session log, the safety monitor's arming) what to do through `FlowEffects`.
Taps arrive as action names, safety events as they happen, and `tick()` moves time-based steps
(ready checks, the 3-2-1 countdown) and follows the routine from a talking part into a walking
part. Nothing here times out and loses the walker's place.

The rules it holds (the README's "How the safety loop decides" says why):
- armed only while the walker is meant to walk beside the support: from a ready check (2 s
  within reach) in a walking part of the routine until the part ends, a pause, or the end;
- a pause is a rest: the alarm is off, the sensor keeps watching and logging, and walking
  resumes only after another ready check;
- Stop while the walker is away, or the sensor cannot be trusted, does not silence anything:
  the routine ends once the walker is back within reach with a working sensor, or when a
  caregiver ends it behind the PIN;
- after the kiosk restarted during a walk, it checks whether someone is there before anything.
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
    WALK_CHECK = "walk_check"  # a ready check before walking resumes
    OUT_OF_REACH = "out_of_reach"
    COUNTDOWN = "countdown"
    SENSOR_FAULT = "sensor_fault"
    RESTARTED = "restarted"  # the kiosk came back after stopping during a walk
    END = "end"


class FlowEffects(Protocol):
    """What the flow asks of the rest of the kiosk."""

    def start_routine(self, from_chapter: int | None = None) -> None: ...

    def arm(self) -> None: ...

    def disarm(self) -> None: ...

    def pause_video(self, reason: str) -> None: ...

    def resume_video(self, rewind_s: float) -> None: ...

    def finish_routine(self, ending: Ending) -> None: ...

    def remind(self) -> None: ...


@dataclass(frozen=True)
class FlowTiming:
    ready_hold_s: float = 2.0  # within reach this long before walking starts
    countdown_s: int = 3
    rewind_s: float = 3.0  # how far the video goes back after an interruption
    restart_remind_s: float = 10.0  # after a restart, a chirp this often until someone comes


class KioskFlow:
    def __init__(self, effects: FlowEffects, timing: FlowTiming = FlowTiming()) -> None:
        self.effects = effects
        self.timing = timing
        self.screen = Screen.HOME
        self.history: list[Screen] = [Screen.HOME]
        self.armed = False
        self.stop_pending = False  # Stop was tapped while the walker was away or unwatched
        self.fault_acknowledged = False
        self.loop_stopped = False  # the safety loop itself stopped (its watchdog tripped)
        self.safety_page = 0  # which page of the safety points "Before you start" shows
        self.ending: Ending | None = None
        self.resume_chapter: int | None = None  # where a restarted walk goes on
        self._within_since: float | None = None
        self._countdown_from: float | None = None
        self._reminded_at: float | None = None
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
        """An alarm or fault from the monitor; nothing while the alarm is not armed."""
        if not (self.armed and event.armed) or self.screen not in _ARMED_SCREENS:
            return
        if event.kind is EventKind.ALARM_ON:
            self._out_of_reach()
        elif event.kind is EventKind.FAULT_ON:
            self._sensor_fault()
        elif event.kind is EventKind.ALARM_OFF and self.screen is Screen.OUT_OF_REACH:
            self._back_from_alarm(now)
        elif event.kind is EventKind.FAULT_OFF and self.screen is Screen.SENSOR_FAULT:
            self._back_from_fault(now)

    def tick(self, now: float, status: SafetyStatus, walking_part: bool = True) -> None:
        """Time passes; `walking_part` says whether the routine is now at a part walked
        beside the support (True when that is unknown)."""
        self._last_status = status
        step = _TICKS.get(self.screen)
        if step is not None:
            step(self, now, status, walking_part)

    def on_routine_ended(self) -> None:
        if self.screen is Screen.ROUTINE:
            self._finish(Ending.COMPLETED)

    def on_video_failed(self) -> None:
        """The video broke mid-routine: the walk ends calmly and its session is kept."""
        if self.screen is Screen.ROUTINE:
            self._finish(Ending.STOPPED)

    def on_safety_loop_stopped(self) -> None:
        """The safety loop stopped answering: nobody is watching, so nothing goes on."""
        if self.loop_stopped or not self.can_end:
            return
        self.loop_stopped = True
        self._pause_if_playing("the safety check stopped")
        self.fault_acknowledged = False
        self._go(Screen.SENSOR_FAULT)

    def on_safety_loop_back(self) -> None:
        self.loop_stopped = False

    def start_after_restart(self, chapter: int | None) -> None:
        """The kiosk stopped during a walk and has just started again."""
        self.resume_chapter = chapter
        self._within_since = self._reminded_at = None
        self._go(Screen.RESTARTED)

    # -- what the screens and the caregiver area read ----------------------------------------

    def ready_progress(self, now: float) -> float:
        """0..1: how far the current ready check has come."""
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
        """A walk is under way: its session is open."""
        return self.screen in _WALKING

    @property
    def can_end(self) -> bool:
        """There is a walk a caregiver may end (one under way, or one a restart cut short)."""
        return self.walking or self.screen is Screen.RESTARTED

    @property
    def fault_pending(self) -> bool:
        """A sensor fault waits for a caregiver's acknowledgement."""
        return self.screen is Screen.SENSOR_FAULT and not self.fault_acknowledged

    def acknowledge_fault(self, now: float) -> None:
        self.press("acknowledge", now)

    def end_walk(self, now: float) -> None:
        """A caregiver (behind the PIN) ends the walk at once."""
        if self.screen is Screen.RESTARTED:
            self._go(Screen.HOME)
        elif self.walking:
            fault = self.screen is Screen.SENSOR_FAULT
            self._finish(Ending.FAULT if fault else Ending.STOPPED)

    # -- steps --------------------------------------------------------------------------------

    def _go(self, screen: Screen) -> None:
        if screen is not self.screen:
            log.info("screen: %s -> %s", self.screen, screen)
            self.screen = screen
            self.history.append(screen)

    def _arm(self) -> None:
        self.armed = True
        self.effects.arm()

    def _disarm(self) -> None:
        self.armed = False
        self.effects.disarm()

    def _pause_if_playing(self, reason: str) -> None:
        if self.screen is Screen.ROUTINE:  # elsewhere the video is already paused
            self.effects.pause_video(reason)

    def _out_of_reach(self) -> None:
        if self.screen in (Screen.ROUTINE, Screen.COUNTDOWN, Screen.SENSOR_FAULT):
            self._pause_if_playing("out of reach")
            self._go(Screen.OUT_OF_REACH)

    def _sensor_fault(self) -> None:
        self.fault_acknowledged = False
        if self.screen in (Screen.ROUTINE, Screen.COUNTDOWN):
            self._pause_if_playing("sensor fault")
            self._go(Screen.SENSOR_FAULT)
        # Out of reach, the out-of-reach alarm (the louder) stays on screen; the fault is
        # shown as soon as the walker is back.

    def _back_from_alarm(self, now: float) -> None:
        status = self._last_status
        if status is not None and status.fault is not None:
            self._go(Screen.SENSOR_FAULT)
        elif self.stop_pending:
            self._finish(Ending.STOPPED)
        else:
            self._start_countdown(now)

    def _back_from_fault(self, now: float) -> None:
        status = self._last_status
        away = status is not None and status.zone is ReachZone.OUT_OF_REACH
        if away:
            self._go(Screen.OUT_OF_REACH)
        elif self.stop_pending and not self.loop_stopped:
            self._finish(Ending.STOPPED)
        elif self.fault_acknowledged and not self.loop_stopped:
            self._start_countdown(now)

    def _start_countdown(self, now: float) -> None:
        self._countdown_from = now
        self._go(Screen.COUNTDOWN)

    def _finish(self, ending: Ending) -> None:
        self.ending = ending
        self.armed = False
        self.stop_pending = False
        self.effects.finish_routine(ending)
        self._go(Screen.END)

    def _held_long_enough(self, now: float, status: SafetyStatus) -> bool:
        """The ready check: within reach, with a working sensor, for ready_hold_s."""
        if not _ready(status) or self.loop_stopped:
            self._within_since = None
            return False
        if self._within_since is None:
            self._within_since = now
        return now - self._within_since >= self.timing.ready_hold_s

    # -- time-based steps, by screen ----------------------------------------------------------

    def _tick_ready_check(self, now: float, status: SafetyStatus, walking_part: bool) -> None:
        if self._held_long_enough(now, status):
            self.effects.start_routine()
            self._arm()  # the walker holds the support now; a talking part disarms next
            self._go(Screen.ROUTINE)

    def _tick_routine(self, now: float, status: SafetyStatus, walking_part: bool) -> None:
        if walking_part and not self.armed:
            self.effects.pause_video("walking starts")
            self._within_since = None
            self._go(Screen.WALK_CHECK)
        elif not walking_part and self.armed and not status.alarm:
            self._disarm()  # a talking part: the walker may sit down

    def _tick_walk_check(self, now: float, status: SafetyStatus, walking_part: bool) -> None:
        if not walking_part:  # a rest during a talking part: nothing to check
            self.effects.resume_video(0.0)
            self._go(Screen.ROUTINE)
        elif self._held_long_enough(now, status):
            self._arm()
            self.effects.resume_video(0.0)
            self._go(Screen.ROUTINE)

    def _tick_countdown(self, now: float, status: SafetyStatus, walking_part: bool) -> None:
        if self.countdown_left(now) <= 0:
            self.effects.resume_video(self.timing.rewind_s)
            self._go(Screen.ROUTINE)

    def _tick_alarm(self, now: float, status: SafetyStatus, walking_part: bool) -> None:
        """A pending Stop ends the walk once the walker is back with a working sensor."""
        if self.stop_pending and _ready(status) and not self.loop_stopped:
            self._finish(Ending.STOPPED)

    def _tick_restarted(self, now: float, status: SafetyStatus, walking_part: bool) -> None:
        if self._held_long_enough(now, status):
            self.effects.start_routine(self.resume_chapter)
            self._arm()
            self._go(Screen.ROUTINE)
            return
        if self._reminded_at is None or now - self._reminded_at >= self.timing.restart_remind_s:
            self._reminded_at = now
            self.effects.remind()  # a chirp: somebody should look

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
        status = self._last_status
        if status is not None and status.alarm:
            return  # the walker is out of reach: the alarm stands, no pause hides it
        self.effects.pause_video("paused")
        if self.armed:
            self._disarm()  # a rest
        self._go(Screen.PAUSED)

    def _resume(self, now: float) -> None:
        self._within_since = None
        self._go(Screen.WALK_CHECK)  # in a talking part the check lets the video go at once

    def _stop(self, now: float) -> None:
        if self.screen in (Screen.OUT_OF_REACH, Screen.SENSOR_FAULT):
            self.stop_pending = True  # nothing is silenced: the walk ends when it is safe
            return
        self._finish(Ending.STOPPED)

    def _stop_before_walking(self, now: float) -> None:
        self._go(Screen.HOME)

    def _acknowledge(self, now: float) -> None:
        self.fault_acknowledged = True
        status = self._last_status
        if status is not None and status.fault is None and not self.loop_stopped:
            self._back_from_fault(now)


def _ready(status: SafetyStatus) -> bool:
    return (
        status.fault is None
        and status.zone is ReachZone.WITHIN_REACH
        and status.distance_mm is not None
        and status.distance_mm <= status.reach_mm
    )


_ARMED_SCREENS = frozenset(
    {Screen.ROUTINE, Screen.OUT_OF_REACH, Screen.COUNTDOWN, Screen.SENSOR_FAULT}
)
_WALKING = frozenset(
    {
        Screen.ROUTINE,
        Screen.PAUSED,
        Screen.WALK_CHECK,
        Screen.OUT_OF_REACH,
        Screen.COUNTDOWN,
        Screen.SENSOR_FAULT,
    }
)

_TICKS = {
    Screen.READY_CHECK: KioskFlow._tick_ready_check,
    Screen.ROUTINE: KioskFlow._tick_routine,
    Screen.WALK_CHECK: KioskFlow._tick_walk_check,
    Screen.COUNTDOWN: KioskFlow._tick_countdown,
    Screen.OUT_OF_REACH: KioskFlow._tick_alarm,
    Screen.SENSOR_FAULT: KioskFlow._tick_alarm,
    Screen.RESTARTED: KioskFlow._tick_restarted,
}

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
    (Screen.WALK_CHECK, "stop"): KioskFlow._stop,
    (Screen.OUT_OF_REACH, "stop"): KioskFlow._stop,
    (Screen.COUNTDOWN, "stop"): KioskFlow._stop,
    (Screen.SENSOR_FAULT, "acknowledge"): KioskFlow._acknowledge,
    (Screen.SENSOR_FAULT, "stop"): KioskFlow._stop,
    (Screen.RESTARTED, "stop"): KioskFlow._stop_before_walking,
    (Screen.END, "done"): KioskFlow._home,
}
