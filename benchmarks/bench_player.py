"""The video player's CPU time against the floor: decoding plus RGB conversion, nothing drawn.

Each measurement runs in its own process so that its peak RSS is its own:

* floor          - PyAV decodes the same seconds of the file with the player's own decoder
                   settings and converts every frame to RGB with one reusable reformatter on
                   one thread: the same picture work as the player, as fast as it goes;
* floor, PyAV defaults - the same with PyAV's defaults (frame threads, a scaler thread per
                   core), for reference;
* real time      - the floor's work paced to real time (each frame at its time), with the
                   file's sound decoded too: what playing in real time costs before anything
                   is drawn or heard;
* real time, bursts - the same decoding 8 frames at a time (as the player does), converting
                   each at its time;
* player         - ``balance-kiosk play FILE --headless --seconds N --json``: real-time
                   playback with the sound as the clock, drawn into a dummy display.

Uses the beginner routine's video when it exists, otherwise a generated 720p30 H.264 + AAC
clip (cached in the temp folder). `run(path)` measures any other file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import against_mpv
from kiosk.service.process_stats import peak_rss_mb

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # before pygame is first imported
import pygame  # noqa: E402  (the floor converts into a dummy display's pixels)

ROOT = Path(__file__).resolve().parents[1]
ROUTINE_VIDEO = ROOT / "media" / "routines" / "beginner" / "beginner.mp4"
PLAY_SECONDS = 25.0

# Targets from the issue.
MAX_RATIO = 1.25
AV_OFFSET_RANGE_MS = (-125.0, 45.0)  # audio late .. audio early
MAX_RSS_MB = 150.0


def run(path: str | Path | None = None, seconds: float = PLAY_SECONDS, repeats: int = 3) -> None:
    """Measure and print the figures for `path` (default: the beginner routine's video)."""
    video = Path(path) if path is not None else _default_video()
    print(f"video: {video} ({video.stat().st_size / 1e6:.1f} MB)")
    print(f"machine: {os.cpu_count()} CPUs, {_cpu_model()}")
    best = _best_of_rounds(_measurement_commands(video, seconds), repeats)
    player = best["player"]
    print(
        f"{player['width']}x{player['height']}, sound: {player['has_audio']}, "
        f"played {player['played_s']:.1f} s in {player['wall_s']:.1f} s wall, "
        f"best of {repeats} interleaved rounds"
    )
    _print_figures(best)
    for text, ok, target in _target_checks(best):
        print(f"  [{'ok' if ok else 'MISS'}] {text} (target {target})")
    floor_ms = best["floor"]["cpu_ms_per_frame"]
    # The cheapest way found to do the floor's work in real time, and to show it as well.
    paced_ms = min(best["real-time"]["cpu_ms_per_frame"], best["bursts"]["cpu_ms_per_frame"])
    shown_ms = best["shown"]["cpu_ms_per_frame"]
    print(
        f"  the floor's work in real time costs {paced_ms / floor_ms:.2f}x the floor before "
        f"anything is drawn or heard, and {shown_ms / floor_ms:.2f}x once drawn"
    )
    against_mpv.run(video, seconds, repeats)


def _measurement_commands(video: Path, seconds: float) -> dict[str, list[str]]:
    """The command for each measurement, by name, in the order they run and are printed."""
    here = [sys.executable, "-m", "benchmarks.bench_player"]
    play = [sys.executable, "-m", "kiosk.cli", "play", str(video), "--headless", "--json"]
    return {
        "floor": [*here, "--floor", str(video), str(seconds)],
        "defaults": [*here, "--defaults", str(video), str(seconds)],
        "real-time": [*here, "--real-time", str(video), str(seconds)],
        "bursts": [*here, "--bursts", str(video), str(seconds)],
        "shown": [*here, "--shown", str(video), str(seconds)],
        "player": [*play, "--seconds", str(seconds)],
    }


def _best_of_rounds(commands: dict[str, list[str]], repeats: int) -> dict[str, dict]:
    """Run every command `repeats` times, interleaved, keeping each one's cheapest round: on a
    shared machine other work only ever adds CPU time."""
    best: dict[str, dict] = {}
    for _ in range(repeats):
        for name, command in commands.items():
            result = _measure(command)
            if name not in best or _cpu_per_frame(result) < _cpu_per_frame(best[name]):
                best[name] = result
    return best


ROW_LABELS = {
    "floor": "floor: decode + RGB",
    "defaults": "floor, PyAV's default threads",
    "real-time": "real time: floor paced, with sound",
    "bursts": "real time, decoding in bursts",
    "shown": "the same, drawn on a dummy screen",
    "player": "player: headless, real time",
}


def _print_figures(best: dict[str, dict]) -> None:
    """A row per measurement: CPU per frame, its ratio to the floor, peak RSS."""
    floor_ms = best["floor"]["cpu_ms_per_frame"]
    for name, label in ROW_LABELS.items():
        result = best[name]
        cpu_ms = _cpu_per_frame(result)
        print(
            f"  {label:36s} {cpu_ms:6.2f} ms CPU/frame  {cpu_ms / floor_ms:5.2f}x the floor"
            f"   peak RSS {result['max_rss_mb']:4.0f} MB"
        )
    print(
        f"  player's screen loop: BGRA conversion {best['player']['convert_ms_per_frame']:.2f} "
        f"ms/frame (wall clock)"
    )


def _target_checks(best: dict[str, dict]) -> list[tuple[str, bool, str]]:
    """(what was measured, whether it meets its target, the target) for each target."""
    player = best["player"]
    frames = player["frames_shown"] + player["frames_dropped"]
    player_ms = _cpu_per_frame(player)
    floor_ms = best["floor"]["cpu_ms_per_frame"]
    shown_ms = best["shown"]["cpu_ms_per_frame"]
    low, high = AV_OFFSET_RANGE_MS
    return [
        (
            f"player / floor = {player_ms / floor_ms:.2f}x",
            player_ms / floor_ms <= MAX_RATIO,
            f"<= {MAX_RATIO}x the floor",
        ),
        (
            f"player / drawn real-time floor = {player_ms / shown_ms:.2f}x",
            player_ms / shown_ms <= MAX_RATIO,
            f"<= {MAX_RATIO}x the floor's work in real time, drawn",
        ),
        (
            f"frames dropped = {player['frames_dropped']} of {frames}",
            player["frames_dropped"] == 0,
            "0",
        ),
        (
            f"A/V offset p95 {player['av_offset_ms_p95']:+.0f} ms, "
            f"min {player['av_offset_ms_min']:+.0f}, max {player['av_offset_ms_max']:+.0f}",
            low <= player["av_offset_ms_min"] and player["av_offset_ms_max"] <= high,
            f"within {low:+.0f}/{high:+.0f} ms",
        ),
        (
            f"player peak RSS = {player['max_rss_mb']:.0f} MB",
            player["max_rss_mb"] <= MAX_RSS_MB,
            f"<= {MAX_RSS_MB:.0f} MB",
        ),
    ]


def _cpu_per_frame(result: dict) -> float:
    if "cpu_ms_per_frame" in result:
        return result["cpu_ms_per_frame"]
    frames = result["frames_shown"] + result["frames_dropped"]
    return 1000 * result["cpu_s"] / frames if frames else float("inf")


def _measure(command: list[str]) -> dict:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:4])} failed: {result.stderr.strip()}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _default_video() -> Path:
    if ROUTINE_VIDEO.is_file():
        return ROUTINE_VIDEO
    clip = Path(tempfile.gettempdir()) / "balance-kiosk-bench-720p30.mp4"
    if not clip.is_file():
        print(f"{ROUTINE_VIDEO.name} not found: generating a 30 s 720p30 test clip ...", flush=True)
        started = time.monotonic()
        make_test_video(clip.with_suffix(".part.mp4"))
        clip.with_suffix(".part.mp4").rename(clip)
        print(f"  made {clip} in {time.monotonic() - started:.0f} s")
    return clip


