"""The picture's decoder: the Pi's H.264 block when /dev/video10 is there, software otherwise.

Nothing of libav is faked: the player opens real clips with the decoder it chooses, and the
frames it shows are read back from the screen's pixels.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import av  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
from player_clips import make_clip, read_frame_number  # noqa: E402

from hardware.clock import VirtualClock  # noqa: E402
from kiosk.player.decoders import choose_video_decoder  # noqa: E402
from kiosk.player.player import RoutinePlayer  # noqa: E402

WAIT_S = 15.0  # a guard against hangs only


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("decoders") / "clip.mp4", seconds=2.0, audio=False)


def frames_shown_at(player: RoutinePlayer, clock: VirtualClock, seconds: list[float]) -> list:
    """The frame number on screen once the clock reaches each of `seconds`."""
    screen = pygame.Surface(player.size)
    shown = []
    player.start()
    for at in seconds:
        clock.now = 50.0 + at
        limit = time.monotonic() + WAIT_S
        while abs(player.frame_time_s - at) > 1e-3 or player.stats.frames_shown == 0:
            assert time.monotonic() < limit, f"no frame at {at} s"
            player.update()
            time.sleep(0.002)
        shown.append(read_frame_number(screen, player.draw(screen)))
    return shown


def test_without_the_decoder_device_the_software_decoder_plays(clip, tmp_path):
    missing = tmp_path / "video10"
    assert choose_video_decoder("h264", missing) == "h264"
    clock = VirtualClock(50.0)
    with RoutinePlayer(clip, clock=clock, hardware_decoder_device=missing) as player:
        assert frames_shown_at(player, clock, [0.0, 1.0, 1.5]) == [0, 30, 45]
        assert player.decoder_name == "h264"


@pytest.mark.skipif(
    Path("/dev/video10").exists(), reason="this machine has a V4L2 decoder that would open"
)
def test_a_decoder_device_that_will_not_open_falls_back_to_software(clip, tmp_path, caplog):
    """The device is there but no V4L2 decoder answers (as on a PC, or a Pi whose firmware
    lacks it): libav's hardware decoder refuses to open, and software takes over."""
    device = tmp_path / "video10"
    device.touch()
    assert choose_video_decoder("h264", device) == "h264_v4l2m2m"  # libav here has it
    clock = VirtualClock(50.0)
    with RoutinePlayer(clip, clock=clock, hardware_decoder_device=device) as player:
        assert frames_shown_at(player, clock, [0.0, 1.0]) == [0, 30]
        assert player.decoder_name == "h264"
    assert "h264_v4l2m2m would not open" in caplog.text


def test_only_codecs_with_a_hardware_decoder_are_sent_to_the_device(tmp_path):
    device = tmp_path / "video10"
    device.touch()
    assert "h264_v4l2m2m" in av.codecs_available  # PyAV's libav is built with V4L2 M2M
    assert choose_video_decoder("h264", device) == "h264_v4l2m2m"
    assert choose_video_decoder("vp9", device) == "vp9"
    assert choose_video_decoder("h264", None) == "h264"
