"""`balance-kiosk run`: the kiosk, or a scripted session, or the safety loop in a terminal."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.cli.options import add_command
from kiosk.paths import DataFolder
from kiosk.service.exit_status import CONFIG_REFUSED, NO_SCREEN
from kiosk.settings import ConfigError, LiveSettings, load_settings, load_with_overrides
from kiosk.sim.scripts import SCRIPTS
from kiosk.wording import plural

NO_DISPLAY_SCRIPT = "drift"
WINDOW_SIZE = (1024, 600)  # a window's size unless --size says otherwise


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "run", help="run the kiosk")
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="the emulated sensor, a simulated walker and mock GPIO pins",
    )
    parser.add_argument("--windowed", action="store_true", help="a window, not full screen")
    width, height = WINDOW_SIZE
    parser.add_argument(
        "--size", metavar="WxH", default=None, help=f"window size (default {width}x{height})"
    )
    parser.add_argument(
        "--headless", action="store_true", help="no screen or sound card: SDL's dummy drivers"
    )
    parser.add_argument(
        "--script", metavar="NAME", help=f"play a scripted session: {', '.join(SCRIPTS)}"
    )
    parser.add_argument(
        "--screenshots", metavar="DIR", type=Path, help="save a screenshot of every screen here"
    )
    parser.add_argument(
        "--terminal", action="store_true", help="show only the safety loop in the terminal"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """The kiosk; a refused settings file exits with its own status (systemd does not
    restart the kiosk for it: editing the file is what helps)."""
    try:
        return _run(args)
    except ConfigError as error:
        print(f"balance-kiosk: {error}", file=sys.stderr)
        return CONFIG_REFUSED


def _run(args: argparse.Namespace) -> int:
    from kiosk import bootstrap  # the real parts, only once they are needed

    if args.terminal:
        from kiosk.sim.terminal import run_terminal

        settings = load_settings(args.config)
        return run_terminal(bootstrap.build_safety(settings, simulate=args.simulate))
    flags = _flags(args)
    if flags.script and flags.script not in SCRIPTS:
        print(
            f"balance-kiosk run: unknown script {flags.script!r}; use one of {', '.join(SCRIPTS)}",
            file=sys.stderr,
        )
        return 2
    if flags.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    data = _data_folder(args, scripted=flags.script is not None).create()
    try:
        settings = LiveSettings(
            load_with_overrides(args.config, data.settings_overrides), data.settings_overrides
        )
    except ConfigError as error:
        return cannot_start(
            flags, "The settings cannot be used", str(error), CONFIG_FIX, CONFIG_REFUSED
        )
    problem = None if flags.headless else _screen_problem()
    if problem:
        from kiosk.service.no_screen import console_from_stdin, report_no_screen
        from kiosk.service.systemd import SdNotifier

        notifier = SdNotifier()
        console = console_from_stdin() if notifier.enabled else None
        report_no_screen(problem, notifier=notifier, console=console)
        return NO_SCREEN
    try:
        kiosk = bootstrap.build_kiosk(settings, data, flags)
    except bootstrap.KioskBuildError as error:
        return cannot_start(flags, "The sensor or the buzzer cannot be set up", str(error), "")
    from kiosk.service.lifecycle import serve

    try:
        code = serve(kiosk)
    finally:
        kiosk.end_walk()
        if kiosk.runner is not None and flags.script:
            _print_summary(kiosk)
        kiosk.close()
    return code


CONFIG_FIX = "Correct it, then restart: sudo systemctl restart balance-kiosk"


def cannot_start(flags: Any, title: str, message: str, fix: str, status: int = 2) -> int:
    """Say why the kiosk cannot start: on standard error (the journal), and on the screen
    unless it is headless. Returns the exit status it is given."""
    print(f"balance-kiosk run: {message}", file=sys.stderr)
    if flags.headless or flags.script:
        return status
    import pygame

    from kiosk.screens.display import open_display
    from kiosk.screens.problem import ProblemScreen
    from kiosk.service.lifecycle import serve_problem

    try:
        display = open_display(flags.size, windowed=flags.windowed)
    except pygame.error as error:
        print(f"balance-kiosk run: no screen to show it on either ({error})", file=sys.stderr)
        return status
    serve_problem(ProblemScreen(display, title, message, fix, flags.screenshots))
    pygame.quit()
    return status


def _flags(args: argparse.Namespace) -> Any:
    from kiosk.bootstrap import KioskFlags

    script, screenshots, headless = args.script, args.screenshots, args.headless
    if args.windowed and _no_screen() and not headless and not script:
        # `make run` on a machine without a desktop: show what the kiosk does anyway.
        script, headless = NO_DISPLAY_SCRIPT, True
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        screenshots = screenshots or DataFolder.choose(args.data_dir).screenshots(stamp)
        print(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset): playing the "
            f"'{script}' session headless; screenshots go to {screenshots}/"
        )
    return KioskFlags(
        simulate=args.simulate,
        windowed=args.windowed,
        headless=headless,
        size=_window_size(args.size) or WINDOW_SIZE,
        script=script,
        screenshots=screenshots,
    )


def _no_screen() -> bool:
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    return os.environ.get("SDL_VIDEODRIVER") in (None, "x11", "wayland") and not has_display


def _screen_problem() -> str | None:
    """Why no screen can be opened, in one line; None when one can.

    Asked before anything starts: SDL falls back to a picture in memory (its offscreen driver)
    when the display it was given does not answer, and the kiosk would run on unseen."""
    import pygame

    asked = os.environ.get("SDL_VIDEODRIVER", "").strip()
    try:
        pygame.display.init()
    except pygame.error as error:
        return (
            f"the screen cannot be opened ({error}). Check that it is connected and that no "
            "desktop holds it; 'balance-kiosk doctor' checks the display."
        )
    driver = pygame.display.get_driver()
    if driver not in ("offscreen", "dummy") or driver == asked:
        return None
    pygame.display.quit()
    named = [f"{k}={os.environ[k]}" for k in ("DISPLAY", "WAYLAND_DISPLAY") if os.environ.get(k)]
    if named:
        where = f"nothing answers at {' or '.join(named)}. Start that desktop or correct it"
    else:
        where = "neither DISPLAY nor WAYLAND_DISPLAY is set. Start a desktop"
    return f"no screen to show the kiosk on: {where}, or add --headless to run without a screen."


def _data_folder(args: argparse.Namespace, *, scripted: bool) -> DataFolder:
    if scripted and args.data_dir is None:
        # A scripted session must not mix into a real walker's log.
        return DataFolder(Path(tempfile.mkdtemp(prefix="balance-kiosk-script-")))
    return DataFolder.choose(args.data_dir)


def _window_size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"balance-kiosk run: --size {text!r} is not WIDTHxHEIGHT") from None
    return width, height


def _print_summary(kiosk: Any) -> None:
    """One line per session of the run, whatever became of the log file meanwhile (the
    store answers for this run's sessions from memory), then the screenshots."""
    store, runner = kiosk.store, kiosk.runner
    store.flush()
    print(f"session log: {kiosk.data.sessions_db}")
    unsaved = store.unsaved_sessions()
    for session_id in kiosk.walk.sessions:
        print(_session_line(store, session_id, unsaved))
    for path in runner.shots:
        print(f"screenshot: {path}")
    if runner.failure:
        print(f"script failed: {runner.failure}", file=sys.stderr)


def _session_line(store: Any, session_id: int, unsaved: set[int]) -> str:
    try:
        detail = store.session_detail(session_id)
    except Exception as error:  # the log may be unreadable; the line says so
        return f"session {session_id}: could not be read back from the log ({error})"
    if detail is None:
        return f"session {session_id}: not found in the log"
    s = detail.session
    note = ""
    if store.in_memory:
        note = " (kept in memory only, NOT saved: see the log's problems above)"
    elif s.id in unsaved:
        note = " (not saved to the log yet: see the log's problems above)"
    return (
        f"session {s.id}: {s.minutes_walked:.1f} min walked, "
        f"{plural(s.reminders, 'reminder')}, "
        f"longest out of reach {s.longest_out_of_reach_s:.1f} s, "
        f"{plural(s.faults, 'sensor fault')}, ended {s.ended_how}{note}"
    )