def make_test_video(
    path: Path, seconds: float = 30.0, size: tuple[int, int] = (1280, 720), fps: int = 30
) -> Path:
    """A 720p30 H.264 + AAC clip: a textured scene panning slowly with a figure moving across.

    Camera-like motion keeps the bitrate (about 3-5 Mbit/s) and the decoding cost near those
    of a filmed routine; pure noise or flat colour would make the floor meaningless.
    """
    import av

    width, height = size
    pan = round(seconds * fps) * 2
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:height, 0 : width + pan]
    scene = np.empty((height, width + pan, 3), np.uint8)
    scene[..., 0] = 90 + 60 * np.sin(xx / 97.0)
    scene[..., 1] = 110 + 50 * np.cos(yy / 61.0)
    scene[..., 2] = 100 + 40 * np.sin((xx + yy) / 143.0)
    blobs = rng.integers(0, 40, (height // 2, (width + pan) // 2, 3), dtype=np.uint8)
    scene += np.repeat(np.repeat(blobs, 2, axis=0), 2, axis=1)
    rate = 44100
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = 2 * fps
        video.options = {"preset": "veryfast", "crf": "21"}
        sound = container.add_stream("aac", rate=rate)
        sound_pts = 0
        for index in range(round(seconds * fps)):
            picture = np.ascontiguousarray(scene[:, index * 2 : index * 2 + width])
            x = (index * 9) % (width - 160)
            picture[height // 3 : height // 3 + 360, x : x + 160] = (200, 80, 60)  # the walker
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            for packet in video.encode(frame):
                container.mux(packet)
            while sound_pts < (index + 1) * rate // fps:
                t = (np.arange(1024) + sound_pts) / rate
                tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
                chunk = av.AudioFrame.from_ndarray(
                    np.stack([tone, tone]), format="fltp", layout="stereo"
                )
                chunk.sample_rate, chunk.pts = rate, sound_pts
                for packet in sound.encode(chunk):
                    container.mux(packet)
                sound_pts += 1024
        for stream in (video, sound):
            for packet in stream.encode():
                container.mux(packet)
    return path


BURST_FRAMES = 8
PACED_MODES = ("real-time", "bursts", "shown")


def measure_floor(path: str, seconds: float, mode: str) -> dict:
    """Decode `seconds` of video and convert each frame to RGB; nothing else.

    mode "floor": as fast as it goes, with the player's decoder settings and one scaler
    thread; "defaults": the same with PyAV's defaults; "real-time": each frame converted at
    its time, the sound decoded too; "bursts": like "real-time", decoding BURST_FRAMES at once;
    "shown": like "bursts", converting into a dummy display's pixels instead of RGB.
    """
    import av

    from kiosk.player.decoders import decode_threads

    converter = FrameConverter(path, mode)
    started = time.process_time()
    converter.start_clock()
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO" if mode == "defaults" else decode_threads(stream)
        streams = [stream]
        if converter.paced:
            streams += list(container.streams.audio[:1])
        batch: list = []
        for frame in container.decode(*streams):
            if not isinstance(frame, av.VideoFrame):
                continue  # sound: decoded, nothing more
            at = frame.time if frame.time is not None else converter.frames / 30
            if at >= seconds:
                break
            batch.append((at, frame))
            if len(batch) >= converter.burst:
                converter.convert(batch)
        converter.convert(batch)  # what is left of the last burst
    cpu = time.process_time() - started
    return {
        "frames": converter.frames,
        "cpu_ms_per_frame": 1000 * cpu / max(converter.frames, 1),
        "max_rss_mb": peak_rss_mb(),
    }


class FrameConverter:
    """Converts decoded frames the way a floor mode asks, counting them.

    Everything it needs is set up here, before the floor starts its clocks.
    """

    def __init__(self, path: str, mode: str) -> None:
        from av.video.reformatter import VideoReformatter

        from kiosk.player.player import pixel_order

        self.reformatter = VideoReformatter()
        self.scaler_threads = None if mode == "defaults" else 1
        self.paced = mode in PACED_MODES
        self.burst = BURST_FRAMES if mode in ("bursts", "shown") else 1
        self.screen = _dummy_screen(path) if mode == "shown" else None
        self.order = pixel_order(self.screen) if self.screen is not None else None
        self.frames = 0
        self.began = time.monotonic()

    def start_clock(self) -> None:
        """From now on, a paced mode converts each frame at its time."""
        self.began = time.monotonic()

    def convert(self, batch: list) -> None:
        """Convert and empty a batch of (time, frame), waiting for each one's time if paced."""
        for due, picture in batch:
            if self.paced:
                time.sleep(max(0.0, due - (time.monotonic() - self.began)))
            if self.screen is None:
                self.reformatter.reformat(
                    picture, format="rgb24", threads=self.scaler_threads
                ).to_ndarray()
            else:
                packed = self.reformatter.reformat(
                    picture, format=self.order, threads=1
                ).to_ndarray()
                pixels = pygame.surfarray.pixels2d(self.screen)
                pixels[...] = packed.view(np.uint32)[..., 0].T
                del pixels, packed
            self.frames += 1
        batch.clear()


def _dummy_screen(path: str):
    """A display the size of the video on SDL's dummy driver, as `play --headless` opens."""
    import av

    os.environ["SDL_VIDEODRIVER"] = "dummy"
    with av.open(path) as container:
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
    pygame.display.init()
    return pygame.display.set_mode(size)


MODES = ("--floor", "--defaults", "--real-time", "--bursts", "--shown")

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in MODES:
        print(json.dumps(measure_floor(sys.argv[2], float(sys.argv[3]), sys.argv[1][2:])))
    elif len(sys.argv) >= 2 and sys.argv[1] == "--against-mpv":
        # Only the comparison with mpv: [FILE [SECONDS [ROUNDS]]].
        arguments = sys.argv[2:]
        video = Path(arguments[0]) if arguments else _default_video()
        seconds = float(arguments[1]) if len(arguments) > 1 else PLAY_SECONDS
        against_mpv.run(video, seconds, int(arguments[2]) if len(arguments) > 2 else 3)
    else:
        run(sys.argv[1] if len(sys.argv) > 1 else None)
