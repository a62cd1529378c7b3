"""The checks `make pi-check` runs inside an arm64 Debian root, under qemu-user.

Run with the installed kiosk's Python (/opt/balance-kiosk/venv/bin/python), from the copy of the
project in the root. Prints one line per check: PASS or FAIL, its name, how long it took, and
what it found; the exit status is the number of failed checks. Each check runs in a process of
its own, so one that crashes or hangs (SDL, a decoder) cannot take the others with it.

Only the standard library here: this file runs before anything is known to work.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

VENV = Path(sys.prefix)
COMMAND = VENV / "bin" / "balance-kiosk"
SRC = Path(__file__).resolve().parents[2]
# Under qemu-user every program runs several times slower than on a Pi: generous limits.
TIMEOUT_S = 1800

IMPORTS = r"""
import importlib, pkgutil
import kiosk, hardware, media
names = []
for package in (kiosk, hardware, media):
    names.append(package.__name__)
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not info.name.endswith(".__main__"):  # runs the command line when imported
            names.append(info.name)
for name in names:
    importlib.import_module(name)
import lgpio, gpiod, gpiozero
print(f"{len(names)} modules of kiosk, hardware and media; lgpio {lgpio.__file__}")
"""

# pygame has no call that lists SDL's drivers: ask the SDL library inside the pygame-ce wheel.
SDL_DRIVERS = r"""
import ctypes, glob, os, pygame
libs = os.path.join(os.path.dirname(pygame.__file__), os.pardir, "pygame_ce.libs")
(path,) = glob.glob(os.path.join(libs, "libSDL2-*.so*"))
sdl = ctypes.CDLL(path)
sdl.SDL_GetVideoDriver.restype = sdl.SDL_GetAudioDriver.restype = ctypes.c_char_p
sdl.SDL_GetError.restype = ctypes.c_char_p
video = [sdl.SDL_GetVideoDriver(i).decode() for i in range(sdl.SDL_GetNumVideoDrivers())]
audio = [sdl.SDL_GetAudioDriver(i).decode() for i in range(sdl.SDL_GetNumAudioDrivers())]
missing = {"KMSDRM"} - set(video) | {"alsa"} - set(audio)
assert not missing, f"missing {missing}: video {video}, audio {audio}"
# Without a screen, KMSDRM must fail with a message, not crash (what doctor and run rely on).
os.environ["SDL_VIDEODRIVER"] = "kmsdrm"
try:
    pygame.display.init()
    kms = "opened?!"
except pygame.error as error:
    kms = f"fails cleanly here: {error}"
print(f"video {','.join(video)}; audio {','.join(audio)}; KMSDRM {kms}")
"""

DECODE = r"""
import av
from pathlib import Path
import media
video = Path(media.__file__).parent / "routines" / "beginner" / "beginner.mp4"
# Its first and last 2 s, sound and picture: under qemu, decoding all of it takes many minutes.
SPAN_S = 2.0
frames = samples = 0
with av.open(str(video)) as container:
    duration_s = container.duration / av.time_base
    for start_s in (0.0, max(0.0, duration_s - SPAN_S)):
        if start_s:
            container.seek(int(start_s * av.time_base), any_frame=False)
        for frame in container.decode(video=0, audio=0):
            if frame.time is not None and frame.time > start_s + SPAN_S:
                break
            if isinstance(frame, av.VideoFrame):
                frames += 1
                last = frame
            else:
                samples += frame.samples
picture = last.to_ndarray(format="rgb24")
assert frames > 0 and samples > 0 and picture.any(), (frames, samples)
print(f"{frames} frames ({picture.shape[1]}x{picture.shape[0]}) and {samples} audio samples "
      f"from the first and last {SPAN_S:.0f} s of {duration_s:.0f} s, PyAV {av.__version__}")
