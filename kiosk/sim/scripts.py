"""Scripted sessions for tests, docs and a computer without a screen.

A script is a list of steps; each waits, then acts the way a walker or caregiver would:
tapping the real buttons, moving the simulated walker, unplugging the emulated sensor.
A screenshot of every screen is saved as it appears.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCRIPT_PIN = "2468"  # the scripted sessions' caregiver PIN, in their own data folder


@dataclass(frozen=True)
class ScriptContext:
    """What a step acts on: the kiosk's screens, and the simulated walker and sensor."""

    app: Any
    sim: Any  # a Simulation: scripts run on the simulator only


Action = Callable[[ScriptContext], bool | None]  # True: play this step again after its wait


@dataclass(frozen=True)
class Step:
    wait_s: float
    describe: str
    act: Action


def tap(action: str) -> Action:
    return lambda ctx: ctx.app.tap(action)


def walker_at(distance_mm: float | None) -> Action:
    return lambda ctx: ctx.sim.walker.move_to(distance_mm)


def unplug(ctx: ScriptContext) -> None:
    ctx.sim.chip.unplug()


def replug(ctx: ScriptContext) -> None:
    ctx.sim.chip.replug()


def skip_to_end(ctx: ScriptContext) -> None:
    """Fast-forward to the last seconds of the video, as if the walker had walked it all."""
    player = ctx.app.walk.player
    if player is not None:
        player.seek(max(0.0, player.duration_s - 3.0))


def skip_to_walking(ctx: ScriptContext) -> None:
    """Fast-forward past the talking parts to the first part walked beside the support."""
    walk = ctx.app.walk
    if walk.player is None or walk.routine is None:
        return
    walking = [c for c in walk.routine.chapters if c.walking]
    if walking:
        walk.player.seek(walking[0].start_s + 0.5)


def enter_pin(pin: str) -> Action:
    def act(ctx: ScriptContext) -> None:
        for digit in pin:
            ctx.app.tap(f"digit:{digit}")
        ctx.app.tap("enter")

    return act


def open_caregiver(ctx: ScriptContext) -> None:
    """The caregiver's 3-second press on the top-left corner."""
    ctx.app.caregiver.show(corner_press=True)


def nothing(ctx: ScriptContext) -> None:
    """A step that only waits."""


def read_safety_points(ctx: ScriptContext) -> bool:
    """Tap Next while there is another page of safety points, then 'I am holding on'.
    Returns True to be played again after its wait (the next page is drawn meanwhile)."""
    if any(b.action == "more" for b in ctx.app.buttons):
        ctx.app.tap("more")
        return True
    ctx.app.tap("holding")
    return False


_START = [
    Step(1.0, "tap Start", tap("start")),
    Step(1.0, "read the safety points and tap 'I am holding on'", read_safety_points),
]
# Past the talking parts to the walking: a ready check at the support, then walking, armed.
_WALKING = [
    *_START,
    Step(3.0, "skip to the walking part", skip_to_walking),
    Step(3.5, "hold the support for the check", nothing),
]

