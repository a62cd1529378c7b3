"""RoutinePlayer, WebVTT captions and the ``play`` command, on clips made by the tests.

Everything runs under SDL's dummy drivers. Most tests drive the player with a fake clock so
they check behaviour frame by frame; the sound tests use the real mixer clock, which the
dummy audio driver advances in real time. Waits have generous limits and only guard against
hangs: nothing asserts how fast the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
from fakes import run_cli as run_cli_in_process  # noqa: E402
from player_clips import make_clip, read_frame_number, truncate  # noqa: E402

from hardware.clock import VirtualClock  # noqa: E402
from kiosk.cli import play as play_cli  # noqa: E402
from kiosk.cli.main import build_parser  # noqa: E402
from kiosk.player.captions import (  # noqa: E402
    BOX_COLOUR,
    CaptionOverlay,
    CaptionTrack,
    caption_font_px,
    parse_webvtt,
)
from kiosk.player.clock import AudioSpool  # noqa: E402
from kiosk.player.player import PlayerError, RoutinePlayer, fit_rect  # noqa: E402
from kiosk.player.routine import Chapter  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FPS = 30
WAIT_S = 15.0  # upper bound for anything asynchronous; a guard against hangs only


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    made = {
        "sound": make_clip(folder / "sound.mp4", seconds=3.0),
        "silent": make_clip(folder / "silent.mp4", seconds=3.0, audio=False),
        "wide854": make_clip(folder / "w854.mp4", width=854, height=480, seconds=1.0, audio=False),
        "wide426": make_clip(folder / "w426.mp4", width=426, height=240, seconds=1.0, audio=False),
        "portrait": make_clip(folder / "portrait.mp4", width=180, height=320, seconds=1.0),
        "vfr": make_clip(
            folder / "vfr.mp4", frame_times=[0, 0.05, 0.07, 0.2, 0.5, 0.55, 1.0, 1.5], audio=False
        ),
        "faststart": make_clip(folder / "faststart.mp4", seconds=4.0, faststart=True),
        "orange": make_clip(
            folder / "orange.mp4",
            width=180,
            height=320,
            seconds=1.0,
            audio=False,
            lower=(230, 120, 20),
        ),
    }
    made["truncated"] = truncate(made["sound"], folder / "truncated.mp4")
    made["truncated_faststart"] = truncate(made["faststart"], folder / "cut_faststart.mp4")
    (folder / "empty.mp4").write_bytes(b"")
    made["empty"] = folder / "empty.mp4"
    (folder / "noise.mp4").write_bytes(bytes((i * 7919 + 13) % 251 for i in range(60_000)))
    made["noise"] = folder / "noise.mp4"
    picture = pygame.Surface((64, 48))
    picture.fill((200, 30, 30))
    for suffix in ("png", "jpg"):
        pygame.image.save(picture, str(folder / f"picture.{suffix}"))
        made[suffix] = folder / f"picture.{suffix}"
    made["raw_h264"] = make_clip(folder / "raw.h264", seconds=1.0, audio=False)
    made["missing"] = folder / "missing.mp4"
    return made


@pytest.fixture(autouse=True)
def _fonts():
    pygame.font.init()
    yield


@pytest.fixture
def fake_time() -> VirtualClock:
    return VirtualClock(50.0)


@pytest.fixture
def screen() -> pygame.Surface:
    return pygame.Surface((640, 360))


@pytest.fixture
def players():
    """Builds players and closes every one of them after the test."""
    made: list[RoutinePlayer] = []

    def build(*args, **kwargs) -> RoutinePlayer:
        player = RoutinePlayer(*args, **kwargs)
        made.append(player)
        return player

    yield build
    for player in made:
        player.close()


def pump(player: RoutinePlayer, done, what: str = "the player") -> None:
    """Call update() until `done()` holds (decoding runs on another thread)."""
    limit = time.monotonic() + WAIT_S
    while not done():
        player.update()
        assert time.monotonic() < limit, f"timed out waiting for {what}"
        time.sleep(0.002)


def show_at(player: RoutinePlayer, fake: VirtualClock, seconds: float, frame_time: float) -> None:
    """Move the fake clock to `seconds` and wait for the picture starting at `frame_time`."""
    fake.now = 50.0 + seconds
    pump(player, lambda: abs(player.frame_time_s - frame_time) < 1e-3, f"frame at {frame_time}")


def frame_on(screen: pygame.Surface, player: RoutinePlayer) -> int:
    picture = player.draw(screen)
    return read_frame_number(screen, picture)


# -- WebVTT ----------------------------------------------------------------------------------

VTT = """\ufeffWEBVTT - routine captions

