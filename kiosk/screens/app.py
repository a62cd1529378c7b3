"""The kiosk's screen loop: touch in, flow and player in step with the safety loop, pixels out.

The safety monitor runs on its own thread and sounds the buzzer itself; this loop only shows
what happened and pauses the video within a frame. Everything it needs is passed in; the
`run` command (kiosk/run_command.py) builds the real parts.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pygame

from kiosk.player.routine import Routine
from kiosk.safety.monitor import SafetyEvent
from kiosk.screens import theme
from kiosk.screens.caregiver import CaregiverArea
from kiosk.screens.display import Rotation
from kiosk.screens.layout import Layout
from kiosk.screens.touch_input import TouchInput
from kiosk.screens.walker import EndSummary, WalkerView, draw_walker_screen
from kiosk.screens.widgets import Button, draw_text
from kiosk.sim.panel import SimulatorPanel
from kiosk.walk.flow import Ending, KioskFlow, Screen
from kiosk.walk.progression import suggest_for
from kiosk.walk.recorder import SessionRecorder

log = logging.getLogger(__name__)

FPS = 30
HOME_REFRESH_S = 5.0
END_TEST_EVENT = pygame.USEREVENT + 1


class KioskApp:
    def __init__(
        self,
        *,
        display: pygame.Surface,
        rotation: Rotation,
        monitor: Any,
        buzzer: Any,
        store: Any,
        routine: Routine | None,
        routine_problem: str | None,
        caregiver: CaregiverArea,
        make_player: Callable[[Routine], Any],
        simulator: SimulatorPanel | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.display = display
        self.rotation = rotation
        self.logical = pygame.Surface(rotation.logical_size)
        self.layout = Layout(*rotation.logical_size)
        self.monitor = monitor
        self.buzzer = buzzer
        self.store = store
        self.routine = routine
        self.routine_problem = routine_problem
        self.caregiver = caregiver
        self.make_player = make_player
        self.simulator = simulator
        self.clock = clock
        self.flow = KioskFlow(self)
        self.recorder = SessionRecorder(store, clock=clock)
        self.touch = TouchInput(rotation)
        self.player: Any = None
        self.player_problem: str | None = None
        self.end_summary: EndSummary | None = None
        self.buttons: list[Button] = []
        self.running = True
        self.frames = 0
        self.last_frame_at = clock()
        self.hooks: list[Callable[[KioskApp, float], None]] = []
        self.sessions: list[int] = []  # the sessions this run recorded
        self._home_cache: tuple | None = None
        self._safety_events: queue.SimpleQueue[SafetyEvent] = queue.SimpleQueue()
        self._chapter_index: int | None = None
        self.profile_id = self._first_profile()
        monitor.add_listener(self._safety_events.put)
        monitor.add_listener(self.recorder.on_safety)
        monitor.add_reading_listener(self.recorder.on_reading)

    # -- FlowEffects: what the flow asks for ------------------------------------------------

    def start_routine(self) -> None:
        self.monitor.arm()  # first: nothing below may delay the alarm
        self.buzzer.end_hold()  # a hold from before the walk does not carry into it
        self.player_problem = None
        self._chapter_index = None
        routine = self.routine
        if routine is None:
            self.player_problem = "no routine could be loaded; a caregiver can check it"
        else:
            try:
                self.player = self.make_player(routine)
                self.player.start()
            except Exception as error:  # a broken video must not stop the walk
                log.error("cannot play %s: %s", routine.video_path, error)
                self.player, self.player_problem = None, str(error)
        name = routine.folder.name if routine else "none"
        session = self.recorder.start(self.profile_id, name, routine.level if routine else 1)
        if session is not None:
            self.sessions.append(session)

    def pause_video(self, reason: str) -> None:
        if self.player is not None:
            self.player.pause()
        self.recorder.note("pause", reason)

    def resume_video(self, rewind_s: float) -> None:
        if self.player is not None:
            self.player.resume(rewind_s=rewind_s)
        self.recorder.note("resume")

    def finish_routine(self, ending: Ending) -> None:
        self.monitor.disarm()
        self.buzzer.end_hold()
        if self.player is not None:
            self.player.close()
            self.player = None
        totals = self.recorder.finish(str(ending))
        self.end_summary = EndSummary(
            totals.minutes_walked, totals.reminders, ending, self._next_goal()
        )

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
                if failures >= FPS * 5:
                    raise
            playing = self.flow.screen is Screen.ROUTINE and not self.caregiver.open
            if playing and self.player is not None:
                # Turn when the next picture is due: a fixed 30 Hz beside a 30 fps video
                # made a frame due just after a turn wait a whole turn (4-5 of 360 dropped
                # as late), and 60 Hz drew every picture twice.
                time.sleep(self.player.next_frame_in_s(longest=1 / FPS))
            else:
                frame_clock.tick(FPS)
        return 0

    def stop(self) -> None:
        self.running = False

    def frame(self, events: list[pygame.event.Event]) -> None:
        now = self.clock()
        self._handle_events(events, now)
        while True:
            try:
                event = self._safety_events.get_nowait()
            except queue.Empty:
                break
            self.flow.on_safety(event, now)
        self.flow.tick(now, self.monitor.status)
        self._update_player()
        self._draw(now)
        if self.simulator is not None:
            self.simulator.update(self.buzzer.sounding)
        self.frames += 1
        self.last_frame_at = now
        for hook in list(self.hooks):
            hook(self, now)

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
            elif event.type == END_TEST_EVENT:
                self.caregiver.end_test()
            elif self.simulator is not None and self.simulator.handle(event):
                continue
        for press in self.touch.presses(events, now):
            if self.simulator is not None and self.simulator.owns(press.pos):
                continue
            self._press(press.pos, now)
        if self.touch.corner_held(now) and not self.caregiver.open:
            if self.flow.screen is Screen.ROUTINE:
                self.flow.press("pause", now)
            self.caregiver.show()

    def _press(self, point: tuple[int, int], now: float) -> None:
        for button in self.buttons:
            if button.hit(point):
                if self.caregiver.open:
                    self.caregiver.press(button.action)
                elif button.action == "profile:next":
                    self._next_profile()
                elif button.action == "acknowledge":
                    self.caregiver.show()  # only a caregiver acknowledges: PIN first
                else:
                    self.flow.press(button.action, now)
                return

    # -- caregiver's tools ------------------------------------------------------------------

    def acknowledge_fault(self) -> None:
        self.flow.press("acknowledge", self.clock())

    def fault_pending(self) -> bool:
        return self.flow.screen is Screen.SENSOR_FAULT and not self.flow.fault_acknowledged

    # -- the player ---------------------------------------------------------------------------

    def _update_player(self) -> None:
        player = self.player
        if player is None:
            return
        player.update()
        if player.error is not None and self.player_problem is None:
            self.player_problem = str(player.error)
        index = player.current_chapter_index
        if index is not None and index != self._chapter_index:
            self._chapter_index = index
            self.recorder.note("chapter", player.current_chapter.title)
        if player.ended:
            self.flow.on_routine_ended()

    # -- drawing ------------------------------------------------------------------------------

    def _draw(self, now: float) -> None:
        surface = self.logical
        if self.caregiver.open:
            self.buttons = self.caregiver.draw(surface, self.layout)
        else:
            self.buttons = draw_walker_screen(surface, self.layout, self._view(now))
            self._draw_problems(surface)
        progress = self.touch.corner_progress(now)
        if progress > 0:
            pygame.draw.arc(surface, theme.PRIMARY, (8, 8, 90, 90), 0, 6.283 * progress, 8)
        self.rotation.present(surface, self.display)
        pygame.display.flip()

    def _home_facts(self, now: float) -> tuple[str, list[tuple[int, str]]]:
        """Today's goal and the walkers, read from the log at most every few seconds (and at
        once after a change), not on every turn of the screen loop."""
        key = (self.profile_id, len(self.sessions))
        cached = self._home_cache
        if cached is None or cached[0] != key or now - cached[1] > HOME_REFRESH_S:
            cached = (key, now, self._goal_text(), self._profiles())
            self._home_cache = cached
        return cached[2], cached[3]

    def _home_notices(self) -> list[str]:
        notices = []
        if self.routine_problem:
            notices.append(self.routine_problem)
        if self.caregiver.unseen_log_problems():
            notices.append("The session log needs a caregiver's attention (caregiver area).")
        return notices

    def _next_profile(self) -> None:
        ids = [profile_id for profile_id, _ in self._profiles()]
        if ids:
            position = ids.index(self.profile_id) if self.profile_id in ids else -1
            self.profile_id = ids[(position + 1) % len(ids)]

    def _draw_problems(self, surface: pygame.Surface) -> None:
        notice = None
        if self.flow.screen is Screen.ROUTINE and self.player_problem:
            notice = f"The video cannot be played ({self.player_problem}). Keep walking safely."
        if notice:
            area = self.layout.content
            draw_text(
                surface,
                notice,
                pygame.Rect(area.left, area.top + 70, area.width, 200),
                self.layout.body_px,
                theme.PRIMARY,
            )

    def _view(self, now: float) -> WalkerView:
        routine = self.routine
        return WalkerView(
            screen=self.flow.screen,
            status=self.monitor.status,
            routine_title=routine.title if routine else "Walking backward",
            safety_points=routine.safety_points if routine else (),
            goal_text=self._home_facts(now)[0] if self.flow.screen is Screen.HOME else "",
            profiles=self._home_facts(now)[1] if self.flow.screen is Screen.HOME else (),
            profile_id=self.profile_id,
            ready_progress=self.flow.ready_progress(now),
            countdown_left=self.flow.countdown_left(now),
            player=self.player,
            chapters=[(c.start_s, c.title) for c in routine.chapters] if routine else (),
            fault_acknowledged=self.flow.fault_acknowledged,
            safety_page=self.flow.safety_page,
            end=self.end_summary,
            armed=self.monitor.armed,
            buzzer_sounding=self.buzzer.sounding,
            hold_remaining_s=self.buzzer.hold_remaining_s,
            notices=self._home_notices() if self.flow.screen is Screen.HOME else (),
        )

    # -- the log's view of the walker ---------------------------------------------------------

    def _first_profile(self) -> int:
        try:
            profiles = self.store.profiles()
            return profiles[0].id if profiles else self.store.ensure_profile("Walker")
        except Exception:
            log.exception("cannot read the walkers from the session log")
            return 1

    def _profiles(self) -> list[tuple[int, str]]:
        try:
            return [(p.id, p.name) for p in self.store.profiles()]
        except Exception:
            return []

    def _goal_text(self) -> str:
        try:
            summary = self.store.weekly_summary(self.profile_id, weeks=1)
        except Exception:
            return ""
        if summary is None:
            return ""
        goal = summary.profile
        week = summary.weeks[-1] if summary.weeks else None
        today = f"Today's goal: {goal.goal_minutes} minutes"
        if week is None or week.monday > date.today():
            return today
        return (
            f"{today}. This week: {week.days_walked} of {goal.goal_days} days, "
            f"{week.minutes_walked:.0f} minutes."
        )

    def _next_goal(self) -> str:
        try:
            suggestion = suggest_for(self.store, self.profile_id)
            summary = self.store.weekly_summary(self.profile_id, weeks=1)
        except Exception:
            log.exception("cannot read the walker's goal from the session log")
            return ""
        if suggestion.suggest:
            return "You are ready for a longer routine: ask your caregiver."
        if summary is None:
            return ""
        return (
            f"Next goal: {summary.profile.goal_minutes} minutes, "
            f"{summary.profile.goal_days} days a week."
        )
