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


class _AudioSpool:
    """Decodes a file's sound, from the start, into a WAV file on a background thread."""

    def __init__(self, path: Path, origin_s: float, rate: int, channels: int) -> None:
        self.path = path
        self.rate = rate
        self.channels = channels
        self.frames_written = 0  # sample frames; only this thread writes it
        self.done = threading.Event()
        self.error: str | None = None
        self._origin_s = origin_s
        self._stop = threading.Event()
        fd, name = tempfile.mkstemp(prefix="kiosk-sound-", suffix=".wav", dir=_spool_dir())
        self._fd = fd
        self.file_name = name
        os.write(fd, _wav_header(rate, channels))
        self._thread = threading.Thread(target=self._run, name="kiosk-audio-spool", daemon=True)

    @property
    def seconds_written(self) -> float:
        return self.frames_written / self.rate

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        # Let the picture's decoder win when the two compete for a core (Linux: per thread).
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 5)
        try:
            self._spool()
        except Exception as err:  # the thread must never die silently
            self.error = f"{type(err).__name__}: {err}"
            logger.warning("%s: sound decoding stopped early: %s", self.path.name, self.error)
        finally:
            self.done.set()

    def _spool(self) -> None:
        layout = "mono" if self.channels == 1 else "stereo"
        resampler = av.AudioResampler(format="s16", layout=layout, rate=self.rate)
        skip_frames: int | None = None  # set from the first decoded frame's time
        bad_packets = 0
        with av.open(str(self.path)) as container:
            stream = container.streams.audio[0]
            for packet in container.demux(stream):
                if self._stop.is_set():
                    return
                try:
                    frames = packet.decode()
                except av.FFmpegError as err:
                    bad_packets += 1
                    if bad_packets == 1:
                        logger.warning("%s: skipping damaged sound data: %s", self.path.name, err)
                    continue
                for frame in frames:
                    if skip_frames is None:
                        start_s = (frame.time if frame.time is not None else 0.0) - self._origin_s
                        skip_frames = self._align(start_s)
                    for out in resampler.resample(frame):
                        skip_frames = self._write(out, skip_frames)
            for out in resampler.resample(None):
                skip_frames = self._write(out, skip_frames or 0)

    def _align(self, start_s: float) -> int:
        """Silence before a late first sample, or how many early samples to drop."""
        frames = round(start_s * self.rate)
        if frames > 0:
            self._append(bytes(frames * 2 * self.channels), frames)
            return 0
        return -frames

    def _write(self, frame: av.AudioFrame, skip_frames: int) -> int:
        data = frame.to_ndarray().tobytes()
        count = frame.samples
        if skip_frames:
            dropped = min(skip_frames, count)
            data = data[dropped * 2 * self.channels :]
            count -= dropped
            skip_frames -= dropped
        if count:
            self._append(data, count)
        return skip_frames

    def _append(self, data: bytes, frames: int) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.frames_written += frames

    def close(self) -> None:
        self._stop.set()
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

    def __init__(self, path: Path, origin_s: float, now: Now = time.monotonic) -> None:
        init = pygame.mixer.get_init()
        if init is None:
            raise RuntimeError("pygame.mixer is not initialised")
        rate, _size, mixer_channels = init
        self._now = now
        self._spool = _AudioSpool(path, origin_s, rate, 1 if mixer_channels == 1 else 2)
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
    def seconds_spooled(self) -> float:
        return self._spool.seconds_written

    @property
    def sound_error(self) -> str | None:
        return self._spool.error

    def position(self) -> float:
        if not self._running:
            return self._last_s
        if self._tail is not None:
            return self._tail.position()
        if self._music_on:
            return self._read_music()
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
        end_s = self._spool.seconds_written
        if self._spool.done.is_set() and self._last_s >= end_s - 0.25:
            logger.debug("sound ended at %.2f s; the picture runs on by the wall clock", end_s)
            self._start_tail(max(self._last_s, end_s))
        else:
            logger.warning("sound ran out of decoded data at %.2f s; waiting", self._last_s)

    def _start_tail(self, position_s: float) -> None:
        self._tail = WallClock(self._tail_now)
        self._tail.start(position_s)
        self._last_s = position_s

    def _try_play(self) -> None:
        start_s = self._last_s
        spooled = self._spool.seconds_written
        done = self._spool.done.is_set()
        if done and start_s >= spooled - 0.05:
            self._start_tail(start_s)  # no sound left here: keep time without it
            return
        if not done and spooled < start_s + PREROLL_S:
            return
        music = pygame.mixer.music
        try:
            if not self._loaded:
                music.load(self._spool.file_name)
                self._loaded = True
                # The mixer keeps its own handle: the name can go, so nothing is left behind.
                self._spool.unlink()
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
