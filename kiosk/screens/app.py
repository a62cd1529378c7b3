"""The kiosk's screen loop: touches in, the flow moved on, pixels out, in step with the safety loop.

The safety monitor runs on its own thread and sounds the buzzer itself; this loop only shows
what happened and pauses the video within a frame (through the flow and the walk session).
Every part is passed in; kiosk/bootstrap.py assembles them.
"""

from __future__ import annotations

import logging
import math
import queue
import time
from collections.abc import Callable
from typing import Any

import pygame

from kiosk.safety.monitor import SafetyEvent
from kiosk.screens import theme
from kiosk.screens.caregiver import CaregiverArea
from kiosk.screens.display import Rotation
from kiosk.screens.layout import Layout
from kiosk.screens.touch_input import TouchInput
from kiosk.screens.walker import WalkerView, draw_walker_screen
from kiosk.screens.widgets import Button
from kiosk.walk.flow import KioskFlow, Screen
from kiosk.walk.goals import goal_text
from kiosk.walk.session import VideoState, WalkSession
from kiosk.walk.walkers import WalkerChoice

log = logging.getLogger(__name__)

FPS = 30
HOME_REFRESH_S = 5.0
FAILURES_BEFORE_GIVING_UP = FPS * 5  # then systemd's watchdog restarts the kiosk
# A tap this soon after the screen changed was meant for the screen before (a double tap, or
# a finger already on its way): it is ignored, so it never acts on the new screen.
TAP_GUARD_S = 0.4
HELP_CONFIRM_S = 5.0  # "Call for help" asks for a second tap within this time

Hook = Callable[["KioskApp", float], None]


