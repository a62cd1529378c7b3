"""The sound track: soft cue tones (a chime per chapter, a tick per step) mixed with the voice."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tools.demo_video.output import FPS, SAMPLE_RATE
from tools.demo_video.timeline import Timeline


def tone(freqs: Sequence[float], length_s: float, amplitude: float, decay: float) -> np.ndarray:
    """A soft bell-like tone: a few partials, a quick attack and an exponential decay."""
    n = int(length_s * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    wave_ = np.zeros(n)
    for k, f in enumerate(freqs):
        wave_ += np.sin(2 * np.pi * f * t) / (k + 1)
    envelope = np.exp(-t * decay) * np.minimum(1.0, t / 0.005)
    wave_ *= envelope / np.max(np.abs(wave_ * envelope))
    return (amplitude * wave_).astype(np.float32)


def tone_bank() -> dict[str, np.ndarray]:
    """The timeline's tones by name: a two-note chime, and a short note for each direction."""
    note_1 = tone((659.3, 1318.5), 0.6, 0.18, 6.0)  # E5
    note_2 = tone((987.8, 1975.5), 0.9, 0.18, 5.0)  # B5
    offset = int(0.22 * SAMPLE_RATE)
    chime = np.zeros(max(note_1.size, offset + note_2.size), np.float32)
    chime[: note_1.size] += note_1
    chime[offset : offset + note_2.size] += note_2
    return {
        "chime": chime,
        "back": tone((523.3, 1046.5, 1569.8), 0.16, 0.22, 30.0),  # C5: a step back
        "forward": tone((659.3, 1318.5, 1977.8), 0.16, 0.22, 30.0),  # E5: a step forward
    }


def mix_audio(timeline: Timeline) -> np.ndarray:
    """One mono float32 track as long as the video: the voice and the tones, kept below
    clipping and faded out at the end."""
    total = timeline.n_frames * SAMPLE_RATE // FPS
    out = np.zeros(total, np.float32)

    def add(start_s: float, samples: np.ndarray) -> None:
        i = int(round(start_s * SAMPLE_RATE))
        if i >= total:
            return
        part = samples[: total - i]
        out[i : i + part.size] += part

    for start, clip in timeline.speech:
        if clip.samples is not None:
            add(start, clip.samples)
    bank = tone_bank()
    for start, name in timeline.tones:
        add(start, bank[name])
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > 0.95:
        out *= 0.95 / peak
    fade = min(total, SAMPLE_RATE // 2)  # no click at the very end
    out[total - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out
