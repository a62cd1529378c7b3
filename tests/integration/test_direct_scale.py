"""Pictures converted by swscale straight into the screen's pixels: the same bytes as PyAV's
own conversion, in the right place, and nothing outside the picture touched.

Real clips, real libav (the one PyAV loaded), real pygame surfaces; only SDL's video driver
is the dummy one.
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
from av.video.reformatter import VideoReformatter  # noqa: E402
from player_clips import make_clip, read_frame_number  # noqa: E402

from hardware.clock import VirtualClock  # noqa: E402
from kiosk.player.direct_scale import DirectScaler  # noqa: E402
from kiosk.player.player import RoutinePlayer, pixel_order  # noqa: E402

WAIT_S = 15.0  # a guard against hangs only
BACKGROUND = (10, 200, 30)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("direct") / "clip.mp4", seconds=1.0, audio=False)


@pytest.fixture(scope="module")
def frame(clip) -> av.VideoFrame:
    with av.open(str(clip)) as container:
        frames = container.decode(video=0)
        for _ in range(5):  # frame 5: bands 0 and 2 white
            next(frames)
        return next(frames)


def rows_of(surface: pygame.Surface, rect: pygame.Rect) -> list[bytes]:
    data, pitch = bytes(surface.get_buffer()), surface.get_pitch()
    return [
        data[(rect.top + y) * pitch + 4 * rect.left :][: 4 * rect.width] for y in range(rect.height)
    ]


def pyav_rows(frame: av.VideoFrame, size: tuple[int, int], order: str) -> list[bytes]:
    converted = VideoReformatter().reformat(
        frame, width=size[0], height=size[1], format=order, interpolation="FAST_BILINEAR"
    )
    plane, line = bytes(converted.planes[0]), converted.planes[0].line_size
    return [plane[y * line :][: 4 * size[0]] for y in range(size[1])]


@pytest.mark.parametrize("where", [(0, 0), (40, 30)], ids=["whole screen", "offset"])
def test_a_picture_goes_straight_into_the_screen_as_pyav_converts_it(frame, where):
    size = (frame.width, frame.height)
    screen = pygame.Surface((size[0] + 2 * where[0], size[1] + 2 * where[1]), 0, 32)
    screen.fill(BACKGROUND)
    order = pixel_order(screen)
    rect = pygame.Rect(where, size)
    scaler = DirectScaler()
    assert scaler.draw(frame, screen, rect, order)  # checked against PyAV, then used
    assert scaler.draw(frame, screen, rect, order)  # straight in from now on
    assert rows_of(screen, rect) == pyav_rows(frame, size, order)
    assert read_frame_number(screen, rect) == 5
    outside = [
        (rect.left - 1, rect.top),
        (rect.right, rect.bottom - 1),
        (0, screen.get_height() - 1),
    ]
    for point in outside:
        if screen.get_rect().collidepoint(point) and not rect.collidepoint(point):
            assert screen.get_at(point)[:3] == BACKGROUND, point
    scaler.close()


def test_a_picture_reaching_outside_the_screen_is_left_to_the_copying_way(frame):
    screen = pygame.Surface((frame.width, frame.height), 0, 32)
    assert not DirectScaler().draw(frame, screen, pygame.Rect(10, 0, *screen.get_size()), "bgra")


def test_the_player_shows_each_frame_drawn_straight_into_a_screen_of_its_size(clip):
    clock = VirtualClock(50.0)
    with RoutinePlayer(clip, clock=clock) as player:
        screen = pygame.Surface(player.size, 0, 32)
        player.start()
        shown = []
        for at in (0.0, 0.5, 0.9):
            clock.now = 50.0 + at
            limit = time.monotonic() + WAIT_S
            while player.stats.frames_shown == 0 or abs(player.frame_time_s - at) > 1e-3:
                assert time.monotonic() < limit, f"no frame at {at} s"
                player.update()
                time.sleep(0.002)
            shown.append(read_frame_number(screen, player.draw(screen)))
        assert shown == [0, 15, 27]
        assert player.stats.frames_converted == 3