class KioskApp:
    def __init__(
        self,
        *,
        display: pygame.Surface,
        rotation: Rotation,
        flow: KioskFlow,
        walk: WalkSession,
        walkers: WalkerChoice,
        monitor: Any,
        buzzer: Any,
        caregiver: CaregiverArea,
        simulator: Any,
        escalation: Any,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.display = display
        self.rotation = rotation
        self.logical = pygame.Surface(rotation.logical_size)
        self.layout = Layout(*rotation.logical_size)
        self.flow = flow
        self.walk = walk
        self.walkers = walkers
        self.monitor = monitor
        self.buzzer = buzzer
        self.caregiver = caregiver
        self.simulator = simulator  # the simulator's strip, or its empty twin
        self.escalation = escalation  # calls for help (kiosk/link/escalation.py)
        self._help_confirm_until: float | None = None
        self.clock = clock
        self.touch = TouchInput(rotation)
        self.buttons: list[Button] = []
        self.running = True
        self.frames = 0
        self.last_frame_at = clock()
        self.hooks: list[Hook] = []
        self._shown: tuple[str, int] | None = None  # the screen on display, and since when:
        self._shown_at = -math.inf
        self._home_cache: tuple | None = None
        self._safety_events: queue.SimpleQueue[SafetyEvent] = queue.SimpleQueue()
        monitor.add_listener(self._safety_events.put)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> int:
        frame_clock = pygame.time.Clock()
        failures = 0
        while self.running:
            try:
                self.frame(pygame.event.get())
                failures = 0
            except Exception:
                # The alarm does not depend on this loop; a screen that keeps failing is
                # restarted by systemd once the watchdog pings stop (they come from frame()).
                failures += 1
                log.exception("the screen loop failed (%d in a row)", failures)
                if failures >= FAILURES_BEFORE_GIVING_UP:
                    raise
            self._wait_for_next_frame(frame_clock)
        return 0

    def _wait_for_next_frame(self, frame_clock: pygame.time.Clock) -> None:
        """Turn when the next picture is due while the video plays (a fixed 30 Hz beside a
        30 fps video made a frame due just after a turn wait a whole turn), else at 30 Hz."""
        playing = self.flow.screen is Screen.ROUTINE and not self.caregiver.open
        wait = self.walk.next_frame_in_s(longest=1 / FPS) if playing else None
        if wait is None:
            frame_clock.tick(FPS)
        else:
            time.sleep(wait)

    def stop(self) -> None:
        self.running = False

    def frame(self, events: list[pygame.event.Event]) -> None:
        now = self.clock()
        # Safety first: a tap in the same frame as an alarm meets the alarm's screen.
        self._take_safety_events(now)
        self._watch_the_safety_loop()
        self._handle_events(events, now)
        before = self.flow.screen
        self.flow.tick(now, self.monitor.status, self.walk.walking_part)
        walk_starts = before in (Screen.READY_CHECK, Screen.RESTARTED)
        if walk_starts and self.flow.screen is Screen.ROUTINE:
            self.caregiver.close()  # a walk starts: the caregiver area locks
        self.caregiver.tick(now)
        video = self.walk.update_player()
        if video is VideoState.ENDED:
            self.flow.on_routine_ended()
        elif video is VideoState.FAILED:
            self.flow.on_video_failed()
        self._draw(now)
        self.simulator.update(self.buzzer.sounding)
        self.frames += 1
        self.last_frame_at = now
        for hook in list(self.hooks):
            hook(self, now)

    def _take_safety_events(self, now: float) -> None:
        while True:
            try:
                event = self._safety_events.get_nowait()
            except queue.Empty:
                return
            self.flow.on_safety(event, now)

    def _watch_the_safety_loop(self) -> None:
        """The buzzer's watchdog has the last word on whether the safety loop lives."""
        if getattr(self.buzzer, "watchdog_tripped", False):
            self.flow.on_safety_loop_stopped()
        elif self.flow.loop_stopped:
            self.flow.on_safety_loop_back()

    def tap(self, action: str) -> None:
        """Act as if the button for `action` was pressed (scripts use the real buttons)."""
        for button in self.buttons:
            if button.action == action:
                self._press(button.rect.center, self.clock())
                return
        raise LookupError(f"no {action!r} button on the {self.current_screen} screen")

    @property
    def current_screen(self) -> str:
        if self.caregiver.open:
            return f"caregiver-{self.caregiver.page}"
        return str(self.flow.screen)

    # -- input ------------------------------------------------------------------------------

    def _handle_events(self, events: list[pygame.event.Event], now: float) -> None:
        for event in events:
            if event.type == pygame.QUIT:
                self.running = False
            else:
                self.simulator.handle(event)
        for press in self.touch.presses(events, now):
            if not self.simulator.owns(press.pos):
                self._press(press.pos, now)
        if self.touch.corner_held(now) and not self.caregiver.open:
            if self.flow.screen is Screen.ROUTINE:
                self.flow.press("pause", now)
            self.caregiver.show(corner_press=True)

    def _press(self, point: tuple[int, int], now: float) -> None:
        if now - self._shown_at < TAP_GUARD_S:
            log.debug("a tap %.2f s after the screen changed: ignored", now - self._shown_at)
            return  # the second tap of a double tap must not act on the new screen
        for button in self.buttons:
            if button.hit(point):
                if self.caregiver.open:
                    self.caregiver.press(button.action)
                elif button.action == "profile:next":
                    self.walkers.next()
                elif button.action == "help":
                    self._help_tapped(now)
                elif button.action == "acknowledge":
                    self.caregiver.show()  # only a caregiver acknowledges: PIN first
                else:
                    self.flow.press(button.action, now)
                return

    def _help_tapped(self, now: float) -> None:
        """The first tap asks for a second within HELP_CONFIRM_S; the second calls."""
        if self.escalation.call is not None:
            return
        if self._help_confirm_until is not None and now <= self._help_confirm_until:
            self._help_confirm_until = None
            self.escalation.request_help()
        else:
            self._help_confirm_until = now + HELP_CONFIRM_S

    def _help_confirming(self, now: float) -> bool:
        until = self._help_confirm_until
        return until is not None and now <= until and self.escalation.call is None

    # -- drawing ------------------------------------------------------------------------------

    def _draw(self, now: float) -> None:
        surface = self.logical
        if self.caregiver.open:
            self.buttons = self.caregiver.draw(surface, self.layout)
        else:
            self.buttons = draw_walker_screen(surface, self.layout, self._view(now))
        progress = self.touch.corner_progress(now)
        if progress > 0:
            pygame.draw.arc(surface, theme.PRIMARY, (8, 8, 90, 90), 0, 6.283 * progress, 8)
        self.rotation.present(surface, self.display)
        pygame.display.flip()
        shown = (self.current_screen, self.flow.safety_page)
        if shown != self._shown:
            self._shown, self._shown_at = shown, now

    def _home_facts(self, now: float) -> tuple[str, list[tuple[int, str]]]:
        """Today's goal and the walkers, read from the log at most every few seconds (and at
        once after a change), not on every turn of the screen loop."""
        key = (self.walkers.current, len(self.walk.sessions))
        cached = self._home_cache
        if cached is None or cached[0] != key or now - cached[1] > HOME_REFRESH_S:
            store = self.walkers.store
            cached = (key, now, goal_text(store, self.walkers.current), self.walkers.names())
            self._home_cache = cached
        return cached[2], cached[3]

    def _home_notices(self) -> list[str]:
        notices = []
        if self.caregiver.unseen_log_problems():
            notices.append("The session log needs a caregiver's attention (caregiver area).")
        return notices

    def _view(self, now: float) -> WalkerView:
        routine = self.walk.routine
        home = self.flow.screen is Screen.HOME
        goal, walkers = self._home_facts(now) if home else ("", [])
        return WalkerView(
            screen=self.flow.screen,
            status=self.monitor.status,
            routine_title=routine.title if routine else "Walking backward",
            safety_points=routine.safety_points if routine else (),
            goal_text=goal,
            profiles=walkers,
            profile_id=self.walkers.current,
            ready_progress=self.flow.ready_progress(now),
            countdown_left=self.flow.countdown_left(now),
            player=self.walk.player,
            chapters=[(c.start_s, c.title) for c in routine.chapters] if routine else (),
            fault_acknowledged=self.flow.fault_acknowledged,
            safety_page=self.flow.safety_page,
            end=self.walk.end,
            armed=self.monitor.armed,
            buzzer_sounding=self.buzzer.sounding,
            hold_remaining_s=self.buzzer.hold_remaining_s,
            notices=self._home_notices() if home else (),
            stop_pending=self.flow.stop_pending,
            cannot_start=self.walk.routine_problem is not None,
            help_confirming=self._help_confirming(now),
            call=self.escalation.call.words if self.escalation.call else None,
            loop_stopped=self.flow.loop_stopped,
        )
