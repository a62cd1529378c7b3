"""The whole routine into one folder: the timeline, then the video, the captions, the manifest."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.demo_video.captions import write_vtt
from tools.demo_video.encoder import encode
from tools.demo_video.manifest import write_manifest
from tools.demo_video.output import (
    CAPTIONS_NAME,
    FULL_SIZE,
    MANIFEST_NAME,
    QUICK_SIZE,
    VIDEO_NAME,
)
from tools.demo_video.script import SCRIPT, quick_script
from tools.demo_video.sound import mix_audio
from tools.demo_video.timeline import Timeline, build_timeline
from tools.demo_video.voice import make_voice


@dataclass(frozen=True)
class Result:
    """What was written, and what the command line reports about it."""

    out_dir: Path
    video: Path
    captions: Path
    manifest: Path
    duration_s: float
    chapters: tuple[tuple[float, str], ...]
    narrated: bool
    seconds_taken: float


def generate(
    out_dir: Path,
    *,
    quick: bool = False,
    use_speech: bool | None = None,
    verbose: bool = False,
) -> Result:
    """Build the routine into out_dir: the video, the captions and the manifest."""
    began = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    script = quick_script() if quick else SCRIPT
    with tempfile.TemporaryDirectory(prefix="demo-video-") as work:
        timeline = build_timeline(script, make_voice(use_speech, Path(work)))
    audio = mix_audio(timeline)
    video = out_dir / VIDEO_NAME
    size = QUICK_SIZE if quick else FULL_SIZE
    write_video(timeline, audio, video, size, quick, progress_printer(verbose))
    captions = out_dir / CAPTIONS_NAME
    write_vtt(timeline, captions)
    manifest = out_dir / MANIFEST_NAME
    write_manifest(timeline, manifest, VIDEO_NAME, CAPTIONS_NAME)
    return Result(
        out_dir=out_dir,
        video=video,
        captions=captions,
        manifest=manifest,
        duration_s=timeline.duration_s,
        chapters=timeline.chapters,
        narrated=timeline.narrated,
        seconds_taken=time.monotonic() - began,
    )


def write_video(
    timeline: Timeline,
    audio: np.ndarray,
    video: Path,
    size: tuple[int, int],
    quick: bool,
    progress: Callable[[int, int], None],
) -> None:
    """Encode into a hidden partial file and rename it when done, so an interrupted run never
    leaves a broken video under the real name."""
    partial = video.with_name(f".{video.name}.part.mp4")
    try:
        encode(timeline, audio, partial, size, quick, progress)
        os.replace(partial, video)
    finally:
        partial.unlink(missing_ok=True)


def progress_printer(verbose: bool) -> Callable[[int, int], None]:
    """A progress callback that prints every 10% to stderr when verbose, else nothing."""
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = done * 100 // total
        if verbose and percent // 10 != last[0]:
            last[0] = percent // 10
            print(f"  encoding: {percent:3d}% ({done}/{total} frames)", file=sys.stderr)

    return report
