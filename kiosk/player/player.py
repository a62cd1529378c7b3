"""RoutinePlayer: plays the routine video inside a pygame surface the caller owns.

The caller keeps the display and the event loop::

    player = RoutinePlayer(path, captions=..., chapters=...)
    player.start()
    while running:
        player.update()                 # picks the frame due now
        player.draw(screen, rect)       # letterboxed picture and captions
        pygame.display.flip()
    player.close()

Pictures are decoded by PyAV on a background thread (with FFmpeg's own threads as well) into a
short queue. The sound is the master clock (see `kiosk.player.clock`): each update shows the
newest frame that is due and drops older ones before any colour conversion is spent on them.
Files without sound, or players made with ``audio=False``, follow a monotonic clock that tests
can replace.

Nothing here raises after construction: a decoding failure is logged and kept in `error`,
so the screen can show it instead of dying.
"""

from __future__ import annotations

import logging
import math
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import pygame
from av.video.reformatter import VideoReformatter

from kiosk.player.captions import CaptionError, CaptionOverlay, CaptionTrack, Cue, load_captions
from kiosk.player.clock import MediaClock, MixerClock, WallClock
from kiosk.player.decoders import V4L2_DECODER_DEVICE, open_video_decoder
from kiosk.player.routine import Chapter, Routine, chapter_index_at
from kiosk.player.sound import init_mixer

logger = logging.getLogger(__name__)

# Decoded pictures waiting to be shown, and how few may be left before the decoder wakes
# to refill the queue. Decoding in bursts of several frames keeps the decoder's tables and
# reference pictures in the CPU caches; waking for every single frame let other work evict
# them in between (measured on the routine: 3.3 ms CPU a frame for the whole player against
# 2.9 ms with bursts of eight).
QUEUE_FRAMES = 10
REFILL_AT = 2
# Packets in a row that fail to decode before the file is declared broken.
_MAX_BAD_PACKETS = 25
# How many packets the opening check may read looking for a first picture.
_PROBE_PACKETS = 300
_STOP_POLL_S = 0.05
# A frame counts as due this close to its time: float rounding must not hold it back.
_DUE_SLACK_S = 0.001
# How often to look again when no decoded picture is waiting.
_POLL_EMPTY_S = 0.005


class PlayerError(Exception):
    """A video that cannot be played. The message is one line: file, problem, what to do."""


@dataclass
class PlayerStats:
    """Counters for tuning and the benchmark. Times are wall-clock milliseconds."""

    frames_shown: int = 0
    frames_dropped: int = 0
    frames_decoded: int = 0
    decode_s: float = 0.0
    frames_converted: int = 0
    convert_s: float = 0.0
    # Audio clock minus the frame's time when the frame went up (positive: picture late).
    av_offsets_ms: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))

    @property
    def decode_ms_per_frame(self) -> float:
        return 1000 * self.decode_s / self.frames_decoded if self.frames_decoded else 0.0

    @property
    def convert_ms_per_frame(self) -> float:
        return 1000 * self.convert_s / self.frames_converted if self.frames_converted else 0.0

    def av_offset_ms(self, percentile: float) -> float:
        """A percentile (0-100) of the A/V offsets, interpolated between the two nearest
        (as numpy's default does); 0.0 before any frame was shown."""
        ordered = sorted(self.av_offsets_ms)
        if not ordered:
            return 0.0
        place = (len(ordered) - 1) * min(max(percentile, 0.0), 100.0) / 100
        below = math.floor(place)
        above = min(below + 1, len(ordered) - 1)
        return ordered[below] + (ordered[above] - ordered[below]) * (place - below)

    def summary(self) -> dict[str, float | int]:
        return {
            "frames_shown": self.frames_shown,
            "frames_dropped": self.frames_dropped,
            "av_offset_ms_p95": round(self.av_offset_ms(95), 1),
            "av_offset_ms_min": round(min(self.av_offsets_ms, default=0.0), 1),
            "av_offset_ms_max": round(max(self.av_offsets_ms, default=0.0), 1),
            "decode_ms_per_frame": round(self.decode_ms_per_frame, 2),
            "convert_ms_per_frame": round(self.convert_ms_per_frame, 2),
        }


