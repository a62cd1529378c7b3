"""`balance-kiosk run`: build the real parts from the settings and run the screen loop.

This and kiosk/wiring.py are the only places that choose the real parts.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.settings import Settings, load_settings, save_override

log = logging.getLogger(__name__)

WINDOW_SIZE = (1024, 600)
SCREENSHOT_PIN = "2468"  # the scripted sessions' caregiver PIN, in their own data folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="the emulated sensor, a simulated walker and mock GPIO pins",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="where session logs are kept")
    parser.add_argument("--windowed", action="store_true", help="a window, not full screen")
    parser.add_argument(
        "--size",
        metavar="WxH",
        default=None,
        help=f"window size (default {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]})",
    )
    parser.add_argument(
        "--headless", action="store_true", help="no screen or sound card: SDL's dummy drivers"
    )
    parser.add_argument(
        "--script", metavar="NAME", help="play a scripted session: walk, drift, unplug or caregiver"
    )
    parser.add_argument(
        "--screenshots", metavar="DIR", type=Path, help="save a screenshot of every screen here"
    )
    parser.add_argument(
        "--terminal", action="store_true", help="show only the safety loop in the terminal"
    )


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    if args.terminal:
        from kiosk.sim.terminal import run_terminal

        return run_terminal(load_settings(args.config), simulate=args.simulate)
    script, screenshots = args.script, args.screenshots
    no_screen = os.environ.get("SDL_VIDEODRIVER") in (None, "x11", "wayland") and not (
        _has_display()
    )
    if args.windowed and no_screen and not args.headless and not script:
        # `make run` on a machine without a desktop: show what the kiosk does anyway.
        script = "drift"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        screenshots = screenshots or Path(args.data_dir or "data") / f"screenshots-{stamp}"
        args.headless = True
        print(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset): playing the 'drift' "
            f"session headless; screenshots go to {screenshots}/"
        )
    if script and script not in _scripts():
        print(
            f"balance-kiosk run: unknown script {script!r}; use one of {', '.join(_scripts())}",
            file=sys.stderr,
        )
        return 2
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    data_dir = _data_dir(args, scripted=bool(script))
    return _run_kiosk(args, data_dir, script, screenshots)


def _scripts() -> list[str]:
    from kiosk.sim.scripts import SCRIPTS

    return list(SCRIPTS)


def _data_dir(args: argparse.Namespace, *, scripted: bool) -> Path:
    from kiosk.paths import DataFolder

    if scripted and args.data_dir is None:
        # A scripted session must not mix into a real walker's log.
        return Path(tempfile.mkdtemp(prefix="balance-kiosk-script-"))
    return DataFolder.choose(args.data_dir).create().path


def _run_kiosk(
    args: argparse.Namespace, data_dir: Path, script: str | None, screenshots: Path | None
) -> int:
    import pygame

    from kiosk.access.pin_lock import PinLock
    from kiosk.bootstrap import build_safety
    from kiosk.log.store import SessionStore
    from kiosk.screens.app import KioskApp
    from kiosk.screens.caregiver import CaregiverArea, CaregiverTools
    from kiosk.screens.display import Rotation
    from kiosk.service.systemd import SdNotifier, ServiceWatchdog, install_signal_handlers
    from kiosk.sim.panel import HEIGHT as PANEL_HEIGHT
    from kiosk.sim.panel import SimulatorPanel

    overrides = data_dir / "settings.toml"
    holder = _SettingsHolder(_settings_with_overrides(args.config, overrides), overrides)
    settings = holder.settings
    simulate = args.simulate or bool(script)
    store = SessionStore.open(data_dir / "sessions.db")
    pin = PinLock(data_dir / "caregiver_pin.json")
    if script and not pin.has_pin:
        pin.set_pin(SCREENSHOT_PIN)
    routine, routine_problem = _load_routine(settings["routine.name"])

    pygame.display.init()
    pygame.font.init()
    _init_sound()
    pygame.display.set_caption("balance-kiosk")
    pygame.mouse.set_visible(args.windowed or simulate)
    size = _window_size(args)
    try:
        parts = build_safety(settings, simulate=simulate)
    except Exception as error:  # a pin in use, no pin library, Blinka not set up...
        pygame.quit()
        store.close()
        print(
            f"balance-kiosk run: cannot set up the sensor or the buzzer: {error}. "
            f"Run 'balance-kiosk doctor' to see what to fix.",
            file=sys.stderr,
        )
        return 2
    show_panel = parts.simulation is not None and args.windowed and not args.headless
    if args.windowed or args.headless:
        display = pygame.display.set_mode((size[0], size[1] + (PANEL_HEIGHT if show_panel else 0)))
    else:
        display = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        size = display.get_size()
    rotation = Rotation(settings["display.rotation"], size)
    monitor, buzzer = parts.monitor, parts.buzzer
    result = monitor.self_test()
    log.info("self-test: %s", result.message)
    monitor.disarm()  # nobody walks yet
    monitor.start()

    app_holder: dict[str, Any] = {}

    def save_setting(key: str, value: Any) -> str:
        return holder.save(key, value, monitor)

    tools = CaregiverTools(
        pin=pin,
        monitor=monitor,
        buzzer=buzzer,
        store=store,
        settings=lambda: holder.settings,
        save_setting=save_setting,
        export_to_usb=lambda: _export(store),
        acknowledge_fault=lambda: app_holder["app"].acknowledge_fault(),
        fault_pending=lambda: app_holder["app"].fault_pending(),
    )
    simulator = None
    if parts.simulation is not None:
        simulator = SimulatorPanel(parts.simulation, display, size[1]) if show_panel else None
    app = KioskApp(
        display=display,
        rotation=rotation,
        monitor=monitor,
        buzzer=buzzer,
        store=store,
        routine=routine,
        routine_problem=routine_problem,
        caregiver=CaregiverArea(tools),
        make_player=_player_factory(),
        simulator=simulator,
    )
    app_holder["app"] = app
    if parts.simulation is not None and simulator is None:
        app.simulator = _Headless(parts.simulation)
    runner = None
    if script:
        from kiosk.sim.scripts import SCRIPTS, ScriptRunner

        runner = ScriptRunner(SCRIPTS[script], screenshots, time.monotonic())
        app.hooks.append(runner)
    elif screenshots:
        from kiosk.sim.scripts import ScriptRunner

        app.hooks.append(ScriptRunner([], screenshots, time.monotonic()))
    notifier = SdNotifier()
    install_signal_handlers(lambda: (notifier.stopping("stopping"), app.stop()))
    watchdog = ServiceWatchdog(notifier, {"safety thread": lambda: monitor.alive})
    # A ping proves the screen loop turns (it ticks once a frame) and the safety thread lives.
    app.hooks.append(lambda _app, _now: watchdog.tick())
    app.frame([])  # the screen is up
    notifier.ready(result.message)
    try:
        app.run()
    finally:
        if app.flow.walking:
            from kiosk.walk.flow import Ending

            app.finish_routine(Ending.STOPPED)
        parts.close()
        if runner is not None:
            _print_summary(store, data_dir, runner, app.sessions)
        store.close()
        pygame.quit()
    return 1 if runner is not None and runner.failure else 0


def _settings_with_overrides(config: Path | None, overrides: Path) -> Settings:
    """The caregiver's saved changes spoilt (a power cut mid-write, a hand edit) must not
    keep the kiosk from starting: set the file aside, start with config.toml, log why."""
    from kiosk.settings import ConfigError

    try:
        return load_settings(config, overrides)
    except ConfigError as error:
        if not overrides.exists() or str(overrides) not in str(error):
            raise
        aside = overrides.with_name(f"{overrides.name}.unreadable-{datetime.now():%Y%m%dT%H%M%S}")
        overrides.replace(aside)
        log.error("%s; kept it as %s and started without the screen's changes", error, aside)
        return load_settings(config)


class _Headless:
    """The simulator's handles without its on-screen strip (headless scripted sessions)."""

    def __init__(self, simulation: Any) -> None:
        self.simulation = simulation

    def owns(self, point: tuple[int, int]) -> bool:
        return False

    def handle(self, event: Any) -> bool:
        return False

    def update(self, buzzer_on: bool) -> None:
        pass


