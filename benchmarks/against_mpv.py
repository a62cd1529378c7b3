"""The routine player beside mpv on the same file, measured in one run, interleaved.

The figure is the CPU time (user + system) of each whole process, start-up included, as the
kernel counts it for a finished child. Three comparisons:

* headless, the issue's anchor: ``balance-kiosk play FILE --headless`` (SDL's dummy video and
  sound drivers) against ``mpv --vo=null --ao=null``. mpv's null output takes the decoded
  pictures and throws them away: mpv converts and draws nothing, while the player converts
  every picture into its (dummy) screen as it does on the kiosk. So this compares unequal
  work: the player's decoding, timing and sound plus the whole picture path against mpv's
  decoding, timing and sound alone.
* headless, the same work: the same run of the player against mpv drawing into the same kind
  of screen, SDL's dummy driver, through its SDL output (``--vo=sdl --sdl-sw``: SDL's
  software renderer; mpv hands it YUV pictures and SDL converts them).
* in a window under Xvfb: ``balance-kiosk play FILE`` on SDL's x11 driver, with the dummy
  sound driver, against ``mpv --vo=x11 --ao=null``. mpv's x11 output converts and scales in
  software (swscale) into an X shared-memory image, as SDL's x11 window surface does; its
  other outputs either need what Xvfb lacks (xv: an Xv adaptor) or go through Mesa's
  software OpenGL (gpu), which is not drawing in software into the window but emulating a
  GPU. The X server's own CPU time is printed beside, not counted.

Frames: the player's own counters (shown, dropped) and mpv's (frames played, dropped by
the output or the decoder, read by benchmarks/mpv_counters.lua when the length is reached).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTERS = Path(__file__).with_name("mpv_counters.lua")
MAX_RATIO = 1.0  # the player may use at most mpv's CPU on each path
AV_OFFSET_RANGE_MS = (-125.0, 45.0)  # the player's: audio late .. audio early
# The command each path needs, and the Debian package that has it.
TOOLS = {"mpv": "mpv", "Xvfb": "xvfb"}
PATHS = {
    "headless": "headless, mpv decoding only (SDL dummy drivers / mpv --vo=null --ao=null)",
    "dummy screen": (
        "headless, both drawing (SDL dummy drivers / mpv --vo=sdl --sdl-sw --ao=null on SDL's "
        "dummy drivers)"
    ),
    "x11": "window under Xvfb (SDL x11 / mpv --vo=x11 --ao=null)",
}
# mpv's options for each comparison; the player runs headless for the first two.
MPV_OUTPUTS = {
    "headless": ["--vo=null"],
    "dummy screen": ["--vo=sdl", "--sdl-sw"],  # the dummy driver has only the software renderer
    "x11": ["--vo=x11"],
}


def missing_packages() -> list[str]:
    """The Debian packages to install before the comparison can run."""
    return [package for command, package in TOOLS.items() if shutil.which(command) is None]


@dataclass
class Run:
    """One process's figures, in the same units for the player and for mpv."""

    cpu_s: float
    frames_shown: int
    frames_dropped: int
    av_min_ms: float
    av_max_ms: float
    played_s: float
    x_server_cpu_s: float = 0.0

    @property
    def cpu_ms_per_frame(self) -> float:
        """CPU per frame shown: a run that dropped frames under load did less work."""
        return 1000 * self.cpu_s / self.frames_shown if self.frames_shown else float("inf")


def player_command(video: Path, seconds: float, headless: bool) -> list[str]:
    command = [sys.executable, "-m", "kiosk.cli", "play", str(video), "--json"]
    return [*command, "--seconds", str(seconds), *(["--headless"] if headless else [])]


def mpv_command(video: Path, seconds: float, path: str) -> list[str]:
    return [
        "mpv",
        "--no-config",
        *MPV_OUTPUTS[path],
        "--ao=null",
        f"--length={seconds}",
        "--keep-open=yes",  # stop on the last frame so the counters can still be read
        f"--script={COUNTERS}",
        "--really-quiet",
        str(video),
    ]


