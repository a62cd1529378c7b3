"""The video file: every frame rendered and encoded (H.264) with the sound (AAC) into an MP4."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pygame

from tools.demo_video.output import (
    AUDIO_BIT_RATE,
    FPS,
    KEYFRAME_INTERVAL_S,
    SAMPLE_RATE,
    X264_FULL,
    X264_QUICK,
)
from tools.demo_video.renderer import Renderer
from tools.demo_video.script import TITLE
from tools.demo_video.timeline import Timeline

AUDIO_BLOCK = 1024  # samples handed to the AAC encoder at a time


def encode(
    timeline: Timeline,
    audio: np.ndarray,
    path: Path,
    size: tuple[int, int],
    quick: bool,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the video to `path`, the sound interleaved with the pictures as they are made."""
    renderer = Renderer(timeline, size)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        container.metadata["title"] = TITLE
        video, sound = add_streams(container, size, quick)
        audio_pos = 0
        n = timeline.n_frames
        for i in range(n):
            mux(container, video.encode(video_frame(renderer.frame(i / FPS), i)))
            limit = min(audio.size, (i + 1) * SAMPLE_RATE // FPS)
            audio_pos = encode_sound(container, sound, audio, audio_pos, limit)
            if progress is not None:
                progress(i + 1, n)
        mux(container, video.encode())
        mux(container, sound.encode())


def add_streams(
    container: av.container.OutputContainer, size: tuple[int, int], quick: bool
) -> tuple[av.VideoStream, av.AudioStream]:
    """An H.264 stream with a keyframe every KEYFRAME_INTERVAL_S, and a mono AAC stream."""
    w, h = size
    options = dict(X264_QUICK if quick else X264_FULL)
    video = container.add_stream("libx264", rate=FPS, options=options)
    video.width, video.height, video.pix_fmt = w, h, "yuv420p"
    video.codec_context.gop_size = FPS * KEYFRAME_INTERVAL_S
    sound = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
    sound.bit_rate = AUDIO_BIT_RATE
    return video, sound


def video_frame(surface: pygame.Surface, index: int) -> av.VideoFrame:
    """The picture on `surface` as frame number `index`."""
    w, h = surface.get_size()
    rgb = np.frombuffer(pygame.image.tobytes(surface, "RGB"), np.uint8).reshape(h, w, 3)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts = index
    frame.time_base = Fraction(1, FPS)
    return frame


def encode_sound(
    container: av.container.OutputContainer,
    sound: av.AudioStream,
    audio: np.ndarray,
    pos: int,
    limit: int,
) -> int:
    """Encode the samples from `pos` up to `limit` in blocks; return where it stopped."""
    while pos < limit:
        chunk = audio[pos : pos + AUDIO_BLOCK]
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(chunk.reshape(1, -1)), format="fltp", layout="mono"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = pos
        mux(container, sound.encode(frame))
        pos += chunk.size
    return pos


def mux(container: av.container.OutputContainer, packets: Iterable[av.Packet]) -> None:
    for packet in packets:
        container.mux(packet)