class _SettingsHolder:
    """The settings in force, and the caregiver's changes saved to the data folder."""

    def __init__(self, settings: Settings, overrides: Path) -> None:
        self.settings = settings
        self.overrides = overrides

    def save(self, key: str, value: Any, monitor: Any) -> str:
        from kiosk.safety.reach import ReachRule

        self.settings = save_override(self.overrides, self.settings, key, value)
        if key.startswith("safety."):
            monitor.set_rule(
                ReachRule(
                    self.settings["safety.reach_mm"],
                    self.settings["safety.margin_mm"],
                    self.settings["safety.alarm_delay_readings"],
                )
            )
            return f"Saved: {key} = {value}. In use now."
        return f"Saved: {key} = {value}. Restart the kiosk to use it."


def _window_size(args: argparse.Namespace) -> tuple[int, int]:
    if not args.size:
        return WINDOW_SIZE
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise SystemExit(f"balance-kiosk run: --size {args.size!r} is not WIDTHxHEIGHT") from None
    return width, height


def _init_sound() -> None:
    import pygame

    from kiosk.player.sound import init_mixer

    try:
        init_mixer()
    except pygame.error as error:
        # The buzzer is the alarm; the speakers are a nicety. Go on without them.
        log.warning("no sound output (%s): the routine plays silently", error)


def _load_routine(name: str) -> tuple[Any, str | None]:
    from kiosk.player.routine import RoutineError, find_routine, load_routine

    try:
        return load_routine(find_routine(name)), None
    except RoutineError as error:
        log.error("%s", error)
        return None, f"The routine cannot be loaded: {error}"


def _player_factory():
    from kiosk.player.player import RoutinePlayer

    return RoutinePlayer.from_routine


def _export(store: Any) -> str:
    from kiosk.log.export import ExportError, export_to_usb

    try:
        path = export_to_usb(store)
    except ExportError as error:
        return f"Export failed: {error}"
    if path is None:
        return "No USB stick found. Plug one in and try again."
    return f"Exported to the USB stick as {path.name}."


def _print_summary(store: Any, data_dir: Path, runner: Any, sessions: list[int]) -> None:
    store.flush()
    print(f"session log: {data_dir / 'sessions.db'}")
    details = [store.session_detail(session_id) for session_id in sessions]
    for s in (d.session for d in details if d is not None):
        print(
            f"session {s.id}: {s.minutes_walked:.1f} min walked, {s.reminders} reminders, "
            f"longest out of reach {s.longest_out_of_reach_s:.1f} s, "
            f"{s.faults} sensor faults, ended {s.ended_how}"
        )
    for path in runner.shots:
        print(f"screenshot: {path}")
    if runner.failure:
        print(f"script failed: {runner.failure}", file=sys.stderr)