def run_counted(command: list[str], env: dict[str, str]) -> tuple[str, str, float]:
    """Run `command` to its end: (stdout, stderr, CPU seconds of the process and its threads).

    The children's usage grows by exactly this child's once it has been waited for; nothing
    else is reaped meanwhile (the X server is a child too, but it runs until the end).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-500:]}")
    return result.stdout, result.stderr, cpu


def player_run(video: Path, seconds: float, env: dict[str, str], headless: bool) -> Run:
    stdout, _, cpu = run_counted(player_command(video, seconds, headless), env)
    figures = json.loads(stdout.strip().splitlines()[-1])
    return Run(
        cpu_s=cpu,
        frames_shown=figures["frames_shown"],
        frames_dropped=figures["frames_dropped"],
        av_min_ms=figures["av_offset_ms_min"],
        av_max_ms=figures["av_offset_ms_max"],
        played_s=figures["played_s"],
    )


def mpv_run(video: Path, seconds: float, env: dict[str, str], path: str) -> Run:
    _, stderr, cpu = run_counted(mpv_command(video, seconds, path), env)
    lines = [line for line in stderr.splitlines() if line.startswith("mpv-figures ")]
    if not lines:
        raise RuntimeError(f"mpv printed no counters: {stderr.strip()[-500:]}")
    figures = json.loads(lines[-1].removeprefix("mpv-figures "))
    dropped = figures["vo_dropped"] + figures["decoder_dropped"]
    return Run(
        cpu_s=cpu,
        frames_shown=figures["frames"] - dropped,
        frames_dropped=dropped,
        av_min_ms=figures["av_min_ms"],
        av_max_ms=figures["av_max_ms"],
        played_s=figures["played_s"],
    )


class VirtualScreen:
    """An Xvfb server of its own, on the first free display number, for the window path."""

    def __init__(self, size: str = "1920x1080x24") -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.close()
            raise RuntimeError("Xvfb did not start (it printed no display number)")
        self.display = f":{number}"

    def cpu_s(self) -> float:
        """The server's CPU time so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure_round(video: Path, seconds: float, screen: VirtualScreen) -> dict:
    """One round of every comparison: {path: {"ours": Run, "mpv": Run}}, mpv first on each.
    The two headless comparisons share the player's run: it is the same work for both."""
    plain = {k: v for k, v in os.environ.items() if not k.startswith("SDL_")}
    dummy = plain | {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    runs = {
        "headless": {"mpv": mpv_run(video, seconds, plain, "headless")},
        "dummy screen": {"mpv": mpv_run(video, seconds, dummy, "dummy screen")},
    }
    headless = player_run(video, seconds, plain, headless=True)
    runs["headless"]["ours"] = runs["dummy screen"]["ours"] = headless
    window = plain | {"DISPLAY": screen.display, "SDL_VIDEODRIVER": "x11"}
    window["SDL_AUDIODRIVER"] = "dummy"
    runs["x11"] = {}
    for name in ("mpv", "ours"):
        server_before = screen.cpu_s()
        runs["x11"][name] = (
            mpv_run(video, seconds, window, "x11")
            if name == "mpv"
            else player_run(video, seconds, window, headless=False)
        )
        runs["x11"][name].x_server_cpu_s = screen.cpu_s() - server_before
    return runs


def compare(video: Path, seconds: float, repeats: int) -> dict[str, dict[str, Run]] | None:
    """Best (least CPU per frame shown) of `repeats` interleaved rounds for each side of each
    path; None (after saying what to install) when mpv or Xvfb is missing."""
    missing = missing_packages()
    if missing:
        print(
            f"  player beside mpv: not measured; install {' and '.join(missing)} "
            f"(sudo apt-get install {' '.join(missing)}), then run make bench again"
        )
        return None
    screen = VirtualScreen()
    best: dict[str, dict[str, Run]] = {path: {} for path in PATHS}
    try:
        for _ in range(repeats):
            for path, runs in measure_round(video, seconds, screen).items():
                for name, run in runs.items():
                    kept = best[path].get(name)
                    if kept is None or run.cpu_ms_per_frame < kept.cpu_ms_per_frame:
                        best[path][name] = run
    finally:
        screen.close()
    return best


def print_comparison(best: dict[str, dict[str, Run]], seconds: float, repeats: int) -> None:
    print(
        f"  player beside mpv, {seconds:g} s played, CPU (user + system) of the whole process, "
        f"best of {repeats} interleaved rounds (least CPU per frame shown):"
    )
    for path, label in PATHS.items():
        print(f"    {label}:")
        for name in ("ours", "mpv"):
            run = best[path][name]
            server = f", X server {run.x_server_cpu_s:.2f} s" if path == "x11" else ""
            print(
                f"      {name:4s} {run.cpu_s:6.2f} s CPU, {run.cpu_ms_per_frame:5.2f} ms/frame  "
                f"{run.frames_shown} frames shown, "
                f"{run.frames_dropped} dropped, A/V {run.av_min_ms:+.0f}..{run.av_max_ms:+.0f} "
                f"ms, played {run.played_s:.2f} s{server}"
            )


def target_checks(best: dict[str, dict[str, Run]]) -> list[tuple[str, bool, str]]:
    """(what was measured, whether it meets its target, the target) for each path."""
    checks = []
    low, high = AV_OFFSET_RANGE_MS
    for path in PATHS:
        ours, mpv = best[path]["ours"], best[path]["mpv"]
        ratio = ours.cpu_ms_per_frame / mpv.cpu_ms_per_frame
        checks += [
            (
                f"{path}: player / mpv CPU per frame shown = {ratio:.2f}x "
                f"({ours.cpu_ms_per_frame:.2f} / {mpv.cpu_ms_per_frame:.2f} ms)",
                ratio <= MAX_RATIO,
                f"<= {MAX_RATIO:.2f}x",
            ),
            (
                f"{path}: frames shown {ours.frames_shown} (mpv {mpv.frames_shown})",
                ours.frames_shown >= mpv.frames_shown - 1,
                "as many as mpv, give or take the last",
            ),
            (
                f"{path}: player A/V offset min {ours.av_min_ms:+.0f}, "
                f"max {ours.av_max_ms:+.0f} ms",
                low <= ours.av_min_ms and ours.av_max_ms <= high,
                f"within {low:+.0f}/{high:+.0f} ms",
            ),
        ]
    return checks


def run(video: Path, seconds: float, repeats: int) -> None:
    """Measure and print the comparison, with a verdict line per target."""
    started, load_before = time.monotonic(), os.getloadavg()[0]
    best = compare(video, seconds, repeats)
    if best is None:
        return
    print_comparison(best, seconds, repeats)
    for text, ok, target in target_checks(best):
        print(f"  [{'ok' if ok else 'MISS'}] {text} (target {target})")
    print(
        f"  (the comparison took {time.monotonic() - started:.0f} s; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs)"
    )