SCRIPTS: dict[str, list[Step]] = {
    "walk": [
        Step(0.5, "walker stands within reach", walker_at(450.0)),
        *_START,
        Step(4.0, "routine plays", nothing),
        Step(4.0, "skip to the last seconds", skip_to_end),
        Step(6.0, "tap Done", tap("done")),
        Step(1.0, "end", nothing),
    ],
    "drift": [
        Step(0.5, "walker stands within reach", walker_at(450.0)),
        *_WALKING,
        Step(2.0, "walker drifts out of reach", walker_at(760.0)),
        Step(3.0, "walker comes back", walker_at(460.0)),
        Step(5.0, "tap Pause", tap("pause")),
        Step(1.5, "tap Resume", tap("resume")),
        Step(3.5, "tap Stop", tap("stop")),
        Step(2.0, "tap Done", tap("done")),
        Step(0.5, "end", nothing),
    ],
    "rest": [
        Step(0.5, "walker stands within reach", walker_at(450.0)),
        *_WALKING,
        Step(3.0, "tap Pause: a rest", tap("pause")),
        Step(1.0, "walker steps away and sits down", walker_at(1500.0)),
        Step(5.0, "walker comes back to the support", walker_at(450.0)),
        Step(1.5, "tap Resume", tap("resume")),
        Step(3.5, "the check passes: walking again", nothing),
        Step(3.0, "skip to the last seconds", skip_to_end),
        Step(6.0, "tap Done", tap("done")),
        Step(1.0, "end", nothing),
    ],
    "unplug": [
        Step(0.5, "walker stands within reach", walker_at(450.0)),
        *_WALKING,
        Step(2.0, "sensor unplugged", unplug),
        Step(2.0, "sensor plugged back", replug),
        Step(1.5, "caregiver taps OK", tap("acknowledge")),
        Step(1.0, "caregiver enters the PIN", enter_pin(SCRIPT_PIN)),
        Step(1.0, "caregiver acknowledges", tap("acknowledge")),
        Step(5.0, "tap Stop", tap("stop")),
        Step(2.0, "tap Done", tap("done")),
        Step(0.5, "end", nothing),
    ],
    "caregiver": [
        Step(0.5, "open the caregiver area", open_caregiver),
        Step(1.0, "enter the PIN", enter_pin(SCRIPT_PIN)),
        Step(1.0, "settings", tap("page:settings")),
        Step(1.0, "back", tap("page:menu")),
        Step(0.5, "calibrate", tap("page:calibrate")),
        Step(1.0, "back", tap("page:menu")),
        Step(0.5, "sessions", tap("page:sessions")),
        Step(1.0, "back", tap("page:menu")),
        Step(0.5, "weekly", tap("page:weekly")),
        Step(1.0, "back", tap("page:menu")),
        Step(0.5, "close", tap("close")),
        Step(0.5, "end", nothing),
    ],
}


BUTTON_PATIENCE_S = 8.0


class ScriptRunner:
    """A frame hook that plays a script and photographs each new screen."""

    def __init__(self, steps: list[Step], screenshots: Path | None, start: float, sim: Any) -> None:
        self.steps = list(steps)
        self.sim = sim
        self.screenshots = screenshots
        self.done = False
        self.failure: str | None = None
        self.shots: list[Path] = []
        self._next_at = start + self.steps[0].wait_s if self.steps else start
        self._last_screen: str | None = None
        self._shoot_at: float | None = None
        self._waiting_since: float | None = None  # when the step's button was first missing
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)

    def __call__(self, app: Any, now: float) -> None:
        screen = app.current_screen
        if screen == "before_start" and app.flow.safety_page:
            screen = f"before_start-{app.flow.safety_page + 1}"
        if screen != self._last_screen:
            self._last_screen = screen
            self._shoot_at = now + 0.7  # let the video show a picture first
        if self._shoot_at is not None and now >= self._shoot_at:
            self._shoot_at = None
            self._screenshot(app, screen)
        if not self.steps or now < self._next_at:
            return
        step = self.steps.pop(0)
        if not self._play(step, app, now):
            return
        if self.steps:
            self._next_at = now + self.steps[0].wait_s
        else:
            self.done = True
            app.stop()

    def _play(self, step: Step, app: Any, now: float) -> bool:
        """Do `step`; False while it waits for its button. A person waits for a screen that
        comes late (a loaded machine), so a missing button is a failure only after
        BUTTON_PATIENCE_S."""
        if self._waiting_since is None:
            log.info("script: %s", step.describe)
        try:
            if step.act(ScriptContext(app, self.sim)):
                self.steps.insert(0, step)
        except LookupError as error:
            if self._waiting_since is None:
                self._waiting_since = now
            if now - self._waiting_since < BUTTON_PATIENCE_S:
                self.steps.insert(0, step)
                return False
            self.failure = f"step '{step.describe}' failed: {error}"
            self.steps.clear()
        self._waiting_since = None
        return True

    def _screenshot(self, app: Any, screen: str) -> None:
        if self.screenshots is None:
            return
        import pygame

        path = self.screenshots / f"{len(self.shots) + 1:02d}-{screen}.png"
        pygame.image.save(app.display, str(path))
        self.shots.append(path)
