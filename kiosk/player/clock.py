"""Playback clocks for the video player: a wall clock, and the sound track as the master clock.

The sound is decoded with PyAV into a WAV spool file (on tmpfs when there is one) that
``pygame.mixer.music`` streams. Why this route:

* ``pygame.mixer.music.get_pos()`` counts the audio the mixer has actually consumed and stops
  while paused, which makes it the only clock pygame offers that follows the sound itself;
  Sound/Channel playback has no position at all.
* The mixer reads the spool through SDL's own file I/O on its audio thread. A Python
  file-like object would make that thread take the GIL, and since ``music.pause()`` takes the
  audio lock while holding the GIL, the two could deadlock.
* Pausing is ``Mix_PauseMusic``: the sound stops at the next mixer buffer (about 23 ms).

Known quirks handled here: ``get_pos()`` starts from 0 after every ``play(start=...)`` (the
offset is tracked here), can step back a few ms on pause (readings are clamped), and returns
garbage once the music has stopped by itself (it is only read while the music is busy).
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import av
import pygame

logger = logging.getLogger(__name__)

Now = Callable[[], float]

# How much sound must be spooled ahead of the play position before the music starts.
PREROLL_S = 0.5
# How far ahead of the play position the sound is decoded before the decoder waits, and how
# little may be left before it tops up again. Topping up in bursts of a few seconds costs less
# CPU than following the play position a packet at a time (caches stay warm, fewer wake-ups).
AHEAD_S = 6.0
TOP_UP_BELOW_S = 3.0
# The spool writes the sound in pieces of this length (fewer, larger writes).
WRITE_PIECE_S = 0.2
# Largest forward jump a clock reading may make between two reads (guards against garbage).
_MAX_JUMP_S = 0.5


class MediaClock(Protocol):
    """What the player needs from a clock. All methods run on the caller's (main) thread."""

    has_audio: bool

    def start(self, position_s: float) -> None: ...
    def position(self) -> float: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def seek(self, position_s: float) -> None: ...
    def close(self) -> None: ...


class WallClock:
    """Media time from a monotonic time source; used for files without sound, and in tests."""

    has_audio = False

    def __init__(self, now: Now = time.monotonic) -> None:
        self._now = now
        self._base_s = 0.0
        self._since: float | None = None  # None while stopped or paused

    @property
    def running(self) -> bool:
        return self._since is not None

    def start(self, position_s: float = 0.0) -> None:
        self._base_s = position_s
        self._since = self._now()

    def position(self) -> float:
        if self._since is None:
            return self._base_s
        return self._base_s + max(0.0, self._now() - self._since)

    def pause(self) -> None:
        self._base_s = self.position()
        self._since = None

    def resume(self) -> None:
        if self._since is None:
            self._since = self._now()

    def seek(self, position_s: float) -> None:
        self._base_s = position_s
        if self._since is not None:
            self._since = self._now()

    def close(self) -> None:
        self._since = None


def _spool_dir() -> str | None:
    """A RAM-backed folder for the spool if there is one: no SD-card wear, fast reads."""
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return candidate
    return None