NOTE this block is a comment
and spans lines

STYLE
::cue { color: yellow }

intro
00:00.500 --> 00:01.500 align:center
Step <b>back</b> slowly &amp; steadily

00:00:02.000 --> 00:00:02.500
<v Coach>Keep one hand</v>
on the counter

00:00:03.000 --> garbage
ignored cue

00:00:04.000 --> 00:00:03.000
ends before it starts
"""


def test_webvtt_parses_cues_and_skips_the_rest():
    cues = parse_webvtt(VTT)
    assert [(c.start_s, c.end_s) for c in cues] == [(0.5, 1.5), (2.0, 2.5)]
    assert cues[0].text == "Step back slowly & steadily"
    assert cues[1].text == "Keep one hand\non the counter"


def test_caption_track_finds_the_cue_showing():
    track = CaptionTrack(parse_webvtt(VTT))
    assert track.at(0.2) is None
    assert track.at(0.5).text.startswith("Step")
    assert track.at(1.5) is None  # end time is exclusive
    assert track.at(2.2).text.startswith("Keep")
    assert track.at(9.0) is None


def test_overlapping_cues_show_the_latest_one():
    text = "WEBVTT\n\n00:00.000 --> 00:10.000\nlong\n\n00:02.000 --> 00:03.000\nshort\n"
    track = CaptionTrack(parse_webvtt(text))
    assert track.at(2.5).text == "short"
    assert track.at(5.0).text == "long"


def test_windows_line_endings_and_missing_header():
    cues = parse_webvtt("00:01.000 --> 00:02.000\r\nhello\r\n\r\n")
    assert [c.text for c in cues] == ["hello"]


# -- caption overlay -------------------------------------------------------------------------


def _luminance(rgb) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_caption_type_is_large_and_contrast_holds_over_white():
    assert caption_font_px(640, 360) >= 32  # never below 32 px
    assert caption_font_px(1920, 1080) > 60  # grows with the screen
    assert caption_font_px(480, 800) < 50  # a portrait screen is sized by its width
    surface = pygame.Surface((640, 360))
    surface.fill((255, 255, 255))  # the worst case: a white picture
    area = surface.get_rect()
    box = CaptionOverlay().draw(surface, area, area, "Step back")
    assert box.height >= 32 and area.contains(box)
    background = surface.get_at((box.left + 2, box.top + 2))
    contrast = (1.0 + 0.05) / (_luminance(background) + 0.05)
    assert contrast >= 7.0, f"contrast {contrast:.1f}:1 with box {BOX_COLOUR}"


def test_long_captions_wrap_inside_the_area():
    surface = pygame.Surface((320, 360))
    area = surface.get_rect()
    box = CaptionOverlay().draw(surface, area, area, "word " * 40)
    assert area.contains(box)


# -- playing by a clock ----------------------------------------------------------------------


def test_frames_follow_the_clock_and_late_ones_are_dropped(clips, fake_time, screen, players):
    player = players(clips["silent"], clock=fake_time)
    assert not player.has_audio
    player.start()
    pump(player, lambda: player.stats.frames_shown >= 1)
    assert frame_on(screen, player) == 0
    show_at(player, fake_time, 1.0, 1.0)
    assert frame_on(screen, player) == 30
    show_at(player, fake_time, 2.51, 2.5)
    assert frame_on(screen, player) == 75
    assert player.stats.frames_dropped >= 40  # skipped, never converted
    assert player.stats.frames_converted == 3


def test_the_decoder_refills_its_queue_in_bursts(clips, fake_time, players):
    player = players(clips["silent"], clock=fake_time, queue_frames=6, refill_at=2)
    waiting = player._decoder.queue.qsize
    player.start()
    limit = time.monotonic() + WAIT_S
    while waiting() < 6:  # the decoder fills the queue, then sleeps
        assert time.monotonic() < limit, "timed out waiting for a full queue"
        time.sleep(0.005)
    player.update()  # frame 0 on show
    player.update()  # frame 1 next
    assert player.stats.frames_shown == 1
    # Shown frame by frame, the queue only shrinks until two are left...
    sizes = [waiting()]
    while sizes[-1] > 2:
        fake_time.sleep(1 / FPS)
        player.update()
        sizes.append(waiting())
        if sizes[-1] > 2:
            time.sleep(0.1)  # an eager decoder would put one back meanwhile
            assert waiting() == sizes[-1]
    assert sizes == list(range(sizes[0], 1, -1))
    # ...and then the decoder wakes and fills it in one go.
    pump(player, lambda: waiting() == 6, "the decoder to refill the queue")


def test_next_frame_in_says_when_the_picture_changes(clips, fake_time, players):
    player = players(clips["silent"], clock=fake_time)
    player.start()
    show_at(player, fake_time, 1.0, 1.0)
    pump(player, lambda: player.next_frame_in_s(1.0) == pytest.approx(1 / FPS, abs=1e-3))
    fake_time.sleep(0.02)
    assert player.next_frame_in_s(1.0) == pytest.approx(1 / FPS - 0.02, abs=1e-3)
    assert player.next_frame_in_s(0.005) == 0.005  # never longer than asked
    fake_time.sleep(0.02)
    assert player.next_frame_in_s(1.0) == 0.0  # due already
    player.pause()
    assert player.next_frame_in_s(0.25) == 0.25  # nothing changes while paused


def test_pause_freezes_picture_and_clock_and_resume_continues(clips, fake_time, screen, players):
    player = players(clips["silent"], clock=fake_time)
    player.start()
    show_at(player, fake_time, 1.0, 1.0)
    player.pause()
    assert player.is_paused
    player.draw(screen)
    frozen = pygame.image.tobytes(screen, "RGB")
    for _ in range(5):
        fake_time.sleep(0.4)
        player.update()
        player.draw(screen)
        assert pygame.image.tobytes(screen, "RGB") == frozen
        assert player.position_s == pytest.approx(1.0)
    player.resume()
    assert player.position_s == pytest.approx(1.0)
    fake_time.sleep(0.5)
    pump(player, lambda: abs(player.frame_time_s - 1.5) < 1e-3)
    assert frame_on(screen, player) == 45


def test_resume_can_rewind(clips, fake_time, screen, players):
    player = players(clips["silent"], clock=fake_time)
    player.start()
    show_at(player, fake_time, 2.0, 2.0)
    player.pause()
    player.resume(rewind_s=1.5)
    assert player.position_s == pytest.approx(0.5)
    pump(player, lambda: abs(player.frame_time_s - 0.5) < 1e-3)
    assert frame_on(screen, player) == 15
    assert not player.is_paused


def test_chapter_seek_lands_on_the_chapter(clips, fake_time, screen, players):
    chapters = [Chapter(0.0, "Welcome"), Chapter(1.0, "Why it helps"), Chapter(2.0, "Try it")]
    player = players(clips["silent"], clock=fake_time, chapters=chapters)
    player.start()
    show_at(player, fake_time, 0.3, 0.3)
    assert player.current_chapter.title == "Welcome"
    player.seek_chapter(2)
    assert player.position_s == pytest.approx(2.0)
    pump(player, lambda: abs(player.frame_time_s - 2.0) < 1e-3)
    assert frame_on(screen, player) == 60
    assert player.current_chapter.title == "Try it"
    # Seeking while paused puts the new picture up straight away.
    player.pause()
    player.seek_chapter(1)
    pump(player, lambda: abs(player.frame_time_s - 1.0) < 1e-3)
    assert frame_on(screen, player) == 30
    assert player.current_chapter_index == 1
    assert player.position_s == pytest.approx(1.0)


def test_captions_appear_at_their_times(clips, fake_time, screen, players, tmp_path):
    vtt = tmp_path / "clip.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    player = players(clips["silent"], clock=fake_time, captions=vtt)
    player.start()
    pump(player, lambda: player.stats.frames_shown >= 1)
    picture = player.draw(screen)
    caption_zone = pygame.Rect(picture.left, picture.bottom - 60, picture.width, 50)
    bare = pygame.image.tobytes(screen.subsurface(caption_zone), "RGB")
    assert player.current_caption is None

    show_at(player, fake_time, 1.0, 1.0)
    assert player.current_caption == "Step back slowly & steadily"
    player.draw(screen)
    assert pygame.image.tobytes(screen.subsurface(caption_zone), "RGB") != bare

    show_at(player, fake_time, 2.2, 2.2)
    assert player.current_caption == "Keep one hand\non the counter"
    show_at(player, fake_time, 2.7, 2.7)
    assert player.current_caption is None
    player.draw(screen)
    assert pygame.image.tobytes(screen.subsurface(caption_zone), "RGB") == bare


def test_plays_to_the_end(clips, fake_time, players):
    player = players(clips["silent"], clock=fake_time)
    player.start()
    show_at(player, fake_time, 2.98, 2.9667)
    fake_time.sleep(1.0)
    pump(player, lambda: player.ended)
    assert player.error is None
    at_end = player.position_s
    fake_time.sleep(1.0)
    player.update()
    assert player.position_s == at_end


def test_variable_frame_rate_uses_each_frames_time(clips, fake_time, screen, players):
    player = players(clips["vfr"], clock=fake_time)
    player.start()
    for now, shown, number in [(0.1, 0.07, 2), (0.3, 0.2, 3), (0.52, 0.5, 4), (0.9, 0.55, 5)]:
        show_at(player, fake_time, now, shown)
        assert frame_on(screen, player) == number
    show_at(player, fake_time, 1.2, 1.0)
    assert frame_on(screen, player) == 6


SURFACE_LAYOUTS = {
    "screen's own": lambda size: pygame.Surface(size),
    "red first": lambda size: pygame.Surface(size, 0, 32, (0xFF, 0xFF00, 0xFF0000, 0)),
    "24-bit": lambda size: pygame.Surface(size, 0, 24),
}


@pytest.mark.parametrize("layout", list(SURFACE_LAYOUTS))
@pytest.mark.parametrize("name,size", [("wide854", (854, 480)), ("wide426", (426, 240))])
def test_padded_widths_show_the_right_pixels(clips, fake_time, players, name, size, layout):
    player = players(clips[name], clock=fake_time)
    assert player.size == size
    # Drawn 1:1, so no scaling hides a row-padding mistake; every pixel layout the player
    # writes directly, and one it converts.
    surface = SURFACE_LAYOUTS[layout](size)
    player.start()
    pump(player, lambda: player.stats.frames_shown >= 1)
    assert frame_on(surface, player) == 0
    show_at(player, fake_time, 0.5, 0.5)
    picture = player.draw(surface)
    assert picture == surface.get_rect()
    assert read_frame_number(surface, picture) == 15
    # The right-hand band is bit 7 (black for frame 15): garbage from padding would show here.
    assert surface.get_at((size[0] - 3, 5))[:3] == pytest.approx((0, 0, 0), abs=40)


@pytest.mark.parametrize("layout", list(SURFACE_LAYOUTS))
def test_a_picture_partly_off_the_surface_keeps_its_colours(clips, fake_time, players, layout):
    player = players(clips["orange"], clock=fake_time)
    player.start()
    pump(player, lambda: player.stats.frames_shown >= 1)
    whole = SURFACE_LAYOUTS[layout]((180, 320))
    player.draw(whole)
    shifted = SURFACE_LAYOUTS[layout]((180, 320))
    player.draw(shifted, pygame.Rect(-20, 0, 180, 320))  # the left 20 columns fall off
    assert whole.get_at((100, 300))[:3] == pytest.approx((230, 120, 20), abs=12)  # orange
    for x, y in ((100, 300), (60, 10)):
        assert shifted.get_at((x - 20, y))[:3] == pytest.approx(whole.get_at((x, y))[:3], abs=2)


@pytest.mark.parametrize(
    "area",
    [pygame.Rect(0, 0, 691, 600), pygame.Rect(0, 0, 800, 390), pygame.Rect(10, 20, 333, 333)],
)
def test_a_scaled_picture_gets_an_even_width_and_stays_centred(area):
    # The routine's 1280x720 in the kiosk's video area at 1024x600 came out 691 wide, which
    # sent every frame down swscale's slow path.
    picture = fit_rect((1280, 720), area)
    assert picture.width % 2 == 0
    assert area.contains(picture)
    assert abs(picture.width / picture.height - 1280 / 720) < 1 / picture.height + 0.01
    assert abs(picture.centerx - area.centerx) <= 1 and abs(picture.centery - area.centery) <= 1
    scale = min(area.width / 1280, area.height / 720)  # as large as fits, but for that pixel
    assert picture.height == round(720 * scale)
    assert round(1280 * scale) - 1 <= picture.width <= round(1280 * scale)


def test_a_picture_shown_at_its_own_size_keeps_an_odd_width():
    assert fit_rect((853, 480), pygame.Rect(0, 0, 853, 480)) == pygame.Rect(0, 0, 853, 480)


def test_portrait_video_is_pillarboxed(clips, fake_time, screen, players):
    player = players(clips["portrait"], clock=fake_time, audio=False)
    player.start()
    show_at(player, fake_time, 0.5, 0.5)
    screen.fill((255, 0, 0))
    picture = player.draw(screen)
    assert picture == fit_rect((180, 320), screen.get_rect())
    assert picture.height == 360 and picture.width < 640 / 2
    assert read_frame_number(screen, picture) == 15
    assert screen.get_at((5, 180))[:3] == (0, 0, 0)  # bars painted black
    assert screen.get_at((635, 180))[:3] == (0, 0, 0)


# -- playing by the sound --------------------------------------------------------------------


@pytest.fixture
def sound_player(clips, players):
    if pygame.mixer.get_init() is not None:
        pygame.mixer.quit()
    player = players(clips["sound"])
    if not player.has_audio:
        pytest.skip("no audio driver available")
    yield player
    player.close()
    assert pygame.mixer.get_init() is None  # the player started the mixer, so it stops it


def test_sound_drives_the_clock_and_pause_freezes_it(sound_player, screen):
    player = sound_player
    player.start()
    pump(player, lambda: player.position_s >= 0.4, "the sound clock to advance")
    assert pygame.mixer.music.get_busy()
    assert frame_on(screen, player) == round(player.frame_time_s * FPS)
    assert player.frame_time_s <= player.position_s + 1e-3

    player.pause()
    paused_at = player.position_s
    player.update()
    player.draw(screen)
    frozen = pygame.image.tobytes(screen, "RGB")
    assert not pygame.mixer.music.get_busy()
    deadline = time.monotonic() + 0.4
    while time.monotonic() < deadline:
        player.update()
        player.draw(screen)
        assert player.position_s == paused_at
        assert pygame.image.tobytes(screen, "RGB") == frozen
        time.sleep(0.02)

    player.resume()
    assert player.position_s >= paused_at
    assert pygame.mixer.music.get_busy()
    pump(player, lambda: player.position_s >= paused_at + 0.3, "the clock to move on")
    assert player.position_s < paused_at + 3.0  # continued from the pause point, no jump


def test_sound_resume_with_rewind_and_chapter_seek(clips, sound_player, screen):
    player = sound_player
    player.chapters = (Chapter(0.0, "One"), Chapter(2.0, "Two"))
    player.start()
    pump(player, lambda: player.position_s >= 0.8, "the sound clock to advance")
    player.pause()
    paused_at = player.position_s
    player.resume(rewind_s=0.5)
    restart = player.position_s
    assert restart == pytest.approx(paused_at - 0.5, abs=0.05)
    pump(player, lambda: player.position_s > restart + 0.1, "playback after the rewind")
    player.seek_chapter(1)
    assert 2.0 <= player.position_s < 2.5
    pump(player, lambda: player.frame_time_s >= 2.0 - 1e-3, "the chapter's picture")
    assert frame_on(screen, player) >= 60
    assert player.current_chapter.title == "Two"


@pytest.mark.slow
def test_sound_plays_to_the_end(sound_player):
    player = sound_player
    player.start()
    pump(player, lambda: player.ended, "the end of the clip")
    assert player.error is None
    assert player.position_s >= 2.9


def _spooled(spool, moves: list[tuple[float, float]]) -> np.ndarray:
    """Run `spool` through (want, wait-until-covered) steps; its samples as int16 pairs."""
    spool.start()
    try:
        for position, until in moves:
            spool.want(position)
            limit = time.monotonic() + WAIT_S
            while (spool.covered_until(position) or 0.0) < until:
                assert time.monotonic() < limit, f"spool never reached {until} s"
                time.sleep(0.01)
        data = Path(spool.open_path).read_bytes()[44:]
    finally:
        spool.close()
    return np.frombuffer(data, "<i2").reshape(-1, 2)


def test_sound_spool_puts_each_sample_at_its_time_even_after_a_jump(clips):
    rate = 44100
    straight = _spooled(AudioSpool(clips["sound"], 0.0, rate, 2), [(0.0, 2.9)])
    # A jump ahead first (like a chapter seek), then back to the start to fill the hole.
    jumped = _spooled(
        AudioSpool(clips["sound"], 0.0, rate, 2, ahead_s=0.5), [(2.0, 2.45), (0.0, 0.45)]
    )
    for start_s in (0.1, 2.1):
        window = slice(round(start_s * rate), round((start_s + 0.3) * rate))
        assert np.abs(straight[window]).max() > 1000  # the tone is there
        assert np.abs(jumped[window].astype(int) - straight[window]).max() <= 2
    hole = slice(round(1.2 * rate), round(1.5 * rate))
    assert not jumped[hole].any()  # not decoded yet: silence, not misplaced sound


def test_sound_spool_tops_up_in_bursts(clips):
    spool = AudioSpool(clips["sound"], 0.0, 44100, 2, ahead_s=1.0, top_up_below_s=0.5)
    spool.start()
    try:
        wait_for = _covered_waiter(spool)
        wait_for(0.0, 1.0)
        time.sleep(0.3)
        filled = spool.covered_until(0.0)
        assert 1.0 <= filled <= 1.25  # stops a piece past the mark
        spool.want(0.4)  # 0.6 s or more still ahead: no top-up yet
        time.sleep(0.3)
        assert spool.covered_until(0.4) == filled
        spool.want(0.8)  # under 0.5 s left: tops up to a second ahead again
        wait_for(0.8, 1.8)
    finally:
        spool.close()


def _covered_waiter(spool):
    def wait_for(position: float, until: float) -> None:
        limit = time.monotonic() + WAIT_S
        while (spool.covered_until(position) or 0.0) < until:
            assert time.monotonic() < limit, f"spool never reached {until} s"
            time.sleep(0.01)

    return wait_for


def test_silent_file_plays_by_the_wall_clock(clips, players):
    player = players(clips["silent"])
    assert not player.has_audio
    player.start()
    pump(player, lambda: player.position_s > 0.3 and player.frame_time_s > 0.2)


# -- files that cannot be played -------------------------------------------------------------


@pytest.mark.parametrize("name", ["missing", "empty", "truncated", "noise", "png", "jpg"])
def test_broken_files_raise_a_clear_player_error(clips, name, caplog):
    with pytest.raises(PlayerError) as caught:
        RoutinePlayer(clips[name])
    message = str(caught.value)
    assert message.startswith(clips[name].name)
    assert "\n" not in message
    assert message in caplog.text  # and it is logged


def test_a_folder_is_not_a_video(tmp_path):
    with pytest.raises(PlayerError, match="folder"):
        RoutinePlayer(tmp_path)


def test_a_file_cut_short_reports_an_error_without_raising(clips, fake_time, players):
    player = players(clips["truncated_faststart"], clock=fake_time, audio=False)
    player.start()
    fake_time.sleep(5.0)
    pump(player, lambda: player.error is not None, "the error to surface")
    assert "cut short" in str(player.error)
    assert player.update() is False  # still callable, nothing more happens


def test_close_stops_the_threads(clips, players):
    player = players(clips["sound"])
    player.start()
    pump(player, lambda: player.stats.frames_shown >= 2)
    player.close()
    player.close()  # twice is fine
    names = {t.name for t in threading.enumerate()}
    assert "kiosk-video-decode" not in names
    assert "kiosk-audio-spool" not in names
    assert player.update() is False


# -- the play command ------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli_in_process("play", *args, cwd=ROOT)


def test_play_registers_a_subcommand():
    args = build_parser().parse_args(["play", "beginner", "--headless", "--seconds", "2", "--json"])
    assert args.handler is play_cli.run_play
    assert (args.target, args.headless, args.seconds, args.json) == ("beginner", True, 2.0, True)


@pytest.mark.parametrize("name", ["missing", "empty", "truncated", "noise", "png"])
def test_play_cli_reports_broken_files_in_one_line(clips, name):
    result = run_cli(str(clips[name]), "--headless", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("play: ") and clips[name].name in lines[0]
    assert "Traceback" not in result.stderr


def test_a_still_picture_is_named_as_such(clips):
    with pytest.raises(PlayerError, match="is a still picture, not a video"):
        RoutinePlayer(clips["png"])


def test_play_cli_json_is_strict_for_a_stream_of_unknown_length(clips):
    result = run_cli(str(clips["raw_h264"]), "--headless", "--json")
    assert result.returncode == 0, result.stderr

    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")

    figures = json.loads(result.stdout, parse_constant=refuse)
    assert figures["duration_s"] is None  # a raw stream does not say how long it is
    assert figures["frames_shown"] >= 25


def test_play_cli_plays_a_routine_headless_with_json(clips, tmp_path):
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "practice.mp4").write_bytes(clips["sound"].read_bytes())
    (folder / "practice.vtt").write_text(VTT, encoding="utf-8")
    (folder / "routine.toml").write_text(
        'title = "Practice"\nlevel = 1\nvideo = "practice.mp4"\ncaptions = "practice.vtt"\n'
        'length_s = 3\n[[chapters]]\nstart_s = 0.0\ntitle = "Start"\n',
        encoding="utf-8",
    )
    result = run_cli(str(folder), "--headless", "--seconds", "0.6", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in (
        "frames_shown",
        "frames_dropped",
        "av_offset_ms_p95",
        "decode_ms_per_frame",
        "duration_s",
        "width",
        "height",
        "has_audio",
    ):
        assert key in figures
    assert (figures["width"], figures["height"]) == (320, 180)
    assert figures["has_audio"] is True
    assert figures["frames_shown"] >= 2
    assert figures["played_s"] >= 0.6


def test_play_cli_names_an_unknown_routine(tmp_path):
    result = run_cli("no-such-routine", "--headless")
    assert result.returncode == 2
    assert "no-such-routine" in result.stderr and "Traceback" not in result.stderr