@dataclass(frozen=True)
class VideoInfo:
    """What the opening check learnt about the file."""

    width: int  # display size, after the sample aspect ratio
    height: int
    duration_s: float
    has_audio: bool
    origin_s: float  # media time 0 in the file's own timestamps
    frame_interval_s: float = 1 / 30  # nominal; each frame still carries its own time
    audio_channels: int = 0
    audio_rate: int = 0


def fit_rect(size: tuple[int, int], area: pygame.Rect) -> pygame.Rect:
    """The largest rect of `size`'s aspect ratio centred in `area` (letterbox or pillarbox).

    A picture that has to be scaled gets an even width: swscale's fast scaler needs one, and
    an odd width falls back to code about three times slower (1280x720 to 691x389: 2.0 ms a
    frame against 0.63 ms for 690x389 on the benchmark machine). The bar beside it is one
    pixel wider; the picture's shape changes by less than a pixel.
    """
    width, height = size
    scale = min(area.width / width, area.height / height)
    fitted = pygame.Rect(0, 0, max(1, round(width * scale)), max(1, round(height * scale)))
    if fitted.size != (width, height) and fitted.width % 2 and fitted.width > 1:
        fitted.width -= 1
    fitted.center = area.center
    return fitted


def _reason(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return str(text).strip().rstrip(".").splitlines()[0]


def probe_video(path: Path) -> VideoInfo:
    """Check that `path` holds a decodable picture; raise PlayerError saying why not."""
    name = path.name
    _check_file(path)
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as err:
        raise PlayerError(
            f"{name}: not a video that can be played ({_reason(err)}); the file may be damaged "
            "or cut short: copy or export it again"
        ) from err
    with container:
        if not container.streams.video:
            raise PlayerError(
                f"{name}: holds no video picture; export the routine as a video (e.g. H.264 MP4)"
            )
        if _is_still_picture(container):
            raise PlayerError(
                f"{name}: is a still picture, not a video; the routine needs a video file "
                "(e.g. H.264 MP4)"
            )
        return _video_info(container, name)


def _check_file(path: Path) -> None:
    name = path.name
    if not path.exists():
        raise PlayerError(
            f"{name}: file not found at {path}; check the path or copy the video again"
        )
    if path.is_dir():
        raise PlayerError(f"{name}: is a folder, not a video file; give the video file itself")
    if path.stat().st_size == 0:
        raise PlayerError(f"{name}: the file is empty (0 bytes); copy the video again")


def _video_info(container: av.container.InputContainer, name: str) -> VideoInfo:
    stream = container.streams.video[0]
    first = _first_frame(container, stream, name)
    sar = stream.codec_context.sample_aspect_ratio
    width = first.width
    if sar and Fraction(sar) > 0 and Fraction(sar) != 1:
        width = max(1, round(first.width * Fraction(sar)))
    origin = container.start_time / av.time_base if container.start_time is not None else 0.0
    audio = container.streams.audio[0] if container.streams.audio else None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    else:
        duration = math.nan
    return VideoInfo(
        width=width,
        height=first.height,
        duration_s=duration,
        has_audio=audio is not None,
        origin_s=origin,
        frame_interval_s=1 / float(stream.average_rate or stream.guessed_rate or 30),
        audio_channels=audio.channels if audio else 0,
        audio_rate=audio.rate if audio else 0,
    )


def _is_still_picture(container: av.container.InputContainer) -> bool:
    """True for image files (PNG, JPEG, BMP...), which FFmpeg reads as one-frame videos."""
    kind = container.format.name
    return kind == "image2" or (kind.endswith("_pipe") and kind != "gif_pipe")


def _first_frame(
    container: av.container.InputContainer, stream: av.VideoStream, name: str
) -> av.VideoFrame:
    failure: BaseException | None = None
    try:
        for count, packet in enumerate(container.demux(stream)):
            if count > _PROBE_PACKETS:
                break
            try:
                for frame in packet.decode():
                    return frame
            except av.FFmpegError as err:
                failure = err
    except (av.FFmpegError, OSError) as err:
        failure = err
    detail = f" ({_reason(failure)})" if failure else ""
    raise PlayerError(
        f"{name}: no picture could be decoded{detail}; the file is damaged or in an unsupported "
        "format: export it again as H.264 MP4"
    )


_END = "end"


class _VideoDecoder:
    """Background thread decoding pictures into a bounded queue of (generation, time, frame).

    A seek bumps the generation; the reader throws away items of older generations. A full
    queue is refilled in one burst once the reader has taken it down to `refill_at` items.
    """

    def __init__(
        self,
        path: Path,
        info: VideoInfo,
        stats: PlayerStats,
        size: int,
        refill_at: int = 0,
        hardware_device: Path | None = V4L2_DECODER_DEVICE,
    ) -> None:
        self._path = path
        self._info = info
        self._stats = stats
        self._hardware_device = hardware_device
        self.codec: av.CodecContext | None = None  # the decoder in use, once the thread opened it
        self.queue: queue.Queue[tuple[int, float, object]] = queue.Queue(maxsize=size)
        self._refill_at = max(0, min(refill_at, size - 1))
        self._room = threading.Event()  # set when the queue is low enough to refill
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._generation = 0
        self._seek_to: float | None = None
        self.error: PlayerError | None = None
        self._thread = threading.Thread(target=self._run, name="kiosk-video-decode", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def take(self) -> tuple[int, float, object]:
        """The next queued item; raises queue.Empty when there is none."""
        item = self.queue.get_nowait()
        if self.queue.qsize() <= self._refill_at:
            self._room.set()
        return item

    def seek(self, position_s: float) -> int:
        """Ask for frames from `position_s`; returns the generation they will carry."""
        with self._lock:
            self._generation += 1
            self._seek_to = position_s
            generation = self._generation
        self._drain()
        self._wake.set()
        self._room.set()
        return generation

    def _drain(self) -> None:
        try:
            while True:
                self.queue.get_nowait()
        except queue.Empty:
            pass

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        self._room.set()
        self._drain()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("%s: the picture decoder did not stop in time", self._path.name)
        self._drain()

    def _run(self) -> None:
        try:
            with av.open(str(self._path)) as container:
                self._decode(container)
        except PlayerError as err:
            self.error = err
        except Exception as err:  # never let the thread die unreported
            self.error = PlayerError(
                f"{self._path.name}: playback failed ({_reason(err)}); the file may be damaged: "
                "copy or export it again"
            )
            logger.debug("decoder failure", exc_info=True)

    def _decode(self, container: av.container.InputContainer) -> None:
        stream = container.streams.video[0]
        self.codec = open_video_decoder(stream, self._hardware_device)
        generation = 0
        target: float | None = None  # after a seek: skip frames until this time
        held: tuple[float, av.VideoFrame] | None = None
        frames = self._frames(container, stream)
        while not self._stop.is_set():
            with self._lock:
                request, self._seek_to = self._seek_to, None
                if request is not None:
                    generation = self._generation
            if request is not None:
                self._seek(container, stream, request)
                frames = self._frames(container, stream)
                target, held = request, None
            started = time.perf_counter()
            item = next(frames, None)
            if item is None:
                if held is not None:  # the file ended while skipping to the target
                    self._put((generation, *held))
                    held = None
                self._put((generation, math.inf, _END))
                self._wake.wait()  # sleep until a seek or close
                self._wake.clear()
                continue
            self._stats.decode_s += time.perf_counter() - started
            self._stats.frames_decoded += 1
            if target is not None:
                # Land on the picture showing at the target: the last one starting at or
                # before it. A chapter then opens on its own first picture.
                if item[0] <= target + 1e-6:
                    held = item
                    continue
                target = None
                if held is not None and not self._put((generation, *held)):
                    continue
                held = None
            self._put((generation, *item))

    def _seek(
        self, container: av.container.InputContainer, stream: av.VideoStream, target: float
    ) -> None:
        offset = int((target + self._info.origin_s) / stream.time_base)
        try:
            container.seek(max(0, offset), stream=stream, backward=True, any_frame=False)
        except av.FFmpegError:
            logger.debug("%s: seek failed; decoding from the start", self._path.name)
            container.seek(0, stream=stream, backward=True, any_frame=False)
        self.codec.flush_buffers()

    def _frames(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[tuple[float, av.VideoFrame]]:
        """(media time, frame) pairs; damaged packets are skipped unless too many in a row."""
        origin = self._info.origin_s
        step = 1.0 / float(stream.average_rate or stream.guessed_rate or 30)
        last = -step
        bad_in_a_row = 0
        for packet in container.demux(stream):
            try:
                decoded = self.codec.decode(packet)
            except av.FFmpegError as err:
                bad_in_a_row += 1
                logger.debug("%s: damaged video packet: %s", self._path.name, err)
                if bad_in_a_row > _MAX_BAD_PACKETS:
                    raise PlayerError(
                        f"{self._path.name}: the picture data is damaged ({_reason(err)}); "
                        "copy or export the video again"
                    ) from err
                continue
            bad_in_a_row = 0
            for frame in decoded:
                # Variable frame rates: each frame carries its own time.
                last = frame.time - origin if frame.time is not None else last + step
                yield last, frame

    def _put(self, item: tuple[int, float, object]) -> bool:
        """Queue `item` unless a close, or a seek asked for meanwhile, makes it pointless.

        A full queue waits until the reader has taken it down to the refill mark.
        """
        while not self._stop.is_set() and self._seek_to is None:
            try:
                self.queue.put_nowait(item)
                return True
            except queue.Full:
                self._room.clear()
                while (
                    self.queue.qsize() > self._refill_at
                    and not self._stop.is_set()
                    and self._seek_to is None
                ):
                    self._room.wait(_STOP_POLL_S)
        return False


class RoutinePlayer:
    """Plays one video, with optional captions and chapters, into a surface the caller owns."""

    def __init__(
        self,
        path: str | Path,
        *,
        captions: str | Path | Sequence[Cue] | None = None,
        chapters: Sequence[Chapter] = (),
        clock: Callable[[], float] | None = None,
        audio: bool = True,
        queue_frames: int = QUEUE_FRAMES,
        refill_at: int = REFILL_AT,
        hardware_decoder_device: Path | None = V4L2_DECODER_DEVICE,
    ) -> None:
        """Open and check the file (raises PlayerError); nothing plays until `start()`.

        `clock` is the monotonic time source used when there is no sound (tests pass a fake);
        `audio=False` plays silently by that clock even if the file has sound;
        `hardware_decoder_device` is where the Pi's H.264 decoder would be (None: software).
        """
        self.path = Path(path)
        try:
            self.info = probe_video(self.path)
        except PlayerError as err:
            logger.error("%s", err)
            raise
        self.chapters: tuple[Chapter, ...] = tuple(sorted(chapters, key=lambda c: c.start_s))
        self.stats = PlayerStats()
        self.error: PlayerError | None = None
        self._now = clock or time.monotonic
        self._captions = self._load_captions(captions)
        self._overlay = CaptionOverlay()
        self._decoder = _VideoDecoder(
            self.path, self.info, self.stats, queue_frames, refill_at, hardware_decoder_device
        )
        self._owns_mixer = False
        self._clock: MediaClock = self._make_clock(audio)
        self._generation = 0
        self._pending: tuple[float, av.VideoFrame] | None = None
        self._frame: av.VideoFrame | None = None
        self._frame_time = 0.0
        self._frame_serial = 0
        self._show_next_at_once = True
        self._video_done = False
        self._last_frame_end = 0.0
        self._pixels: av.VideoFrame | None = None  # the picture on show, converted for drawing
        self._pixels_key: tuple[int, tuple[int, int], str | None] | None = None
        self._reformatter = VideoReformatter()
        self._caption: str | None = None
        self._started = self._paused = self._ended = self._closed = False

    @classmethod
    def from_routine(cls, routine: Routine, **options) -> RoutinePlayer:
        """A player for `routine`'s video with its captions and chapters."""
        return cls(
            routine.video_path, captions=routine.captions_path, chapters=routine.chapters, **options
        )

    # -- set-up -------------------------------------------------------------------------------
    def _load_captions(self, captions: str | Path | Sequence[Cue] | None) -> CaptionTrack | None:
        if captions is None:
            return None
        if isinstance(captions, str | Path):
            try:
                return CaptionTrack(load_captions(captions))
            except CaptionError as err:
                logger.warning("%s; playing without captions", err)
                return None
        return CaptionTrack(captions)

    def _make_clock(self, audio: bool) -> MediaClock:
        if not (audio and self.info.has_audio):
            return WallClock(self._now)
        if pygame.mixer.get_init() is None:
            try:
                # The sound's own rate spares a resampling pass.
                rate = self.info.audio_rate if 8000 <= self.info.audio_rate <= 96000 else 44100
                init_mixer(rate)
                self._owns_mixer = True
            except pygame.error as err:
                logger.warning(
                    "%s: no sound device (%s); playing without sound", self.path.name, err
                )
                return WallClock(self._now)
        try:
            return MixerClock(
                self.path, self.info.origin_s, self.info.audio_channels, now=self._now
            )
        except (OSError, RuntimeError) as err:
            logger.warning(
                "%s: cannot prepare the sound (%s); playing silently", self.path.name, err
            )
            return WallClock(self._now)

    # -- state --------------------------------------------------------------------------------
    @property
    def has_audio(self) -> bool:
        """True when the sound plays and drives the clock."""
        return self._clock.has_audio

    @property
    def size(self) -> tuple[int, int]:
        """The picture's display size in pixels."""
        return self.info.width, self.info.height

    @property
    def duration_s(self) -> float:
        return self.info.duration_s

    @property
    def position_s(self) -> float:
        """Media time now playing, in seconds (frozen while paused)."""
        return self._clock.position()

    @property
    def is_paused(self) -> bool:
        return self._paused

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def current_chapter(self) -> Chapter | None:
        index = self.current_chapter_index
        return None if index is None else self.chapters[index]

    @property
    def current_chapter_index(self) -> int | None:
        return chapter_index_at(self.chapters, self.position_s)

    @property
    def current_caption(self) -> str | None:
        """The caption text showing since the last update, or None."""
        return self._caption

    @property
    def decoder_name(self) -> str | None:
        """libav's name for the picture's decoder (h264_v4l2m2m is the Pi's hardware one);
        None until the decoding thread has opened it."""
        codec = self._decoder.codec
        return None if codec is None else codec.name

    @property
    def frame_time_s(self) -> float:
        """Media time of the picture on show."""
        return self._frame_time

    # -- control ------------------------------------------------------------------------------
    def start(self, position_s: float = 0.0) -> None:
        """Begin decoding and playing at `position_s`."""
        if self._started or self._closed:
            return
        self._started = True
        if position_s > 0:
            self._generation = self._decoder.seek(position_s)
        self._decoder.start()
        self._clock.start(position_s)

    def pause(self) -> None:
        """Freeze picture and sound where they are."""
        if self._closed or self._paused or self._ended or not self._started:
            return
        self._clock.pause()
        self._paused = True

    def resume(self, rewind_s: float = 0.0) -> None:
        """Continue from the pause point, or `rewind_s` seconds before it."""
        if self._closed or not self._paused:
            return
        if rewind_s > 0:
            self.seek(self.position_s - rewind_s)
        self._paused = False
        self._clock.resume()

    def seek(self, seconds: float) -> None:
        """Jump to `seconds` (clamped to the file); keeps the paused/playing state."""
        if self._closed or not self._started:
            return
        limit = self.info.duration_s if math.isfinite(self.info.duration_s) else seconds
        target = min(max(0.0, seconds), max(0.0, limit - 0.001))
        self._generation = self._decoder.seek(target)
        self._pending = None
        self._show_next_at_once = True
        self._video_done = False
        if self._ended:
            self._ended = False
            self._paused = True  # an ended player waits for resume()
        self._clock.seek(target)

    def seek_chapter(self, index: int) -> Chapter:
        """Jump to the start of chapter `index` (negative counts from the end)."""
        chapter = self.chapters[index]
        self.seek(chapter.start_s)
        return chapter

    # -- per display frame --------------------------------------------------------------------
    def update(self) -> bool:
        """Take up the frame due now; True when the picture or the caption changed."""
        if self._closed or self.error is not None or not self._started:
            return False
        if self._decoder.error is not None:
            self._fail(self._decoder.error)
            return True
        now_s = self._clock.position()
        changed = self._take_due_frame(now_s)
        if self._captions is not None:
            cue = self._captions.at(now_s)
            text = cue.text if cue else None
            if text != self._caption:
                self._caption = text
                changed = True
        if self._video_done and not self._ended:
            self._check_end(now_s)
        return changed

    def next_frame_in_s(self, longest: float) -> float:
        """Seconds the caller may wait before calling update() again, at most `longest`.

        While playing that is the time until the next picture is due, so a loop that sleeps
        this long wakes when the frame changes rather than turning at a fixed rate.
        """
        if not self._started or self._closed or self.error is not None or self._paused:
            return longest
        if self._ended or self._video_done:
            return longest
        if self._pending is None:
            return min(longest, _POLL_EMPTY_S)
        return min(longest, max(0.0, self._pending[0] - self._clock.position()))

    def _take_due_frame(self, now_s: float) -> bool:
        chosen: tuple[float, av.VideoFrame] | None = None
        at_once = self._show_next_at_once
        while True:
            if self._pending is None:
                try:
                    generation, frame_time, frame = self._decoder.take()
                except queue.Empty:
                    break
                if generation != self._generation:
                    continue
                if frame is _END:
                    self._video_done = True
                    break
                self._pending = (frame_time, frame)
            due = self._pending[0] <= now_s + _DUE_SLACK_S
            if not due and (chosen is not None or not at_once):
                break
            if chosen is not None:
                self.stats.frames_dropped += 1  # late: never converted or drawn
            chosen, self._pending = self._pending, None
            if at_once:
                break
        if chosen is None:
            return False
        self._show_next_at_once = False
        self._frame_time, self._frame = chosen
        self._frame_serial += 1
        self._last_frame_end = max(self._last_frame_end, self._frame_time)
        self.stats.frames_shown += 1
        if not at_once and not self._paused:
            self.stats.av_offsets_ms.append(1000 * (now_s - self._frame_time))
        return True

    def _check_end(self, now_s: float) -> None:
        duration = self.info.duration_s
        end_s = self._last_frame_end + self.info.frame_interval_s
        if now_s < end_s:
            return
        if math.isfinite(duration) and end_s < duration - max(1.0, 0.1 * duration):
            self._fail(
                PlayerError(
                    f"{self.path.name}: the video stops at {self._last_frame_end:.1f} s of "
                    f"{duration:.1f} s; the file looks cut short: copy it again"
                )
            )
            return
        sound_end = getattr(self._clock, "sound_end_s", 0.0)
        if self.has_audio and (sound_end is None or now_s < sound_end - 0.05):
            return  # let the sound finish
        self._ended = True
        self._clock.pause()
        logger.info("%s: finished at %.1f s", self.path.name, now_s)

    def _fail(self, error: PlayerError) -> None:
        self.error = error
        logger.error("%s", error)
        self._clock.pause()

    def draw(self, surface: pygame.Surface, rect: pygame.Rect | None = None) -> pygame.Rect:
        """Draw the current picture letterboxed into `rect` (default: all of `surface`).

        Returns the rect the picture occupies. The bars are painted black; captions go over
        the lower part of the picture.
        """
        area = pygame.Rect(rect) if rect is not None else surface.get_rect()
        picture = fit_rect(self.size, area)
        for bar in _bars(area, picture):
            surface.fill((0, 0, 0), bar)
        if self._frame is not None:
            self._draw_picture(surface, picture)
        else:
            surface.fill((0, 0, 0), picture)
        if self._caption:
            self._overlay.draw(surface, area, picture, self._caption)
        return picture

    def _draw_picture(self, surface: pygame.Surface, picture: pygame.Rect) -> None:
        order = pixel_order(surface)
        key = (self._frame_serial, picture.size, order)
        if key != self._pixels_key:
            self._pixels = None  # let the old buffer go first: the allocator reuses it
            self._pixels = self._convert(self._frame, picture.size, order or "bgra")
            self._pixels_key = key
        plane = self._pixels.planes[0]
        if order is not None and _whole_rows(surface, picture, plane.line_size):
            # The usual case in a window of the video's shape: the picture is a run of the
            # screen's bytes, written with one copy and nothing imported to do it.
            start = picture.top * surface.get_pitch()
            surface.get_buffer().write(plane, start)  # its buffer: line_size x height
        elif order is not None and surface.get_rect().contains(picture):
            _copy_into(surface, picture, plane)
        else:
            # Clipped, or a layout without a direct copy: pygame blits (and converts) it.
            layout = "RGBA" if order == "rgba" else "BGRA"
            image = pygame.image.frombuffer(plane, picture.size, layout, plane.line_size)
            surface.blit(image, picture.topleft)

    def _convert(self, frame: av.VideoFrame, size: tuple[int, int], order: str) -> av.VideoFrame:
        """`frame` scaled to `size` in the 32-bit byte `order` given, by swscale.

        One reformatter for the whole playback keeps its swscale context (building one costs
        more than converting a frame), and one scaling thread costs the least CPU (FFmpeg's
        default of one per core measured about twice the CPU time for the same picture).
        """
        started = time.perf_counter()
        converted = self._reformatter.reformat(
            frame,
            width=size[0],
            height=size[1],
            format=order,
            interpolation="FAST_BILINEAR",
            threads=1,
        )
        self.stats.convert_s += time.perf_counter() - started
        self.stats.frames_converted += 1
        return converted

    # -- teardown -----------------------------------------------------------------------------
    def close(self) -> None:
        """Stop threads and sound; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._decoder.stop()
        self._clock.close()
        self._frame = self._pending = None
        if self._owns_mixer and pygame.mixer.get_init() is not None:
            pygame.mixer.quit()

    def __enter__(self) -> RoutinePlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def pixel_order(surface: pygame.Surface) -> str | None:
    """FFmpeg's name for `surface`'s 32-bit pixel layout, or None for other layouts."""
    if surface.get_bytesize() != 4 or sys.byteorder != "little":
        return None
    red, green, blue, _ = surface.get_masks()
    return {
        (0xFF0000, 0xFF00, 0xFF): "bgra",  # bytes B, G, R, X
        (0xFF, 0xFF00, 0xFF0000): "rgba",  # bytes R, G, B, X
    }.get((red, green, blue))


def _whole_rows(surface: pygame.Surface, picture: pygame.Rect, line_size: int) -> bool:
    """True when `picture` spans whole rows of `surface`, both without row padding."""
    pitch = surface.get_pitch()
    return (
        picture.left == 0
        and picture.width == surface.get_width()
        and pitch == line_size == 4 * picture.width
        and picture.top >= 0
        and picture.bottom <= surface.get_height()
    )


def _copy_into(
    surface: pygame.Surface, picture: pygame.Rect, plane: av.video.plane.VideoPlane
) -> None:
    """Copy 32-bit pixels into the part `picture` of `surface` (same layout), row by row
    through numpy: rows may be padded (854 px wide gives 3424-byte rows, not 3416)."""
    import numpy as np

    rows = np.frombuffer(plane, np.uint32, count=plane.line_size // 4 * picture.height)
    rows = rows.reshape(picture.height, plane.line_size // 4)[:, : picture.width]
    target = pygame.surfarray.pixels2d(surface)
    target[picture.left : picture.right, picture.top : picture.bottom] = rows.T
    del target  # unlocks the surface


def _bars(area: pygame.Rect, picture: pygame.Rect) -> list[pygame.Rect]:
    """The parts of `area` the picture leaves uncovered."""
    bars = []
    if picture.top > area.top:
        bars.append(pygame.Rect(area.left, area.top, area.width, picture.top - area.top))
    if picture.bottom < area.bottom:
        bars.append(
            pygame.Rect(area.left, picture.bottom, area.width, area.bottom - picture.bottom)
        )
    if picture.left > area.left:
        bars.append(pygame.Rect(area.left, picture.top, picture.left - area.left, picture.height))
    if picture.right < area.right:
        bars.append(
            pygame.Rect(picture.right, picture.top, area.right - picture.right, picture.height)
        )
    return bars
