"""Short test clips made with PyAV, whose pictures say which frame they are.

The top 60% of each picture is cut into eight vertical bands, white for a set bit of the
frame number and black otherwise, so a test can read the frame on screen back from a few
pixels even after compression and scaling. The lower part is mid grey: captions drawn there
change it visibly. The sound, when asked for, is a 440 Hz sine tone.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BITS = 8
BAND_PART = 0.6  # share of the height holding the bands
GREY = 128


def frame_picture(
    number: int, width: int, height: int, lower: tuple[int, int, int] = (GREY, GREY, GREY)
) -> np.ndarray:
    """An RGB picture encoding `number` (0-255) in eight bands, `lower` below them."""
    picture = np.empty((height, width, 3), np.uint8)
    picture[:] = lower
    band_bottom = int(height * BAND_PART)
    for bit in range(BITS):
        left, right = bit * width // BITS, (bit + 1) * width // BITS
        picture[:band_bottom, left:right] = 255 if number >> bit & 1 else 0
    return picture


def read_frame_number(surface, picture_rect) -> int:
    """Read the frame number back from the picture drawn at `picture_rect` on `surface`."""
    y = picture_rect.top + int(picture_rect.height * BAND_PART / 2)
    number = 0
    for bit in range(BITS):
        x = picture_rect.left + int((bit + 0.5) * picture_rect.width / BITS)
        r, g, b, *_ = surface.get_at((x, y))
        if (r + g + b) / 3 > 128:
            number |= 1 << bit
    return number


def make_clip(
    path: Path,
    *,
    width: int = 320,
    height: int = 180,
    seconds: float = 3.0,
    fps: int = 30,
    audio: bool = True,
    frame_times: Sequence[float] | None = None,
    faststart: bool = False,
    lower: tuple[int, int, int] = (GREY, GREY, GREY),
) -> Path:
    """Write an H.264 (+ AAC) MP4. `frame_times` gives a variable frame rate (seconds)."""
    times = (
        list(frame_times)
        if frame_times is not None
        else [i / fps for i in range(round(seconds * fps))]
    )
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = fps  # a keyframe a second keeps seeks quick
        video.options = {"preset": "ultrafast", "crf": "16", "bframes": "0"}
        time_base = Fraction(1, 1000)
        video.codec_context.time_base = time_base
        sound = container.add_stream("aac", rate=44100) if audio else None
        for number, at in enumerate(times):
            picture = frame_picture(number, width, height, lower)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = round(at / time_base)
            frame.time_base = time_base
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            _write_tone(container, sound, max(times[-1] + 1 / fps, 0.1))
    return path


def _write_tone(container, sound, seconds: float, rate: int = 44100) -> None:
    total = round(seconds * rate)
    for start in range(0, total, 1024):
        count = min(1024, total - start)
        t = (np.arange(count) + start) / rate
        tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate = rate
        frame.pts = start
        for packet in sound.encode(frame):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)


def truncate(source: Path, target: Path, keep: float = 0.5) -> Path:
    """Copy the first `keep` share of `source`'s bytes: a file cut short in copying."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target
