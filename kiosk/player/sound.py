"""The speakers: one way to open them, for the kiosk, the player and doctor alike."""

from __future__ import annotations

import pygame

# The routine's sound is 48 kHz, so the player needs no resampling pass; 1024-sample buffers
# (about 21 ms) are safe from underruns on a Pi and still pause promptly.
MIXER_RATE = 48_000
MIXER_BUFFER = 1024


def init_mixer(rate: int = MIXER_RATE) -> None:
    """Open the sound output at `rate` Hz; raises pygame.error when there is none."""
    pygame.mixer.init(frequency=rate, size=-16, channels=2, buffer=MIXER_BUFFER)