def _wav_header(rate: int, channels: int) -> bytes:
    # The data size is unknown while spooling: declare the largest whole number of sample
    # frames. The mixer stops cleanly at the end of what was written.
    frame_bytes = 2 * channels
    data_bytes = (0xFFFFFFFF - 36) // frame_bytes * frame_bytes
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * frame_bytes, frame_bytes, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class AudioSpool:
    """Decodes a file's sound into a WAV spool file on a background thread.

    Each sample is written at its own place in the file (offset = media time x rate), so the
    spool can jump: a seek far ahead restarts decoding there, leaving a hole that reads as
    silence until it is filled. Decoding runs `ahead_s` ahead of the play position, waits
    until less than `top_up_below_s` is left, then tops up again: the work is spread over
    the playback instead of one burst at the start.
    """

    def __init__(
        self,
        path: Path,
        origin_s: float,
        rate: int,
        channels: int,
        ahead_s: float = AHEAD_S,
        top_up_below_s: float = TOP_UP_BELOW_S,
    ) -> None:
        self.path = path
        self.rate = rate
        self.channels = channels
        self.playhead_s = 0.0  # set by the clock: where the listener is
        self.end_s: float | None = None  # the sound's length, once decoding reached the end
        self.error: str | None = None
        self._origin_s = origin_s
        self._ahead = round(ahead_s * rate)
        self._top_up_below = min(self._ahead, round(top_up_below_s * rate))
        self._topping_up = True
        self._frame_bytes = 2 * channels
        self._runs: list[list[int]] = []  # written [start, end) sample frames, sorted, disjoint
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        fd, name = tempfile.mkstemp(prefix="kiosk-sound-", suffix=".wav", dir=_spool_dir())
        self._fd = fd
        self.file_name = name
        header = _wav_header(rate, channels)
        self._data_at = len(header)
        os.pwrite(fd, header, 0)
        # Where the mixer opens it. On Linux the name goes at once and the mixer opens the
        # descriptor's /proc path, so not even a killed process leaves a spool behind.
        self.open_path = name
        if os.path.exists(f"/proc/self/fd/{fd}"):
            self.open_path = f"/proc/self/fd/{fd}"
            self.unlink()
        self._thread = threading.Thread(target=self._run, name="kiosk-audio-spool", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def want(self, position_s: float) -> None:
        """The listener moved to `position_s` (a seek): decode from there if needed."""
        self.playhead_s = position_s
        self._wake.set()

    def covered_until(self, position_s: float) -> float | None:
        """End (seconds) of the written stretch holding `position_s`, or None if not written."""
        frame = round(position_s * self.rate)
        with self._lock:
            for start, end in self._runs:
                if start <= frame < end:
                    return end / self.rate
        return None

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        # Let the picture's decoder win when the two compete for a core (Linux: per thread).
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 5)
        try:
            with av.open(str(self.path)) as container:
                self._spool(container)
        except Exception as err:  # the thread must never die silently
            self.error = f"{type(err).__name__}: {err}"
            logger.warning("%s: sound decoding stopped: %s", self.path.name, self.error)
            if self.end_s is None:
                self.end_s = self._written_end()

    def _needed(self) -> int | None:
        """The sample frame to write next, or None when far enough ahead."""
        playhead = round(max(0.0, self.playhead_s) * self.rate)
        need = playhead
        with self._lock:
            for start, end in self._runs:
                if start <= playhead < end or (playhead == end and start < end):
                    need = end
        end_frame = None if self.end_s is None else round(self.end_s * self.rate)
        if end_frame is not None and need >= end_frame:
            return None
        lead = need - playhead
        if self._topping_up and lead >= self._ahead:
            self._topping_up = False
        elif not self._topping_up and lead < self._top_up_below:
            self._topping_up = True
        return need if self._topping_up else None

    def _spool(self, container: av.container.InputContainer) -> None:
        stream = container.streams.audio[0]
        layout = "mono" if self.channels == 1 else "stereo"
        packets = None
        resampler = None
        cursor: int | None = None  # next sample frame this decoding pass writes
        pass_start = 0  # where this pass began writing
        bad_packets = 0
        while not self._stop.is_set():
            need = self._needed()
            if need is None:
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            if packets is None or (
                cursor is not None and not pass_start <= need <= cursor + self.rate
            ):
                # Start (again) at `need`: the first pass, a seek, or a hole behind us.
                at = need / self.rate + self._origin_s
                container.seek(max(0, int(at / stream.time_base)), stream=stream, backward=True)
                packets = container.demux(stream)
                resampler = av.AudioResampler(
                    format="s16",
                    layout=layout,
                    rate=self.rate,
                    frame_size=max(1, round(WRITE_PIECE_S * self.rate)),
                )
                cursor = None
            packet = next(packets, None)
            if packet is None:  # end of the sound
                for out in resampler.resample(None):
                    cursor = self._write(out, cursor if cursor is not None else need)
                self.end_s = (cursor if cursor is not None else need) / self.rate
                packets = None
                continue
            try:
                frames = packet.decode()
            except av.FFmpegError as err:
                bad_packets += 1
                if bad_packets == 1:
                    logger.warning("%s: skipping damaged sound data: %s", self.path.name, err)
                continue
            for frame in frames:
                if cursor is None:
                    start_s = frame.time - self._origin_s if frame.time is not None else need
                    cursor = pass_start = max(0, round(start_s * self.rate))
                for out in resampler.resample(frame):
                    cursor = self._write(out, cursor)

    def _write(self, frame: av.AudioFrame, at: int) -> int:
        """Write `frame` from sample frame `at`, skipping parts already written; next frame."""
        # Packed s16: one plane, maybe padded past the last sample.
        data = bytes(frame.planes[0])[: frame.samples * self._frame_bytes]
        end = at + frame.samples
        for start, stop in self._gaps(at, end):
            chunk = data[(start - at) * self._frame_bytes : (stop - at) * self._frame_bytes]
            offset = self._data_at + start * self._frame_bytes
            view = memoryview(chunk)
            while view:
                written = os.pwrite(self._fd, view, offset)
                view, offset = view[written:], offset + written
        self._mark(at, end)
        return end

    def _gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        gaps, cursor = [], start
        with self._lock:
            for run_start, run_end in self._runs:
                if run_end <= cursor or run_start >= end:
                    continue
                if run_start > cursor:
                    gaps.append((cursor, run_start))
                cursor = max(cursor, run_end)
        if cursor < end:
            gaps.append((cursor, end))
        return gaps

    def _mark(self, start: int, end: int) -> None:
        with self._lock:
            runs = sorted([*self._runs, [start, end]])
            merged: list[list[int]] = []
            for run in runs:
                if merged and run[0] <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], run[1])
                else:
                    merged.append(list(run))
            self._runs = merged

    def _written_end(self) -> float:
        with self._lock:
            return self._runs[-1][1] / self.rate if self._runs else 0.0

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self.unlink()

    def unlink(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.file_name)


