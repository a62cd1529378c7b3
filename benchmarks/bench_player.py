"""The video player's cost against the floor: decoding plus RGB conversion, nothing drawn.

Each measurement runs in its own process so that its peak RSS is its own:

* floor  - PyAV decodes the same seconds of the file (threaded, as the player does) and
           converts every frame to RGB with one reusable reformatter;
* naive  - the same with ``frame.to_ndarray(format="rgb24")``, which builds a new swscale
           context per frame (for reference only);
* paced  - the floor's work spread over real time (one frame per frame interval): what
           real-time pacing alone costs (colder caches, thread wake-ups), for reference;
* player - ``balance-kiosk play FILE --headless --seconds N --json``: real-time playback
           with the sound as the clock, drawn into a dummy display.

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

from kiosk.process_stats import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
ROUTINE_VIDEO = ROOT / "media" / "routines" / "beginner" / "beginner.mp4"
PLAY_SECONDS = 25.0

# Targets from the issue.
MAX_RATIO = 1.25
AV_OFFSET_RANGE_MS = (-125.0, 45.0)  # audio late .. audio early
MAX_RSS_MB = 150.0


def run(path: str | Path | None = None, seconds: float = PLAY_SECONDS, repeats: int = 2) -> None:
    """Measure and print the figures for `path` (default: the beginner routine's video)."""
    video = Path(path) if path is not None else _default_video()
    print(f"video: {video} ({video.stat().st_size / 1e6:.1f} MB)")
    print(f"machine: {os.cpu_count()} CPUs, {_cpu_model()}")
    here = [sys.executable, "-m", "benchmarks.bench_player"]
    play = [sys.executable, "-m", "kiosk.play_cli", str(video), "--headless", "--json"]
    commands = {
        "floor": [*here, "--floor", str(video), str(seconds)],
        "naive": [*here, "--naive", str(video), str(seconds)],
        "paced": [*here, "--paced", str(video), str(seconds)],
        "paced-av": [*here, "--paced-av", str(video), str(seconds)],
        "player": [*play, "--seconds", str(seconds)],
    }
    # Interleaved rounds, keeping each measurement's cheapest round: on a shared machine
    # other work only ever adds CPU time.
    best: dict[str, dict] = {}
    for _ in range(repeats):
        for name, command in commands.items():
            result = _measure(command)
            if name not in best or _cpu_per_frame(result) < _cpu_per_frame(best[name]):
                best[name] = result
    floor, naive, paced, paced_av, player = (best[name] for name in commands)
    frames = player["frames_shown"] + player["frames_dropped"]
    player_ms = _cpu_per_frame(player)
    ratio = player_ms / floor["cpu_ms_per_frame"]
    print(
        f"{player['width']}x{player['height']}, sound: {player['has_audio']}, "
        f"played {player['played_s']:.1f} s in {player['wall_s']:.1f} s wall"
    )
    rows = [
        ("floor: decode + RGB", floor["cpu_ms_per_frame"], floor["max_rss_mb"]),
        ("naive: decode + to_ndarray", naive["cpu_ms_per_frame"], naive["max_rss_mb"]),
        ("paced: floor in real time", paced["cpu_ms_per_frame"], paced["max_rss_mb"]),
        ("paced, with the sound decoded", paced_av["cpu_ms_per_frame"], paced_av["max_rss_mb"]),
        ("player: headless, real time", player_ms, player["max_rss_mb"]),
    ]
    for name, cpu_ms, rss_mb in rows:
        print(f"  {name:30s} {cpu_ms:6.2f} ms CPU/frame   peak RSS {rss_mb:4.0f} MB")
    print(
        f"  player threads: decode {player['decode_ms_per_frame']:.2f} ms/frame, "
        f"BGRA + scale {player['convert_ms_per_frame']:.2f} ms/frame (wall clock)"
    )
    low, high = AV_OFFSET_RANGE_MS
    checks = [
        (
            f"player / floor = {ratio:.2f}x (player / paced = "
            f"{player_ms / paced['cpu_ms_per_frame']:.2f}x)",
            ratio <= MAX_RATIO,
            f"<= {MAX_RATIO}x the floor",
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
    for text, ok, target in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {text} (target {target})")
    pacing_cost = paced["cpu_ms_per_frame"] / floor["cpu_ms_per_frame"]
    print(
        f"  for comparison: the paced floor is {pacing_cost:.2f}x the floor;"
        f" the player is {player_ms / paced_av['cpu_ms_per_frame']:.2f}x the paced "
        "floor that also decodes the sound (the same work minus drawing and mixing)"
    )


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
    import numpy as np

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


def _floor(path: str, seconds: float, mode: str) -> dict:
    """Decode `seconds` of video and convert each frame to RGB; nothing else.

    mode "floor" reuses one reformatter, "naive" calls to_ndarray, "paced" is "floor" with
    each frame waiting for its time, as in playback; "paced-av" also decodes the file's sound.
    """
    import av
    from av.video.reformatter import VideoReformatter

    reformatter = VideoReformatter()
    frames = 0
    started, began = time.process_time(), time.monotonic()
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        streams = [stream]
        if mode == "paced-av":
            streams += list(container.streams.audio[:1])
        for frame in container.decode(*streams):
            if not isinstance(frame, av.VideoFrame):
                continue  # sound: decoded, nothing more
            at = frame.time if frame.time is not None else frames / 30
            if at >= seconds:
                break
            if mode in ("paced", "paced-av"):
                time.sleep(max(0.0, at - (time.monotonic() - began)))
            if mode == "naive":
                frame.to_ndarray(format="rgb24")
            else:
                reformatter.reformat(frame, format="rgb24").to_ndarray()
            frames += 1
    cpu = time.process_time() - started
    return {
        "frames": frames,
        "cpu_ms_per_frame": 1000 * cpu / max(frames, 1),
        "max_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("--floor", "--naive", "--paced", "--paced-av"):
        print(json.dumps(_floor(sys.argv[2], float(sys.argv[3]), sys.argv[1][2:])))
    else:
        run(sys.argv[1] if len(sys.argv) > 1 else None)
