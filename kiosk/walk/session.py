"""What the walker's flow sets in motion: the alarm armed, the routine playing, the record kept.

`WalkSession` is the one object behind the flow's `FlowEffects`. The flow decides *when* (a
ready check passed, the walker came back); this decides *what happens*: arm the safety monitor
first, start the player, open the session in the log, and at the end disarm, close the player
and say how it went. The screens only read from it (the player to draw, the end summary).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kiosk.vocabulary import Ending, EventKind
from kiosk.walk.goals import next_goal_text
from kiosk.walk.recorder import SessionRecorder
from kiosk.walk.walkers import WalkerChoice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EndSummary:
    """What the end screen tells the walker."""

    minutes_walked: float
    reminders: int
    ending: Ending
    next_goal: str
    video_failed: bool = False  # the walk ended because the video stopped working


class VideoState(Enum):
    PLAYING = "playing"  # or no video at all
    ENDED = "ended"
    FAILED = "failed"  # the video broke mid-routine


class WalkSession:
    """Implements the flow's effects on the real parts (each passed in)."""

    def __init__(
        self,
        *,
        monitor: Any,
        buzzer: Any,
        recorder: SessionRecorder,
        walkers: WalkerChoice,
        routine: Any,
        make_player: Callable[[Any], Any],
        routine_problem: str | None = None,
    ) -> None:
        self.monitor = monitor
        self.buzzer = buzzer
        self.recorder = recorder
        self.walkers = walkers
        self.routine = routine  # None when it could not be loaded, and then:
        self.routine_problem = routine_problem  # why, in words for the home screen
        self.make_player = make_player
        self.player: Any = None
        self.player_problem: str | None = None
        self.end: EndSummary | None = None
        self.sessions: list[int] = []  # the sessions this run recorded
        self._chapter_index: int | None = None
        self._next_routine: tuple[Any, str | None] | None = None

    # -- FlowEffects ----------------------------------------------------------------------------

    def start_routine(self, from_chapter: int | None = None) -> None:
        """Open the session and start the video (at a chapter, after a restart)."""
        self.player_problem = None
        self._chapter_index = None
        self._start_player(from_chapter)
        routine = self.routine
        name = routine.folder.name if routine else "none"
        level = routine.level if routine else 1
        session = self.recorder.start(self.walkers.current, name, level)
        if session is not None:
            self.sessions.append(session)

    def use_routine(self, routine: Any, problem: str | None) -> None:
        """Another routine (a caregiver chose it): now, or after the walk under way."""
        self._next_routine = (routine, problem)
        if self.player is None:
            self._take_next_routine()

    def _take_next_routine(self) -> None:
        if self._next_routine is not None:
            self.routine, self.routine_problem = self._next_routine
            self._next_routine = None

    def arm(self) -> None:
        self.monitor.arm()
        self.buzzer.end_hold()  # a hold from before does not carry into the walk

    def disarm(self) -> None:
        self.monitor.disarm()

    def remind(self) -> None:
        self.buzzer.chirp()

    def pause_video(self, reason: str) -> None:
        if self.player is not None:
            self.player.pause()
        self.recorder.note(EventKind.PAUSE, reason)

    def resume_video(self, rewind_s: float) -> None:
        if self.player is not None:
            self.player.resume(rewind_s=rewind_s)
        self.recorder.note(EventKind.RESUME)

    def finish_routine(self, ending: Ending) -> None:
        self.monitor.disarm()
        self.buzzer.end_hold()
        failed = self._video_failed()
        self._close_player()
        self._take_next_routine()
        why = f"{ending}: the video stopped working ({self.player_problem})" if failed else ""
        totals = self.recorder.finish(ending, why)
        next_goal = next_goal_text(self.walkers.store, self.walkers.current)
        self.end = EndSummary(totals.minutes_walked, totals.reminders, ending, next_goal, failed)

    # -- the player, once a frame ---------------------------------------------------------------

    def update_player(self) -> VideoState:
        """Move the video on, and say whether it has ended, or broken."""
        player = self.player
        if player is None:  # no video: it could not even start
            return VideoState.FAILED if self.player_problem else VideoState.PLAYING
        player.update()
        if player.error is not None and self.player_problem is None:
            self.player_problem = str(player.error)
            log.error("the video broke mid-routine: %s", player.error)
        index = player.current_chapter_index
        if index is not None and index != self._chapter_index:
            self._chapter_index = index
            self.recorder.note(EventKind.CHAPTER, player.current_chapter.title)
        if player.error is not None:
            return VideoState.FAILED
        return VideoState.ENDED if player.ended else VideoState.PLAYING

    def _video_failed(self) -> bool:
        return self.player_problem is not None

    @property
    def walking_part(self) -> bool:
        """Whether the routine is at a part walked beside the support; True when unknown
        (no video, or a routine that does not say), so the alarm is armed."""
        player, routine = self.player, self.routine
        if player is None or routine is None:
            return True
        return routine.walking_at(player.position_s)

    def next_frame_in_s(self, longest: float) -> float | None:
        """How long until the video needs the screen again; None without a video."""
        return None if self.player is None else self.player.next_frame_in_s(longest=longest)

    def _start_player(self, from_chapter: int | None) -> None:
        routine = self.routine
        if routine is None:
            self.player_problem = "no routine could be loaded; a caregiver can check it"
            return
        try:
            self.player = self.make_player(routine)
            self.player.start()
            if from_chapter is not None and 0 <= from_chapter < len(routine.chapters):
                self.player.seek(routine.chapters[from_chapter].start_s)
        except Exception as error:  # a broken video must not stop the walk
            log.error("cannot play %s: %s", routine.video_path, error)
            self.player, self.player_problem = None, str(error)

    def _close_player(self) -> None:
        if self.player is not None:
            self.player.close()
            self.player = None
