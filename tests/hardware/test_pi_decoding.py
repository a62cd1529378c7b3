"""Decoding with FFmpeg's threads on the Pi itself, as the player does for a filmed routine.

Under qemu-user (make pi-check) a decode with FFmpeg's decoder threads died now and then
(SIGSEGV or glibc's malloc assertion; 2 runs in 6, never single-threaded). Emulation cannot
say whether that is qemu or the decoder on ARM: this answers it on the hardware. Each decode
runs in a process of its own, so a crash fails the test instead of ending pytest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.player.decoders import V4L2_DECODER_DEVICE

av = pytest.importorskip("av")

RUNS = 20
SECONDS = 4
FPS = 30

DECODE = """
import sys
import av
from kiosk.player.decoders import V4L2_DECODER_DEVICE, open_video_decoder
device = V4L2_DECODER_DEVICE if sys.argv[2] == "hardware" else None
with av.open(sys.argv[1]) as container:
    stream = container.streams.video[0]
    codec = open_video_decoder(stream, device)
    frames = sum(len(codec.decode(packet)) for packet in container.demux(stream))
print(codec.name, getattr(codec.thread_type, "name", codec.thread_type), frames)
"""


@pytest.fixture(scope="module")
def filmed_clip(tmp_path_factory) -> Path:
    """A 720p clip with more than a filmed video's bit rate (blocks of changing noise), so that
    the player gives it decoder threads (kiosk.player.decoders.decode_threads)."""
    path = tmp_path_factory.mktemp("decode") / "filmed.mp4"
    noise = np.random.default_rng(7)
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 1280, 720, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "20"}
        for _ in range(SECONDS * FPS):
            coarse = noise.integers(0, 256, (45, 80, 3), dtype=np.uint8)
            picture = coarse.repeat(16, axis=0).repeat(16, axis=1)  # 16x16 blocks
            for packet in video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("decoder", ["software", "hardware"])
def test_decoding_a_filmed_routine_never_crashes(filmed_clip, decoder):
    if decoder == "hardware" and not V4L2_DECODER_DEVICE.exists():
        pytest.skip("no H.264 decoder device here (a Pi 4 has /dev/video10)")
    said = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", DECODE, str(filmed_clip), decoder],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"run {len(said) + 1}: {done.stderr[-500:]}"
        said.append(done.stdout.split())
    threads = said[0][1]
    assert threads != "NONE" or decoder == "hardware", "the clip did not get decoder threads"
    assert all(int(s[2]) == SECONDS * FPS for s in said), said
