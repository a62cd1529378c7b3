"""The safety loop in a terminal, until the touchscreen arrives: distance, zone, alarm.

With a simulated sensor, keys move the walker and break the sensor. Without a terminal
(a pipe, CI), a short scripted walk runs and its events are printed.
"""

from __future__ import annotations

import curses
import sys
import time
from typing import Any

from kiosk.safety.monitor import SafetyEvent, SafetyStatus

KEYS_HELP = "←/→ walker  f: no target  u: unplug/replug  s: stuck  q: quit"


def run_terminal(parts: Any) -> int:
    """Show the safety loop of `parts` (bootstrap.SafetyParts; armed: the alarm sounds) until
    the user quits."""
    events: list[SafetyEvent] = []
    parts.monitor.add_listener(events.append)
    result = parts.start(armed=True)
    try:
        if sys.stdin.isatty() and sys.stdout.isatty():
            curses.wrapper(_screen, parts, events, result.message)
        else:
            _scripted(parts, events, result.message)
    finally:
        parts.close()
    return 0


def _scripted(parts: Any, events: list[SafetyEvent], self_test: str) -> None:
    print(f"self-test: {self_test}")
    sim = parts.simulation
    if sim is None:
        print("no terminal: watching the real sensor for 10 s")
        steps: list[tuple[float, Any]] = [(10.0, None)]
    else:
        print("no terminal: a scripted walk (in reach, drifts out, comes back, unplug, replug)")
        steps = [(1.5, 450.0), (1.5, 720.0), (1.5, 480.0), (1.0, "unplug"), (1.5, "replug")]
    start = time.monotonic()
    shown = 0
    for seconds, action in steps:
        if sim is not None and isinstance(action, float):
            sim.walker.move_to(action)
        elif sim is not None and action in ("unplug", "replug"):
            sim.toggle_unplugged()
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            time.sleep(0.05)
            for event in events[shown:]:
                distance = "-" if event.distance_mm is None else f"{event.distance_mm} mm"
                print(f"{event.t - start:6.2f} s  {event.kind:<9}  {event.reason}  ({distance})")
            shown = len(events)
    print(_status_line(parts.monitor.status, parts))


def _status_line(status: SafetyStatus, parts: Any) -> str:
    distance = "nothing in range" if status.distance_mm is None else f"{status.distance_mm} mm"
    state = f"FAULT: {status.fault}" if status.fault else status.zone.value
    buzzer = "ON " if parts.buzzer.sounding else "off"
    return f"distance {distance:>16} | reach {status.reach_mm} mm | {state} | buzzer {buzzer}"


def _screen(window: Any, parts: Any, events: list[SafetyEvent], self_test: str) -> None:
    curses.curs_set(0)
    window.nodelay(True)
    curses.start_color()
    curses.init_pair(1, curses.COLOR_BLACK, curses.COLOR_GREEN)
    curses.init_pair(2, curses.COLOR_WHITE, curses.COLOR_RED)
    curses.init_pair(3, curses.COLOR_BLACK, curses.COLOR_YELLOW)
    sim = parts.simulation
    while True:
        key = window.getch()
        if key in (ord("q"), 27):
            return
        if sim is not None:
            _handle_key(key, sim)
        _draw(window, parts, events, self_test)
        time.sleep(0.03)


def _handle_key(key: int, sim: Any) -> None:
    if key == curses.KEY_RIGHT:
        sim.walker.move_by(25.0)
    elif key == curses.KEY_LEFT:
        sim.walker.move_by(-25.0)
    elif key == ord("f"):
        sim.toggle_walked_off()
    elif key == ord("u"):
        sim.toggle_unplugged()
    elif key == ord("s"):
        sim.toggle_stuck()


def _draw(window: Any, parts: Any, events: list[SafetyEvent], self_test: str) -> None:
    status = parts.monitor.status
    height, width = window.getmaxyx()
    window.erase()
    title = "balance-kiosk: safety loop" + (" (SIMULATED)" if parts.simulation else "")
    window.addnstr(0, 0, title, width - 1, curses.A_BOLD)
    window.addnstr(1, 0, f"self-test: {self_test}", width - 1)
    if status.fault:
        colour, banner = 3, f" SENSOR FAULT: {status.fault} "
    elif status.alarm:
        colour, banner = 2, " OUT OF REACH: step back to the support "
    else:
        colour, banner = 1, " within reach "
    window.addnstr(3, 0, banner.ljust(min(width - 1, 60)), width - 1, curses.color_pair(colour))
    window.addnstr(5, 0, _status_line(status, parts), width - 1)
    window.addnstr(6, 0, _gauge(status, min(width - 2, 70)), width - 1)
    active = ", ".join(p.name.lower() for p in sorted(parts.buzzer.active, reverse=True))
    window.addnstr(7, 0, f"alarm patterns active: {active or 'none'}", width - 1)
    if parts.simulation:
        sim = parts.simulation
        walker = sim.walker.distance_at(0.0)
        where = "gone (no target)" if walker is None else f"{walker:.0f} mm"
        chip = "unplugged" if sim.chip.unplugged else "stuck" if sim.chip.stuck else "ok"
        window.addnstr(9, 0, f"simulated walker at {where}; sensor {chip}", width - 1)
        window.addnstr(10, 0, KEYS_HELP, width - 1, curses.A_DIM)
    for row, event in enumerate(events[-max(0, height - 13) :], start=12):
        distance = "-" if event.distance_mm is None else f"{event.distance_mm} mm"
        window.addnstr(row, 0, f"{event.kind:<9} {event.reason} ({distance})", width - 1)
    window.refresh()


def _gauge(status: SafetyStatus, width: int) -> str:
    """A bar from the support (left) to 1200 mm, with the reach line marked."""
    scale = 1200 / width
    cells = ["-"] * width
    reach = min(width - 1, int(status.reach_mm / scale))
    cells[reach] = "|"
    if status.distance_mm is not None:
        cells[min(width - 1, int(status.distance_mm / scale))] = "@"
    return "support [" + "".join(cells) + "]"