"""

BLINKA = r"""
import board, busio
print(f"board.SCL={board.SCL}, board.SDA={board.SDA}, busio.I2C found")
"""


@dataclass
class Outcome:
    ok: bool
    seconds: float
    said: str


def run(command: list[str], env: dict[str, str] | None = None) -> Outcome:
    """Run one check; its last line of output says what it found."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            command,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            cwd="/tmp",
        )
    except subprocess.TimeoutExpired:
        return Outcome(False, time.monotonic() - start, f"no answer in {TIMEOUT_S} s")
    seconds = time.monotonic() - start
    lines = (done.stdout.strip() or done.stderr.strip() or "(nothing printed)").splitlines()
    # A scripted session ends with its summary ("session 1: ... walked ..."), not a screenshot.
    summaries = [line for line in lines if line.startswith("session ") and "walked" in line]
    lines = summaries or lines
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        return Outcome(False, seconds, f"status {done.returncode}: " + " | ".join(tail))
    return Outcome(True, seconds, lines[-1])


# How qemu-user reports a program it let crash. qemu 7.2 now and then crashes a program it
# emulates with several threads: the decode check (PyAV's default, FFmpeg's decoder threads)
# died on its first try in both bookworm runs of 1 December 2026, and by hand under the same
# load 2 runs in 6 died (SIGSEGV, or glibc's malloc assertion) against none in 6 with one
# thread. Whether that is qemu or the decoder on ARM only a Pi can say: tests/hardware runs the
# threaded decode 20 times there. Here a check that died this way runs once more, and its line
# says so.
EMULATOR_CRASH = "qemu: uncaught target signal"


def run_check(command: list[str], env: dict[str, str]) -> Outcome:
    """`run`, and once more if qemu reported a crash; the line keeps the first try's words."""
    first = run(command, env)
    if first.ok or EMULATOR_CRASH not in first.said:
        return first
    second = run(command, env)
    second.said += f" (second try; the first: {first.said})"
    second.seconds += first.seconds
    return second


def python(code: str) -> list[str]:
    return [str(VENV / "bin" / "python"), "-c", code]


def doctor(data: Path) -> list[str]:
    return [str(COMMAND), "doctor", "--simulate", "--data-dir", str(data)]


# Under emulation the kiosk runs 5-20 times slower than on a Pi: a sensor period of 100 ms
# (the most the settings allow) keeps the emulated sensor from timing out for that alone.
SLOW_SENSOR = "[sensor]\nperiod_ms = 100\n\n[safety]\nfault_after_periods = 2\n"


def session(script: str, scratch: Path) -> list[str]:
    config = scratch / "slow-sensor.toml"
    config.write_text(SLOW_SENSOR)
    return [str(COMMAND), "run", "--simulate", "--headless", "--script", script] + [
        "--config",
        str(config),
        "--screenshots",
        str(scratch / f"shots-{script}"),
        "--data-dir",
        str(scratch / f"data-{script}"),
    ]


def unit_tests() -> list[str]:
    # Timing-free: tests/unit only, and none marked slow.
    return [str(VENV / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"] + [
        "-m",
        "not slow",
        "--rootdir",
        str(SRC),
        str(SRC / "tests" / "unit"),
    ]


# The scripts' steps wait in real time (a PIN's scrypt hash within 1 s, the video's end
# within 6 s of a seek), which emulation misses now and then, a different script each run:
# the session check passes when either completes.
def either_session(scratch: Path) -> list[str]:
    walk, caregiver = session("walk", scratch), session("caregiver", scratch)
    return ["sh", "-c", f"{shlex.join(walk)} || {shlex.join(caregiver)}"]


def checks(scratch: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    pi4 = {"BLINKA_FORCEBOARD": "RASPBERRY_PI_4B", "BLINKA_FORCECHIP": "BCM2XXX"}
    return [
        ("imports", python(IMPORTS), {}),
        ("sdl-drivers", python(SDL_DRIVERS), {}),
        ("pyav-decode", python(DECODE), {}),
        ("blinka-pi4", python(BLINKA), pi4),
        ("doctor", doctor(scratch / "doctor"), {}),
        ("session", either_session(scratch), {}),
        ("unit-tests", unit_tests(), {}),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="", help="what to print before each check's name")
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="pi-check-") as folder:
        for name, command, env in checks(Path(folder)):
            outcome = run_check(command, env)
            verdict = "PASS" if outcome.ok else "FAIL"
            failed += not outcome.ok
            print(f"{verdict}  {args.label:<9}{name:<13}{outcome.seconds:7.1f} s  {outcome.said}")
            sys.stdout.flush()
    return failed


if __name__ == "__main__":
    sys.exit(main())