class MixerClock:
    """Plays the file's sound with pygame.mixer.music; its progress is the master clock.

    The mixer must already be initialised. Only one MixerClock should play at a time:
    pygame has a single music stream.
    """

    has_audio = True

    def __init__(
        self, path: Path, origin_s: float, source_channels: int = 2, now: Now = time.monotonic
    ) -> None:
        init = pygame.mixer.get_init()
        if init is None:
            raise RuntimeError("pygame.mixer is not initialised")
        rate, _size, mixer_channels = init
        self._now = now
        # Resampled to the mixer's rate; a mono sound stays mono (half the spool, and SDL
        # spreads it over both speakers for free).
        channels = 1 if mixer_channels == 1 or source_channels == 1 else 2
        self._spool = AudioSpool(path, origin_s, rate, channels)
        self._loaded = False
        self._running = False  # started and not paused
        self._music_on = False  # music.play() issued and not seen stopping
        self._base_s = 0.0  # media time at the last music.play()
        self._last_s = 0.0  # last position handed out
        self._last_at = 0.0
        self._tail: WallClock | None = None  # runs on after the sound has ended
        self._tail_now = now

    # -- reading ----------------------------------------------------------------------------
    @property
    def sound_end_s(self) -> float | None:
        """Length of the sound once known (the spool reached its end), else None."""
        return self._spool.end_s

    @property
    def sound_error(self) -> str | None:
        return self._spool.error

    def position(self) -> float:
        if not self._running:
            return self._last_s
        if self._tail is not None:
            return self._tail.position()
        if self._music_on:
            position = self._read_music()
            self._spool.playhead_s = position
            return position
        self._try_play()  # waiting for spooled sound (start, seek, underrun)
        return self._last_s

    def _read_music(self) -> float:
        music = pygame.mixer.music
        busy = music.get_busy()
        raw = music.get_pos() if busy else -1
        if not busy or not music.get_busy() or raw < 0:
            self._music_stopped()
            return self.position()
        now = self._now()
        pos = self._base_s + raw / 1000.0
        ceiling = self._last_s + max(0.0, now - self._last_at) + _MAX_JUMP_S
        pos = min(max(pos, self._last_s), ceiling)
        self._last_s, self._last_at = pos, now
        return pos

    def _music_stopped(self) -> None:
        """The music stopped by itself: the sound ended, or the spool fell behind."""
        self._music_on = False
        end_s = self._spool.end_s
        if end_s is not None and self._last_s >= end_s - 0.25:
            logger.debug("sound ended at %.2f s; the picture runs on by the wall clock", end_s)
            self._start_tail(max(self._last_s, end_s))
        else:
            logger.warning("sound ran out of decoded data at %.2f s; waiting", self._last_s)
            self._spool.want(self._last_s)

    def _start_tail(self, position_s: float) -> None:
        self._tail = WallClock(self._tail_now)
        self._tail.start(position_s)
        self._last_s = position_s

    def _try_play(self) -> None:
        start_s = self._last_s
        end_s = self._spool.end_s
        if end_s is not None and start_s >= end_s - 0.05:
            self._start_tail(start_s)  # no sound left here: keep time without it
            return
        ready_until = self._spool.covered_until(start_s)
        enough = start_s + PREROLL_S if end_s is None else min(start_s + PREROLL_S, end_s - 0.001)
        if ready_until is None or ready_until < enough:
            return  # the spool is on its way (it follows the playhead)
        music = pygame.mixer.music
        try:
            if not self._loaded:
                music.load(self._spool.open_path)
                self._loaded = True
                self._spool.unlink()  # the mixer holds its own handle now
            music.play(start=start_s)
        except pygame.error as err:
            logger.warning("the mixer cannot play the sound (%s); going on without it", err)
            self._start_tail(start_s)
            return
        self._base_s = start_s
        self._last_at = self._now()
        self._music_on = True

    # -- control ----------------------------------------------------------------------------
    def start(self, position_s: float = 0.0) -> None:
        self._spool.want(position_s)
        self._spool.start()
        self._last_s = position_s
        self._running = True
        self._try_play()

    def pause(self) -> None:
        if not self._running:
            return
        self._last_s = self.position()
        self._running = False
        if self._tail is not None:
            self._tail.pause()
        elif self._music_on:
            pygame.mixer.music.pause()

    def resume(self) -> None:
        if self._running:
            return
        self._running = True
        if self._tail is not None:
            self._tail.resume()
        elif self._music_on:
            pygame.mixer.music.unpause()
            self._last_at = self._now()
        else:
            self._try_play()

    def seek(self, position_s: float) -> None:
        if self._music_on:
            pygame.mixer.music.stop()
        self._music_on = False
        self._tail = None
        self._last_s = position_s
        self._last_at = self._now()
        self._spool.want(position_s)
        if self._running:
            self._try_play()

    def close(self) -> None:
        self._running = False
        if self._loaded and pygame.mixer.get_init() is not None:
            pygame.mixer.music.stop()
            pygame.mixer.music.unload()
        self._music_on = False
        self._loaded = False
        self._spool.close()
