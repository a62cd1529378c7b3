"""The picture's rotation, for panels that KMSDRM does not rotate.

Screens draw on a logical surface the right way up; `present()` turns it onto the display,
and touch points are turned back the same way.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pygame

log = logging.getLogger(__name__)

ROTATIONS = (0, 90, 180, 270)


@dataclass(frozen=True)
class Rotation:
    degrees: int  # clockwise, as the panel is mounted
    physical_size: tuple[int, int]

    def __post_init__(self) -> None:
        if self.degrees not in ROTATIONS:
            raise ValueError(f"rotation must be one of {ROTATIONS}, not {self.degrees}")

    @property
    def logical_size(self) -> tuple[int, int]:
        width, height = self.physical_size
        return (height, width) if self.degrees in (90, 270) else (width, height)

    def to_logical(self, point: tuple[float, float]) -> tuple[int, int]:
        x, y = point
        width, height = self.physical_size
        if self.degrees == 90:
            x, y = y, width - 1 - x
        elif self.degrees == 180:
            x, y = width - 1 - x, height - 1 - y
        elif self.degrees == 270:
            x, y = height - 1 - y, x
        return int(x), int(y)

    def present(self, logical: pygame.Surface, display: pygame.Surface) -> None:
        if self.degrees == 0:
            if logical is not display:
                display.blit(logical, (0, 0))
            return
        # pygame rotates counter-clockwise for positive angles
        display.blit(pygame.transform.rotate(logical, -self.degrees), (0, 0))


def prefer_plain_window_pixels() -> None:
    """Under X11, keep the window's pixels in shared memory rather than in an OpenGL texture.

    SDL otherwise presents a window surface through OpenGL wherever it can; with no GPU (a
    virtual or remote X server) that is Mesa's software renderer, which cost the player three
    times the CPU of copying the pixels to the X server itself. On a Pi console (KMSDRM) the
    texture is the only way and runs on the GPU: this leaves it alone, as it leaves a choice
    made in SDL_FRAMEBUFFER_ACCELERATION. Call after pygame.display.init(), before set_mode().
    """
    if pygame.display.get_driver() == "x11":
        os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")


def open_display(size: tuple[int, int], *, windowed: bool, extra: int = 0) -> pygame.Surface:
    """The kiosk's display: full screen, or a window of `size` with `extra` rows below it
    (the simulator's strip)."""
    pygame.display.init()
    pygame.font.init()
    prefer_plain_window_pixels()
    pygame.display.set_caption("balance-kiosk")
    if windowed:
        return pygame.display.set_mode((size[0], size[1] + extra))
    return pygame.display.set_mode((0, 0), pygame.FULLSCREEN)


def open_speakers() -> bool:
    """Open the sound output; False (and a warning) when there is none: the buzzer is the
    alarm, the speakers are a nicety, and the routine then plays silently."""
    from kiosk.player.sound import init_mixer

    try:
        init_mixer()
    except pygame.error as error:
        log.warning("no sound output (%s): the routine plays silently", error)
        return False
    return True
