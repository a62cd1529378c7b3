"""The narrator: espeak-ng when it is installed, otherwise a silent voice.

Either way each sentence gets a length, and the timeline is built from those lengths; the
silent voice gives a sentence the time it would take to say, so the captions still fit.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.demo_video.output import SAMPLE_RATE

# espeak-ng: a British voice, a little slower than its default of 175 words a minute.
ESPEAK_VOICE = "en-gb"
ESPEAK_WORDS_PER_MINUTE = 135
# Without a voice, a sentence is given the time it would take to say.
ESTIMATED_SECONDS_PER_WORD = 60 / ESPEAK_WORDS_PER_MINUTE


@dataclass(frozen=True)
class Clip:
    """A spoken sentence: how long it lasts, and its sound when there is a voice."""

    duration_s: float
    samples: np.ndarray | None = None  # mono float32 at SAMPLE_RATE; None: no voice


def estimate_duration(text: str) -> float:
    words = len(text.split())
    return round(0.25 + words * ESTIMATED_SECONDS_PER_WORD, 3)


class SilentVoice:
    """Gives each sentence the time it would take to say, without sound."""

    narrated = False

    def clip(self, text: str) -> Clip:
        return Clip(estimate_duration(text))


class EspeakVoice:
    """Speaks with espeak-ng, trims the silence around each clip and resamples it to 48 kHz."""

    narrated = True

    def __init__(self, executable: str, workdir: Path) -> None:
        self.executable = executable
        self.workdir = workdir
        self._cache: dict[str, Clip] = {}

    def clip(self, text: str) -> Clip:
        if text not in self._cache:
            self._cache[text] = self._speak(text)
        return self._cache[text]

    def _speak(self, text: str) -> Clip:
        wav_path = self.workdir / f"say-{len(self._cache):03d}.wav"
        subprocess.run(
            [
                self.executable,
                "-v",
                ESPEAK_VOICE,
                "-s",
                str(ESPEAK_WORDS_PER_MINUTE),
                "-w",
                str(wav_path),
                "--",
                text,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        with wave.open(str(wav_path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise RuntimeError(f"espeak-ng wrote {wav.getsampwidth() * 8}-bit samples")
            rate = wav.getframerate()
            channels = wav.getnchannels()
            raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        mono = raw.reshape(-1, channels).mean(axis=1).astype(np.float32) / 32768.0
        samples = trim_silence(resample(mono, rate, SAMPLE_RATE))
        peak = float(np.max(np.abs(samples))) if samples.size else 0.0
        if peak > 0:
            samples = samples * (0.7 / peak)
        return Clip(samples.size / SAMPLE_RATE, samples.astype(np.float32))


def resample(samples: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Resample mono float32 samples with PyAV (libswresample)."""
    if rate == new_rate:
        return samples.astype(np.float32)
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=new_rate)
    frame = av.AudioFrame.from_ndarray(
        samples.astype(np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def trim_silence(samples: np.ndarray, threshold: float = 0.01, pad_s: float = 0.03) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples[:0]
    pad = int(pad_s * SAMPLE_RATE)
    return samples[max(0, loud[0] - pad) : loud[-1] + pad]


Voice = SilentVoice | EspeakVoice


def make_voice(use_speech: bool | None, workdir: Path) -> Voice:
    """espeak-ng if asked for (or, with None, if installed); otherwise a silent voice."""
    executable = shutil.which("espeak-ng")
    if use_speech and executable is None:
        raise SystemExit("tools.demo_video: --speech needs espeak-ng (apt-get install espeak-ng)")
    if use_speech is False or executable is None:
        return SilentVoice()
    return EspeakVoice(executable, workdir)
