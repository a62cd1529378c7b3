"""swscale writing a decoded picture straight into a pygame surface's pixels.

PyAV's reformatter always returns a new frame, which then has to be copied into the screen:
3.7 MB a frame at 720p, which measured about 0.65 ms a frame inside the real-time loop (the
screen's memory is cold by the time each frame comes), a fifth of the player's CPU time. The
same swscale that PyAV uses can write the converted rows into the screen itself. This module
calls it through ctypes, in the very libswscale and libavutil that PyAV has loaded (found in
the process's memory map), and only after checking, once, that its pixels are the bytes
PyAV's own reformatter gives for the same frame. Anything missing or different leaves it off
and the player keeps the copy.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

import av
import pygame
from av.video.reformatter import VideoReformatter

logger = logging.getLogger(__name__)

SWS_FAST_BILINEAR = 1
_MAX_PLANES = 4


def _loaded_library(stem: str) -> ctypes.CDLL | None:
    """The shared library named like `stem` that this process has already loaded."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.rsplit(" ", 1)[-1]
        if f"/{stem}" in path and ".so" in path:
            try:
                return ctypes.CDLL(path)
            except OSError:
                return None
    return None


class DirectScaler:
    """Converts frames into a rectangle of a 32-bit surface with no intermediate buffer.

    `draw()` is the way in: it checks each new combination of sizes and formats against
    PyAV's reformatter once, and declines (returns False) for any that differ.
    """

    def __init__(self) -> None:
        self._context = ctypes.c_void_p()
        self._verdicts: dict[tuple, bool] = {}  # per sizes and formats: same bytes as PyAV
        self._swscale = _loaded_library("libswscale")
        self._avutil = _loaded_library("libavutil")
        self.available = self._swscale is not None and self._avutil is not None
        if self.available:
            self._declare()

    def _declare(self) -> None:
        sws = self._swscale
        sws.sws_getCachedContext.restype = ctypes.c_void_p
        sws.sws_getCachedContext.argtypes = [ctypes.c_void_p, *[ctypes.c_int] * 7] + [
            ctypes.c_void_p
        ] * 3
        sws.sws_scale.restype = ctypes.c_int
        sws.sws_scale.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.POINTER(ctypes.c_int),
        ]
        sws.sws_freeContext.argtypes = [ctypes.c_void_p]
        self._avutil.av_get_pix_fmt.restype = ctypes.c_int
        self._avutil.av_get_pix_fmt.argtypes = [ctypes.c_char_p]

    def draw(
        self, frame: av.VideoFrame, surface: pygame.Surface, rect: pygame.Rect, order: str
    ) -> bool:
        """Put `frame` into `rect` (inside `surface`) as PyAV would convert it to `order`;
        False, with nothing promised about the rectangle's pixels, when this way is off."""
        if not self.available or not surface.get_rect().contains(rect):
            return False
        key = (frame.format.name, frame.width, frame.height, rect.size, order, surface.get_pitch())
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._matches_pyav(frame, surface, rect, order)
            if not verdict:
                logger.info("direct conversion differs from PyAV's for %s: copying instead", key)
            return verdict
        return verdict and self.scale(frame, surface, rect, order)

    def _matches_pyav(
        self, frame: av.VideoFrame, surface: pygame.Surface, rect: pygame.Rect, order: str
    ) -> bool:
        """Draw `frame` directly, then compare every row with PyAV's conversion of it."""
        if not self.scale(frame, surface, rect, order):
            return False
        reference = VideoReformatter().reformat(
            frame,
            width=rect.width,
            height=rect.height,
            format=order,
            interpolation="FAST_BILINEAR",
            threads=1,
        )
        expected, line = bytes(reference.planes[0]), reference.planes[0].line_size
        drawn = memoryview(bytes(surface.get_buffer()))
        pitch, width, left = surface.get_pitch(), 4 * rect.width, 4 * rect.left
        rows = memoryview(expected)
        for y in range(rect.height):
            start = (rect.top + y) * pitch + left
            if drawn[start : start + width] != rows[y * line : y * line + width]:
                return False
        return True

    def scale(
        self, frame: av.VideoFrame, surface: pygame.Surface, rect: pygame.Rect, order: str
    ) -> bool:
        """Write `frame`, scaled to `rect`, into `surface` in the byte `order` ("bgra" or
        "rgba"); False (nothing written) when swscale refuses."""
        source_format = self._avutil.av_get_pix_fmt(frame.format.name.encode())
        target_format = self._avutil.av_get_pix_fmt(order.encode())
        if source_format < 0 or target_format < 0:
            return False
        context = self._swscale.sws_getCachedContext(
            self._context, frame.width, frame.height, source_format,
            rect.width, rect.height, target_format, SWS_FAST_BILINEAR, None, None, None,
        )  # fmt: skip
        if not context:
            return False
        self._context = ctypes.c_void_p(context)
        planes = frame.planes[:_MAX_PLANES]
        sources = (ctypes.c_void_p * _MAX_PLANES)(*(p.buffer_ptr for p in planes))
        source_pitches = (ctypes.c_int * _MAX_PLANES)(*(p.line_size for p in planes))
        pitch = surface.get_pitch()
        with _locked(surface) as address:
            start = address + rect.top * pitch + rect.left * 4
            targets = (ctypes.c_void_p * _MAX_PLANES)(start)
            target_pitches = (ctypes.c_int * _MAX_PLANES)(pitch)
            rows = self._swscale.sws_scale(
                self._context, sources, source_pitches, 0, frame.height, targets, target_pitches
            )
        return rows == rect.height

    def close(self) -> None:
        if self.available and self._context:
            self._swscale.sws_freeContext(self._context)
        self._context = ctypes.c_void_p()


class _locked:
    """The surface locked, giving its pixels' address; unlocked on leaving."""

    def __init__(self, surface: pygame.Surface) -> None:
        self._surface = surface

    def __enter__(self) -> int:
        self._surface.lock()
        return self._surface._pixels_address

    def __exit__(self, *exc_info: object) -> None:
        self._surface.unlock()
