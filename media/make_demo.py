"""Generate the beginner routine: video (H.264 + AAC), WebVTT captions and the TOML manifest.

Everything comes from one script (``SCRIPT`` below): a list of scenes, each with its chapter,
on-screen text, spoken sentences and, in the guided part, a number of steps. The timeline built
from it places every sentence, step and tone, and the chapters, the captions and the picture are
all read from that same timeline, so they cannot disagree.

Narration is spoken with espeak-ng when it is installed; without it the video gets cue tones
only (a soft chime at each chapter, a tick on each step) and the captions keep the same text.

    python -m media.make_demo                 # the committed routine, in media/routines/beginner
    python -m media.make_demo --quick         # a short 320x180 version in a temporary folder
    python -m media.make_demo --out DIR --no-speech
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402  (the variable above must be set before the import)
import pygame.gfxdraw  # noqa: E402

# --------------------------------------------------------------------------------------------
# Output settings
# --------------------------------------------------------------------------------------------

FPS = 30
SAMPLE_RATE = 48_000
FULL_SIZE = (1280, 720)
QUICK_SIZE = (320, 180)
KEYFRAME_INTERVAL_S = 2
AUDIO_BIT_RATE = 48_000
# Flat drawings with sharp text: most of the bits go into the keyframes (one every 2 s so
# that seeking is quick), so those are not given a better quality than the other frames.
X264_FULL = {"crf": "30", "preset": "medium", "tune": "animation", "x264-params": "ipratio=1.0"}
X264_QUICK = {"crf": "30", "preset": "veryfast", "tune": "animation"}

ROUTINE_DIR = Path(__file__).resolve().parent / "routines" / "beginner"
MANIFEST_NAME = "routine.toml"
VIDEO_NAME = "beginner.mp4"
CAPTIONS_NAME = "beginner.en.vtt"

TITLE = "Walking backward: a first routine"
LEVEL = 1
SAFETY_POINTS = (
    "Check with your doctor or physiotherapist before you begin.",
    "Stand beside a sturdy support, like a kitchen counter, with one hand on it.",
    "Stay within reach of it the whole time, or have a helper with you.",
    "Start with a few minutes, and build up slowly over the weeks.",
    "Stop and rest if anything hurts or you feel dizzy.",
)

# espeak-ng: a British voice, a little slower than its default of 175 words a minute.
ESPEAK_VOICE = "en-gb"
ESPEAK_WORDS_PER_MINUTE = 135
# Without a voice, a sentence is given the time it would take to say.
ESTIMATED_SECONDS_PER_WORD = 60 / ESPEAK_WORDS_PER_MINUTE

# Timing of the script (seconds).
LEAD_S = 0.5  # silence before the first sentence of a scene
CHAPTER_LEAD_S = 1.1  # longer at a chapter start, after the chime
GAP_S = 0.6  # between sentences
TAIL_S = 0.8  # after the last sentence of a scene
STEP_PERIOD_S = 2.5  # one slow step
LANDING_PHASE = 0.7  # the point of a step at which the foot lands (and the count is said)
NUMBER_WORDS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight")

# --------------------------------------------------------------------------------------------
# The script
# --------------------------------------------------------------------------------------------

Layout = Literal["figure", "text", "steps", "rest"]
FigureMode = Literal["stand", "walk", "steps"]
Mark = Literal["", "glutes", "quads", "calves", "core", "hand", "feet", "eyes"]


@dataclass(frozen=True)
class Beat:
    """One spoken sentence (or two short ones), optionally adding a line of text on screen."""

    say: str
    show: str = ""  # a bullet that appears when this is spoken and stays for the scene
    mark: Mark = ""  # the part of the figure highlighted while this is spoken
    pause_s: float = GAP_S  # silence after it


@dataclass(frozen=True)
class Scene:
    chapter: str
    layout: Layout
    heading: str
    beats: tuple[Beat, ...] = ()
    lines: tuple[str, ...] = ()  # text shown for the whole scene, under the heading
    heading_px: int = 64
    figure: FigureMode = "stand"
    breathe: bool = False  # the standing figure breathes slowly
    start_mark: bool = False  # a "Start" mark on the floor under the figure
    steps: int = 0  # guided steps, after the beats
    direction: Literal["back", "forward"] = "back"
    set_label: str = ""
    min_s: float = 0.0


SCRIPT: tuple[Scene, ...] = (
    Scene(
        chapter="Welcome",
        layout="figure",
        heading="Walking backward",
        heading_px=80,
        lines=("A first routine", "About 5 minutes"),
        beats=(
            Beat("Hello, and welcome."),
            Beat("Today you will learn to walk backward, slowly and safely."),
            Beat("The whole routine takes about five minutes."),
            Beat("First, we look at why it helps, and how to do it."),
            Beat("Then we practise together, and I will count the steps for you."),
            Beat("You can sit down while you watch the first part."),
        ),
    ),
    Scene(
        chapter="Why it helps",
        layout="figure",
        heading="Muscles it works",
        figure="walk",
        beats=(
            Beat("Walking backward is a gentle way to make your legs stronger."),
            Beat("It works your buttocks, the glutes.", show="Buttocks (glutes)", mark="glutes"),
            Beat(
                "It works the front of your thighs, the quadriceps.",
                show="Thighs (quadriceps)",
                mark="quads",
            ),
            Beat("They keep your knees steady.", mark="quads"),
            Beat(
                "Your calves and ankles keep each step steady.",
                show="Calves and ankles",
                mark="calves",
            ),
            Beat(
                "And your tummy and back muscles, your core, hold you upright.",
                show="Tummy and back (core)",
                mark="core",
            ),
        ),
    ),
    Scene(
        chapter="Why it helps",
        layout="text",
        heading="How it can help",
        beats=(
            Beat(
                "In studies, people with sore knees had less pain after a few weeks.",
                show="Less knee pain",
            ),
            Beat(
                "In one study, they practised for ten minutes, three days a week.",
            ),
            Beat("It trains your balance.", show="Better balance"),
            Beat(
                "It is also used to help people recover after a stroke.",
                show="Used after a stroke",
            ),
            Beat("And it may ease a stiff or sore lower back.", show="An easier lower back"),
        ),
    ),
    Scene(
        chapter="Technique",
        layout="figure",
        heading="How to do it",
        figure="walk",
        beats=(
            Beat("Here is how to do it."),
            Beat(
                "Stand side-on to the counter, and rest one hand on it.",
                show="Hand on the counter",
                mark="hand",
            ),
            Beat("Move one foot back."),
            Beat(
                "Let your toes touch the floor first, then lower your heel.",
                show="Toes first, then heel",
                mark="feet",
            ),
            Beat("Keep your steps small.", show="Small steps", mark="feet"),
            Beat("Stand tall, with your shoulders relaxed.", show="Stand tall", mark="core"),
            Beat("Look ahead, not down at your feet.", show="Eyes ahead", mark="eyes"),
            Beat("Slide your hand along the counter as you go.", mark="hand"),
            Beat("Go slowly. There is no hurry."),
        ),
    ),
    Scene(
        chapter="Safety",
        layout="text",
        heading="Stay safe",
        beats=(
            Beat("A few words about safety."),
            Beat(
                "Before you begin, check with your doctor or physiotherapist.",
                show="Ask your doctor or physio first",
            ),
            Beat(
                "Always stay within reach of a sturdy support, like a kitchen counter.",
                show="Stay within reach of a sturdy support",
            ),
            Beat("Or practise with a helper beside you.", show="Or have a helper with you"),
            Beat("If you step out of reach, the video will pause until you come back."),
            Beat("Start with just a few minutes.", show="Start with a few minutes"),
            Beat("Then build up slowly, week by week.", show="Build up slowly"),
            Beat("If anything hurts, or you feel dizzy, stop and rest.", show="Stop if it hurts"),
        ),
    ),
    Scene(
        chapter="Follow along",
        layout="figure",
        heading="Let's practise",
        start_mark=True,
        beats=(
            Beat("Now it is time to practise together."),
            Beat("Please stand up, beside your counter.", show="Stand by the counter"),
            Beat("Rest one hand on it.", show="One hand on it", mark="hand"),
            Beat("We will take four small steps back.", show="4 steps back"),
            Beat("Then four steps forward, to where we started.", show="4 steps forward"),
            Beat("I will count for you."),
        ),
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Back",
        figure="steps",
        start_mark=True,
        set_label="Set 1 of 3",
        beats=(Beat("Ready? Step back.", pause_s=0.3),),
        steps=4,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Forward",
        figure="steps",
        start_mark=True,
        set_label="Set 1 of 3",
        beats=(Beat("Now step forward.", pause_s=0.3),),
        steps=4,
        direction="forward",
    ),
    Scene(
        chapter="Follow along",
        layout="rest",
        heading="Rest",
        breathe=True,
        start_mark=True,
        beats=(
            Beat("Well done. Rest for a moment.", show="Well done"),
            Beat("Keep your hand on the counter, and breathe.", show="Breathe slowly"),
        ),
        min_s=14.0,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Back",
        figure="steps",
        start_mark=True,
        set_label="Set 2 of 3",
        beats=(Beat("Set two. Step back.", pause_s=0.3),),
        steps=4,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Forward",
        figure="steps",
        start_mark=True,
        set_label="Set 2 of 3",
        beats=(Beat("And forward.", pause_s=0.3),),
        steps=4,
        direction="forward",
    ),
    Scene(
        chapter="Follow along",
        layout="rest",
        heading="Rest",
        breathe=True,
        start_mark=True,
        beats=(
            Beat("Good. Take a short rest.", show="Good"),
            Beat("Stand tall, and breathe.", show="Stand tall"),
        ),
        min_s=12.0,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Back",
        figure="steps",
        start_mark=True,
        set_label="Set 3 of 3",
        beats=(Beat("Last set. Step back.", pause_s=0.3),),
        steps=4,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Forward",
        figure="steps",
        start_mark=True,
        set_label="Set 3 of 3",
        beats=(Beat("And forward, back to the start.", pause_s=0.3),),
        steps=4,
        direction="forward",
    ),
    Scene(
        chapter="Cool-down",
        layout="figure",
        heading="Cooling down",
        breathe=True,
        beats=(
            Beat("Well done. You have finished the practice.", show="Well done!"),
            Beat("Stand still, with your hand on the counter."),
            Beat("Let your shoulders drop, and relax."),
            Beat("Breathe in slowly... and out.", show="Breathe slowly", pause_s=2.0),
            Beat("Once more. In... and out.", pause_s=2.0),
            Beat("Sit down and rest when you are ready.", show="Sit down and rest"),
            Beat(
                "Next time, if it felt easy, add a few more steps.",
                show="Next time: a few more steps",
            ),
            Beat("Thank you, and see you next time."),
        ),
    ),
)


def quick_script(script: Sequence[Scene] = SCRIPT) -> tuple[Scene, ...]:
    """A short version of the same script, for tests: every chapter, each shown for a moment;
    the first sentence of the first scene; the first guided run cut to two steps."""
    scenes: list[Scene] = []
    seen: set[str] = set()
    have_steps = False
    for scene in script:
        first_of_chapter = scene.chapter not in seen
        seen.add(scene.chapter)
        first_steps = scene.steps > 0 and not have_steps
        if not (first_of_chapter or first_steps):
            continue
        have_steps = have_steps or first_steps
        keep_beat = not scenes or first_steps
        scenes.append(
            replace(
                scene,
                beats=scene.beats[:1] if keep_beat else (),
                steps=min(scene.steps, 2),
                min_s=1.0,
            )
        )
    return tuple(scenes)


# --------------------------------------------------------------------------------------------
# Voices
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
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


def make_voice(use_speech: bool | None, workdir: Path) -> SilentVoice | EspeakVoice:
    """espeak-ng if asked for (or, with None, if installed); otherwise a silent voice."""
    executable = shutil.which("espeak-ng")
    if use_speech and executable is None:
        raise SystemExit("make_demo: --speech needs espeak-ng (apt-get install espeak-ng)")
    if use_speech is False or executable is None:
        return SilentVoice()
    return EspeakVoice(executable, workdir)


# --------------------------------------------------------------------------------------------
# The timeline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Placed:
    """A scene placed on the timeline."""

    index: int
    scene: Scene
    start_s: float
    end_s: float
    beat_starts: tuple[float, ...]
    steps_start_s: float  # when the first guided step begins (after the scene's sentences)


@dataclass(frozen=True)
class Timeline:
    scenes: tuple[Placed, ...]
    chapters: tuple[tuple[float, str], ...]
    cues: tuple[Cue, ...]
    speech: tuple[tuple[float, Clip], ...]
    tones: tuple[tuple[float, str], ...]  # (time, "chime" | "back" | "forward")
    narrated: bool
    duration_s: float

    @property
    def n_frames(self) -> int:
        return round(self.duration_s * FPS)

    def scene_at(self, t: float) -> Placed:
        starts = [p.start_s for p in self.scenes]
        return self.scenes[max(0, bisect.bisect_right(starts, t) - 1)]


def snap(t: float) -> float:
    """Round a time up to the next frame boundary."""
    return math.ceil(round(t * FPS, 6)) / FPS


def build_timeline(script: Sequence[Scene], voice: SilentVoice | EspeakVoice) -> Timeline:
    placed: list[Placed] = []
    chapters: list[tuple[float, str]] = []
    spoken: list[tuple[float, str, Clip]] = []
    tones: list[tuple[float, str]] = []
    t = 0.0
    for index, scene in enumerate(script):
        new_chapter = not chapters or chapters[-1][1] != scene.chapter
        if new_chapter:
            chapters.append((t, scene.chapter))
            tones.append((t + 0.1, "chime"))
        cursor = t + (CHAPTER_LEAD_S if new_chapter else LEAD_S)
        if not scene.beats and not scene.steps:
            cursor = t  # a silent scene lasts min_s
        beat_starts = []
        for beat in scene.beats:
            clip = voice.clip(beat.say)
            beat_starts.append(cursor)
            spoken.append((cursor, beat.say, clip))
            cursor += clip.duration_s + beat.pause_s
        steps_start = cursor
        if scene.steps:
            for i in range(scene.steps):
                landing = steps_start + (i + LANDING_PHASE) * STEP_PERIOD_S
                word = NUMBER_WORDS[i]
                spoken.append((landing - 0.1, word, voice.clip(word + ".")))
                tones.append((landing, scene.direction))
            cursor = steps_start + scene.steps * STEP_PERIOD_S + 0.4
        elif scene.beats:
            cursor += TAIL_S - scene.beats[-1].pause_s
        end = snap(max(t + scene.min_s, cursor))
        placed.append(Placed(index, scene, t, end, tuple(beat_starts), steps_start))
        t = end
    cues = []
    for i, (start, text, clip) in enumerate(spoken):
        following = spoken[i + 1][0] if i + 1 < len(spoken) else t
        end = min(start + clip.duration_s + 0.6, following, t)
        cues.append(Cue(round(start, 3), round(end, 3), text))
    return Timeline(
        scenes=tuple(placed),
        chapters=tuple(chapters),
        cues=tuple(cues),
        speech=tuple((start, clip) for start, _, clip in spoken),
        tones=tuple(tones),
        narrated=voice.narrated,
        duration_s=t,
    )


# --------------------------------------------------------------------------------------------
# Sound
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The figure: a side view, facing right, walking backward (towards -x) beside a counter.
# World units are the figure's height; y is up from the floor.
# --------------------------------------------------------------------------------------------

FOOT = 0.15
ANKLE_H = 0.045
THIGH = 0.245
SHIN = 0.245
HIP_H = 0.53
TORSO = 0.30
NECK = 0.035
HEAD_R = 0.065
UPPER_ARM = 0.18
FOREARM = 0.17
COUNTER_H = 0.50
STEP_LEN = 0.12  # small steps
LIFT = 0.04
TOE_DOWN = math.radians(20)  # stepping back: toes point down and land first
TOE_UP = math.radians(15)  # stepping forward: heel lands first
HAND_AHEAD = 0.14

Point = tuple[float, float]


@dataclass(frozen=True)
class Foot:
    ref_x: float  # where the toes are when the foot is flat
    lift: float = 0.0
    pitch: float = 0.0  # > 0: heel up, pivot on the toes; < 0: toes up, pivot on the heel


@dataclass(frozen=True)
class Pose:
    hip_x: float
    feet: tuple[Foot, Foot]
    breath: float = 0.0  # 0..1, lifts the shoulders a little


def smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def lerp(a: float, b: float, u: float) -> float:
    return a + (b - a) * u


def back_positions(n: int) -> list[tuple[float, float]]:
    """Toe positions of both feet before step 0 and after each of n steps back."""
    feet = [0.0, 0.0]
    positions = [(0.0, 0.0)]
    for k in range(n):
        swing = k % 2
        feet[swing] = feet[1 - swing] - STEP_LEN
        positions.append((feet[0], feet[1]))
    return positions


def swing_foot(start: float, end: float, phase: float, forward: bool) -> Foot:
    tilt = -TOE_UP if forward else TOE_DOWN
    if phase < 0.08:
        return Foot(start)
    if phase < LANDING_PHASE:
        u = smoothstep((phase - 0.08) / (LANDING_PHASE - 0.08))
        return Foot(
            lerp(start, end, u),
            LIFT * math.sin(math.pi * u),
            tilt * smoothstep((phase - 0.08) / 0.25),
        )
    return Foot(end, 0.0, tilt * (1 - smoothstep((phase - LANDING_PHASE) / 0.25)))


def walk_pose(progress: float, n: int, forward: bool = False) -> Pose:
    """The pose `progress` steps into a run of n steps back (or the same n steps forward,
    returning to the start)."""
    positions = back_positions(n)
    if progress <= 0:
        k, phase = 0, 0.0
    elif progress >= n:
        k, phase = n - 1, 1.0
    else:
        k, phase = int(progress), progress - int(progress)
    if forward:
        before, after, swing = positions[n - k], positions[n - k - 1], (n - k - 1) % 2
    else:
        before, after, swing = positions[k], positions[k + 1], k % 2
    feet = tuple(
        swing_foot(before[i], after[i], phase, forward) if i == swing else Foot(before[i])
        for i in (0, 1)
    )
    mid = lerp(sum(before) / 2, sum(after) / 2, smoothstep((phase - 0.1) / 0.8))
    return Pose(mid - (1 - 0.28) * FOOT, (feet[0], feet[1]))


def standing_pose(breath: float = 0.0) -> Pose:
    return Pose(-(1 - 0.28) * FOOT, (Foot(0.0), Foot(0.0)), breath)


def foot_points(foot: Foot) -> tuple[Point, Point, Point]:
    """Heel, toes and ankle of a foot."""
    p = foot.pitch
    if p >= 0:
        toe = (foot.ref_x, foot.lift)
        heel = (toe[0] - FOOT * math.cos(p), foot.lift + FOOT * math.sin(p))
    else:
        heel = (foot.ref_x - FOOT, foot.lift)
        toe = (heel[0] + FOOT * math.cos(p), foot.lift + FOOT * math.sin(-p))
    dx, dy = (toe[0] - heel[0]) / FOOT, (toe[1] - heel[1]) / FOOT
    ankle = (heel[0] + dx * 0.28 * FOOT - dy * ANKLE_H, heel[1] + dy * 0.28 * FOOT + dx * ANKLE_H)
    return heel, toe, ankle


def two_link(root: Point, end: Point, a: float, b: float, bend: float) -> tuple[Point, Point]:
    """The middle joint of a two-segment limb from root to end; bend=+1 puts it in front
    (+x) for a limb hanging down, -1 behind. Returns (joint, reached end)."""
    dx, dy = end[0] - root[0], end[1] - root[1]
    d = math.hypot(dx, dy)
    reach = (a + b) * 0.999
    if d > reach:
        dx, dy, d = dx * reach / d, dy * reach / d, reach
    cos_a = (a * a + d * d - b * b) / (2 * a * d)
    alpha = math.acos(max(-1.0, min(1.0, cos_a))) * bend
    ux, uy = dx / d, dy / d
    jx = root[0] + a * (ux * math.cos(alpha) - uy * math.sin(alpha))
    jy = root[1] + a * (ux * math.sin(alpha) + uy * math.cos(alpha))
    return (jx, jy), (root[0] + dx, root[1] + dy)


@dataclass(frozen=True)
class Skeleton:
    hip: Point
    shoulder: Point
    head: Point
    legs: tuple[tuple[Point, Point, Point, Point], ...]  # knee, ankle, heel, toe
    support_arm: tuple[Point, Point]  # elbow, hand on the counter
    free_arm: tuple[Point, Point]  # elbow, hand


def skeleton(pose: Pose) -> Skeleton:
    reach = (THIGH + SHIN) * 0.995
    feet = [foot_points(f) for f in pose.feet]
    hip_y = HIP_H
    for foot, (_, _, ankle) in zip(pose.feet, feet, strict=True):
        if foot.lift == 0.0:
            dx = pose.hip_x - ankle[0]
            hip_y = min(hip_y, ankle[1] + math.sqrt(max(0.0, reach * reach - dx * dx)))
    hip = (pose.hip_x, hip_y)
    legs = []
    for heel, toe, ankle in feet:
        knee, _ = two_link(hip, ankle, THIGH, SHIN, +1)
        legs.append((knee, ankle, heel, toe))
    shoulder = (hip[0], hip[1] + TORSO + 0.008 * pose.breath)
    head = (shoulder[0] + 0.005, shoulder[1] + NECK + HEAD_R)
    hand = (hip[0] + HAND_AHEAD, COUNTER_H + 0.012)
    elbow, hand = two_link(shoulder, hand, UPPER_ARM, FOREARM, -1)
    free_elbow = (shoulder[0] - 0.012, shoulder[1] - UPPER_ARM)
    free_hand = (free_elbow[0] + 0.045, free_elbow[1] - FOREARM * 0.99)
    return Skeleton(hip, shoulder, head, tuple(legs), (elbow, hand), (free_elbow, free_hand))


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------

BG = (14, 22, 34)
HEADER_BG = (30, 44, 64)
WHITE = (246, 246, 246)
MUTED = (196, 206, 220)
ACCENT = (255, 212, 60)
BODY = (244, 244, 244)
BODY_FAR = (150, 162, 180)
FLOOR = (44, 54, 68)
FLOOR_LINE = (150, 160, 175)
COUNTER_FACE = (120, 84, 52)
COUNTER_SEAM = (84, 58, 36)
COUNTER_TOP = (232, 186, 124)
COUNTER_KICK = (70, 50, 32)
LABEL = (255, 240, 214)
DIM = (92, 104, 124)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def find_font(bold: bool) -> Path | None:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return path if path.exists() else None


def wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.size(trial)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


class Renderer:
    """Draws the frame for a time on the timeline. Sizes are given for 1280x720 and scaled."""

    def __init__(self, timeline: Timeline, size: tuple[int, int]) -> None:
        pygame.font.init()
        self.timeline = timeline
        self.w, self.h = size
        self.k = self.h / 720
        self.surface = pygame.Surface(size)
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._texts: dict[tuple[str, int, bool, tuple[int, int, int]], pygame.Surface] = {}
        self.chapter_titles = [title for _, title in timeline.chapters]

    # -- helpers ----------------------------------------------------------------------------

    def px(self, v: float) -> int:
        return round(v * self.k)

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        if key not in self._fonts:
            path = find_font(bold)
            scaled = max(8, self.px(size))
            font = pygame.font.Font(str(path) if path else None, scaled)
            if path is None:
                font.set_bold(bold)
            self._fonts[key] = font
        return self._fonts[key]

    def text(
        self, s: str, size: int, color: tuple[int, int, int] = WHITE, bold: bool = False
    ) -> pygame.Surface:
        key = (s, size, bold, color)
        if key not in self._texts:
            self._texts[key] = self.font(size, bold).render(s, True, color)
        return self._texts[key]

    def blit_lines(
        self,
        s: str,
        size: int,
        x: int,
        y: int,
        width: int,
        color: tuple[int, int, int] = WHITE,
        bold: bool = False,
    ) -> int:
        """Draw wrapped text; return the y below it."""
        font = self.font(size, bold)
        for line in wrap(s, font, width):
            self.surface.blit(self.text(line, size, color, bold), (x, y))
            y += font.get_linesize()
        return y

    def bullets(self, items: Sequence[str], x: int, y: int, width: int, size: int = 52) -> int:
        indent = self.px(46)
        font = self.font(size)
        for item in items:
            r = max(2, self.px(10))
            cy = y + font.get_linesize() // 2
            pygame.gfxdraw.aacircle(self.surface, x + self.px(14), cy, r, ACCENT)
            pygame.gfxdraw.filled_circle(self.surface, x + self.px(14), cy, r, ACCENT)
            y = self.blit_lines(item, size, x + indent, y, width - indent)
            y += self.px(16)
        return y

    # -- the frame --------------------------------------------------------------------------

    def frame(self, t: float) -> pygame.Surface:
        placed = self.timeline.scene_at(t)
        scene = placed.scene
        surf = self.surface
        surf.fill(BG)
        self.header(scene.chapter)
        shown = [
            beat.show
            for beat, start in zip(scene.beats, placed.beat_starts, strict=True)
            if beat.show and start <= t
        ]
        mark: Mark = ""
        for beat, start in zip(scene.beats, placed.beat_starts, strict=True):
            if start <= t:
                mark = beat.mark
        col_x, col_w = self.px(60), self.px(600)
        if scene.layout == "text":
            y = self.blit_lines(
                scene.heading,
                scene.heading_px,
                col_x,
                self.px(126),
                self.w - 2 * col_x,
                bold=True,
            )
            self.bullets(shown, col_x, y + self.px(22), self.w - 2 * col_x)
        elif scene.layout == "figure":
            y = self.blit_lines(
                scene.heading, scene.heading_px, col_x, self.px(126), col_w, bold=True
            )
            for line in scene.lines:
                y = self.blit_lines(line, 52, col_x, y, col_w, MUTED)
            self.bullets(shown, col_x, y + self.px(22), col_w)
        elif scene.layout == "rest":
            y = self.blit_lines(scene.heading, 120, col_x, self.px(120), col_w, ACCENT, True)
            self.bullets(shown, col_x, y + self.px(30), col_w)
        elif scene.layout == "steps":
            self.step_panel(placed, t)
        self.figure_area(placed, t, mark)
        return surf

    def header(self, chapter: str) -> None:
        h = self.px(96)
        pygame.draw.rect(self.surface, HEADER_BG, (0, 0, self.w, h))
        title = self.text(chapter, 52, ACCENT, True)
        self.surface.blit(title, (self.px(60), (h - title.get_height()) // 2))
        if chapter in self.chapter_titles:
            number = self.chapter_titles.index(chapter) + 1
            part = self.text(f"Part {number} of {len(self.chapter_titles)}", 44, MUTED)
            self.surface.blit(
                part, (self.w - self.px(60) - part.get_width(), (h - part.get_height()) // 2)
            )

    def step_panel(self, placed: Placed, t: float) -> None:
        scene = placed.scene
        surf = self.surface
        x = self.px(60)
        label = self.text(scene.set_label, 52, MUTED)
        surf.blit(label, (x, self.px(116)))
        # direction: an arrow and a word
        word = self.text(scene.heading, 88, WHITE, True)
        wy = self.px(186)
        aw, ah = self.px(110), self.px(70)
        ay = wy + word.get_height() // 2
        ax = x
        head = ah // 2 + self.px(4)
        shape = [
            (0, 0),
            (head, -ah // 2),
            (head, -ah // 5),
            (aw, -ah // 5),
            (aw, ah // 5),
            (head, ah // 5),
            (head, ah // 2),
        ]  # pointing left (back); mirrored for forward
        if scene.direction == "back":
            points = [(ax + dx, ay + dy) for dx, dy in shape]
        else:
            points = [(ax + aw - dx, ay + dy) for dx, dy in shape]
        pygame.gfxdraw.aapolygon(surf, points, WHITE)
        pygame.gfxdraw.filled_polygon(surf, points, WHITE)
        surf.blit(word, (x + aw + self.px(28), wy))
        # the count
        landed = sum(
            1
            for i in range(scene.steps)
            if t >= placed.steps_start_s + (i + LANDING_PHASE) * STEP_PERIOD_S
        )
        top = self.px(300)
        if landed:
            number = self.text(str(landed), 250, ACCENT, True)
            surf.blit(number, (x - self.px(6), top))
            of = self.text(f"of {scene.steps}", 64, MUTED)
            surf.blit(
                of,
                (
                    x + number.get_width() + self.px(20),
                    top + number.get_height() - of.get_height() - self.px(48),
                ),
            )
        else:
            ready = self.text("Ready", 96, MUTED, True)
            surf.blit(ready, (x, top + self.px(80)))
        r = self.px(24)
        for i in range(scene.steps):
            cx, cy = x + r + i * self.px(72), self.px(640)
            if i < landed:
                pygame.gfxdraw.aacircle(surf, cx, cy, r, ACCENT)
                pygame.gfxdraw.filled_circle(surf, cx, cy, r, ACCENT)
            else:
                pygame.draw.circle(surf, DIM, (cx, cy), r, max(1, self.px(5)))

    # -- the figure and the counter ---------------------------------------------------------

    def figure_area(self, placed: Placed, t: float, mark: Mark) -> None:
        scene = placed.scene
        if scene.layout == "text":
            return
        area = pygame.Rect(self.px(680), self.px(96), self.w - self.px(680), self.h - self.px(96))
        fig_h = 430 * self.k
        floor_y = self.px(640)
        local = t - placed.start_s
        if scene.figure == "walk":
            progress = local / STEP_PERIOD_S
            n = int(progress) + 2
            pose = walk_pose(progress, n)
            cam = pose.hip_x
            origin = area.x + area.w * 0.40
            label_left = False
        else:
            if scene.figure == "steps":
                progress = (t - placed.steps_start_s) / STEP_PERIOD_S
                forward = scene.direction == "forward"
                pose = walk_pose(progress, scene.steps, forward)
            else:
                breath = 0.5 - 0.5 * math.cos(2 * math.pi * local / 5.0) if scene.breathe else 0
                pose = standing_pose(breath)
            cam = 0.0
            # room to step back in the guided part; otherwise the figure stands mid-area
            guided = scene.start_mark or scene.figure == "steps"
            origin = area.x + area.w * (0.80 if guided else 0.62)
            label_left = True

        def to_screen(p: Point) -> tuple[float, float]:
            return origin + (p[0] - cam) * fig_h, floor_y - p[1] * fig_h

        surf = self.surface
        surf.set_clip(area)
        self.draw_counter(area, fig_h, floor_y, origin, cam, label_left)
        if scene.start_mark:
            x0 = to_screen((-FOOT, 0))[0]
            x1 = to_screen((0.0, 0))[0]
            pygame.draw.rect(
                surf, ACCENT, (round(x0), floor_y - self.px(2), round(x1 - x0), self.px(12))
            )
            start = self.text("Start", 48, ACCENT, True)
            surf.blit(start, (round((x0 + x1) / 2 - start.get_width() / 2), self.px(656)))
        self.draw_figure(skeleton(pose), to_screen, fig_h, mark)
        surf.set_clip(None)

    def draw_counter(
        self,
        area: pygame.Rect,
        fig_h: float,
        floor_y: int,
        origin: float,
        cam: float,
        label_left: bool,
    ) -> None:
        surf = self.surface
        top = round(floor_y - COUNTER_H * fig_h)
        slab = max(2, round(0.035 * fig_h))
        kick = max(2, round(0.045 * fig_h))
        pygame.draw.rect(surf, FLOOR, (area.x, floor_y, area.w, area.bottom - floor_y))
        pygame.draw.rect(surf, COUNTER_FACE, (area.x, top, area.w, floor_y - top))
        pygame.draw.rect(surf, COUNTER_KICK, (area.x, floor_y - kick, area.w, kick))
        # door seams and handles scroll with the camera, so a walk shows as movement
        door = 0.42
        first = math.floor((cam - (origin - area.x) / fig_h) / door) - 1
        last = math.ceil((cam + (area.right - origin) / fig_h) / door) + 1
        for i in range(first, last + 1):
            sx = round(origin + (i * door - cam) * fig_h)
            pygame.draw.line(
                surf, COUNTER_SEAM, (sx, top + slab), (sx, floor_y - kick), max(1, self.px(4))
            )
            hx = round(origin + ((i + 0.5) * door - cam) * fig_h)
            hy = top + slab + self.px(22)
            pygame.draw.line(
                surf,
                COUNTER_SEAM,
                (hx - self.px(26), hy),
                (hx + self.px(26), hy),
                max(1, self.px(7)),
            )
        pygame.draw.rect(surf, COUNTER_TOP, (area.x, top, area.w, slab))
        pygame.draw.line(
            surf, FLOOR_LINE, (area.x, floor_y), (area.right, floor_y), max(1, self.px(4))
        )
        for i in range(first * 2, last * 2 + 1):  # floor tiles
            sx = round(origin + (i * door / 2 - cam) * fig_h)
            pygame.draw.line(surf, DIM, (sx, floor_y), (sx, area.bottom), max(1, self.px(2)))
        label = self.text("Counter", 44, LABEL, True)
        ly = top + slab + self.px(58)
        lx = area.x + self.px(16) if label_left else area.right - self.px(16) - label.get_width()
        surf.blit(label, (lx, ly))

    def draw_figure(
        self,
        sk: Skeleton,
        to_screen: Callable[[Point], tuple[float, float]],
        fig_h: float,
        mark: Mark,
    ) -> None:
        limb = 0.036 * fig_h
        hi = ACCENT

        def seg(a: Point, b: Point, color: tuple[int, int, int], width: float) -> None:
            self.capsule(to_screen(a), to_screen(b), width, color)

        far, near = sk.legs
        # far leg and far (free) arm first, then the torso, the near leg, head and support arm
        for leg, base in ((far, BODY_FAR), (near, BODY)):
            knee, ankle, heel, toe = leg
            thigh = hi if mark == "quads" else base
            shin = hi if mark == "calves" else base
            foot = hi if mark in ("calves", "feet") else base
            seg(sk.hip, knee, thigh, limb * (1.25 if mark == "quads" else 1.0))
            seg(knee, ankle, shin, limb * (1.2 if mark == "calves" else 1.0))
            seg(heel, toe, foot, limb * 0.9)
            seg(heel, ankle, foot, limb * 0.9)
            if leg is far:
                seg(sk.shoulder, sk.free_arm[0], BODY_FAR, limb * 0.85)
                seg(sk.free_arm[0], sk.free_arm[1], BODY_FAR, limb * 0.85)
                if mark == "glutes":
                    gx, gy = to_screen((sk.hip[0] - 0.035, sk.hip[1] - 0.01))
                    r = round(0.055 * fig_h)
                    pygame.gfxdraw.aacircle(self.surface, round(gx), round(gy), r, hi)
                    pygame.gfxdraw.filled_circle(self.surface, round(gx), round(gy), r, hi)
        seg(
            sk.hip,
            sk.shoulder,
            hi if mark == "core" else BODY,
            limb * (1.9 if mark == "core" else 1.5),
        )
        hx, hy = to_screen(sk.head)
        r = round(HEAD_R * fig_h)
        pygame.gfxdraw.aacircle(self.surface, round(hx), round(hy), r, BODY)
        pygame.gfxdraw.filled_circle(self.surface, round(hx), round(hy), r, BODY)
        ex, ey = to_screen((sk.head[0] + 0.032, sk.head[1] + 0.01))
        er = max(1, round(0.011 * fig_h))
        pygame.gfxdraw.filled_circle(self.surface, round(ex), round(ey), er, BG)
        if mark == "eyes":
            self.gaze(ex, ey, fig_h)
        arm = hi if mark == "hand" else BODY
        elbow, hand = sk.support_arm
        seg(sk.shoulder, elbow, arm, limb * 0.9)
        seg(elbow, hand, arm, limb * 0.9)
        hx, hy = to_screen(hand)
        pygame.gfxdraw.filled_circle(self.surface, round(hx), round(hy), round(limb * 0.8), arm)
        if mark == "hand":
            ring = round(0.07 * fig_h)
            pygame.draw.circle(self.surface, hi, (round(hx), round(hy)), ring, max(1, self.px(5)))

    def gaze(self, ex: float, ey: float, fig_h: float) -> None:
        """A dashed line straight ahead from the eye, with an arrowhead."""
        x = ex + 0.06 * fig_h
        dash, gap = 0.05 * fig_h, 0.03 * fig_h
        end = ex + 0.42 * fig_h
        y = round(ey)
        width = max(1, self.px(6))
        while x + dash < end:
            pygame.draw.line(self.surface, ACCENT, (round(x), y), (round(x + dash), y), width)
            x += dash + gap
        a = 0.05 * fig_h
        tip = [
            (round(end + a), y),
            (round(end), round(y - a * 0.7)),
            (round(end), round(y + a * 0.7)),
        ]
        pygame.gfxdraw.aapolygon(self.surface, tip, ACCENT)
        pygame.gfxdraw.filled_polygon(self.surface, tip, ACCENT)

    def capsule(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        width: float,
        color: tuple[int, int, int],
    ) -> None:
        """A thick line with round ends, anti-aliased."""
        r = width / 2
        dx, dy = b[0] - a[0], b[1] - a[1]
        d = math.hypot(dx, dy)
        if d > 1e-6:
            nx, ny = -dy / d * r, dx / d * r
            quad = [
                (round(a[0] + nx), round(a[1] + ny)),
                (round(b[0] + nx), round(b[1] + ny)),
                (round(b[0] - nx), round(b[1] - ny)),
                (round(a[0] - nx), round(a[1] - ny)),
            ]
            pygame.gfxdraw.aapolygon(self.surface, quad, color)
            pygame.gfxdraw.filled_polygon(self.surface, quad, color)
        ri = max(1, round(r))
        for p in (a, b):
            pygame.gfxdraw.aacircle(self.surface, round(p[0]), round(p[1]), ri, color)
            pygame.gfxdraw.filled_circle(self.surface, round(p[0]), round(p[1]), ri, color)


# --------------------------------------------------------------------------------------------
# Captions and manifest
# --------------------------------------------------------------------------------------------


def vtt_time(t: float) -> str:
    ms = round(t * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def caption_lines(text: str, limit: int = 38) -> str:
    """Break a long caption into two balanced lines."""
    if len(text) <= limit:
        return text
    words = text.split()
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def write_vtt(timeline: Timeline, path: Path) -> None:
    parts = ["WEBVTT", ""]
    for i, cue in enumerate(timeline.cues, start=1):
        parts += [str(i), f"{vtt_time(cue.start_s)} --> {vtt_time(cue.end_s)}"]
        parts += [caption_lines(cue.text), ""]
    path.write_text("\n".join(parts), encoding="utf-8")


def toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)  # a JSON string is a valid TOML basic string


def write_manifest(timeline: Timeline, path: Path, video: str, captions: str) -> None:
    lines = [
        "# The beginner routine. Written by media/make_demo.py; see media/README.md to",
        "# regenerate it or to put a filmed video in its place.",
        f"title = {toml_string(TITLE)}",
        f"level = {LEVEL}",
        f"video = {toml_string(video)}",
        f"captions = {toml_string(captions)}",
        f"length_s = {round(timeline.duration_s)}",
        "safety_points = [",
        *(f"    {toml_string(p)}," for p in SAFETY_POINTS),
        "]",
    ]
    for start, title in timeline.chapters:
        lines += ["", "[[chapters]]", f"start_s = {round(start, 2)!r}"]
        lines.append(f"title = {toml_string(title)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


def encode(
    timeline: Timeline,
    audio: np.ndarray,
    path: Path,
    size: tuple[int, int],
    quick: bool,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    import av

    renderer = Renderer(timeline, size)
    w, h = size
    options = dict(X264_QUICK if quick else X264_FULL)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        container.metadata["title"] = TITLE
        video = container.add_stream("libx264", rate=FPS, options=options)
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        video.codec_context.gop_size = FPS * KEYFRAME_INTERVAL_S
        sound = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        sound.bit_rate = AUDIO_BIT_RATE
        audio_pos = 0
        block = 1024
        n = timeline.n_frames
        for i in range(n):
            surf = renderer.frame(i / FPS)
            rgb = np.frombuffer(pygame.image.tobytes(surf, "RGB"), np.uint8).reshape(h, w, 3)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            for packet in video.encode(frame):
                container.mux(packet)
            limit = min(audio.size, (i + 1) * SAMPLE_RATE // FPS)
            while audio_pos < limit:
                chunk = audio[audio_pos : audio_pos + block]
                aframe = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(chunk.reshape(1, -1)), format="fltp", layout="mono"
                )
                aframe.sample_rate = SAMPLE_RATE
                aframe.pts = audio_pos
                for packet in sound.encode(aframe):
                    container.mux(packet)
                audio_pos += chunk.size
            if progress is not None:
                progress(i + 1, n)
        for packet in video.encode():
            container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)


@dataclass(frozen=True)
class Result:
    out_dir: Path
    video: Path
    captions: Path
    manifest: Path
    duration_s: float
    chapters: tuple[tuple[float, str], ...]
    narrated: bool
    seconds_taken: float


def generate(
    out_dir: Path,
    *,
    quick: bool = False,
    use_speech: bool | None = None,
    verbose: bool = False,
) -> Result:
    """Build the routine into out_dir: the video, the captions and the manifest."""
    began = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    script = quick_script() if quick else SCRIPT
    size = QUICK_SIZE if quick else FULL_SIZE
    with tempfile.TemporaryDirectory(prefix="make-demo-") as work:
        voice = make_voice(use_speech, Path(work))
        timeline = build_timeline(script, voice)
    audio = mix_audio(timeline)

    last = [-1]

    def report(done: int, total: int) -> None:
        percent = done * 100 // total
        if verbose and percent // 10 != last[0]:
            last[0] = percent // 10
            print(f"  encoding: {percent:3d}% ({done}/{total} frames)", file=sys.stderr)

    video = out_dir / VIDEO_NAME
    partial = out_dir / f".{VIDEO_NAME}.part.mp4"
    try:
        encode(timeline, audio, partial, size, quick, report)
        os.replace(partial, video)
    finally:
        partial.unlink(missing_ok=True)
    captions = out_dir / CAPTIONS_NAME
    write_vtt(timeline, captions)
    manifest = out_dir / MANIFEST_NAME
    write_manifest(timeline, manifest, VIDEO_NAME, CAPTIONS_NAME)
    return Result(
        out_dir=out_dir,
        video=video,
        captions=captions,
        manifest=manifest,
        duration_s=timeline.duration_s,
        chapters=timeline.chapters,
        narrated=timeline.narrated,
        seconds_taken=time.monotonic() - began,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m media.make_demo",
        description="Generate the beginner routine's video, captions and manifest.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"output folder (default: {ROUTINE_DIR}; with --quick, a new temporary folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short low-resolution version of the same script, for tests",
    )
    speech = parser.add_mutually_exclusive_group()
    speech.add_argument(
        "--speech",
        dest="speech",
        action="store_true",
        default=None,
        help="require espeak-ng narration (default: use it when installed)",
    )
    speech.add_argument(
        "--no-speech",
        dest="speech",
        action="store_false",
        help="cue tones only, even when espeak-ng is installed",
    )
    args = parser.parse_args(argv)
    if args.out is not None:
        out_dir = args.out
    elif args.quick:
        out_dir = Path(tempfile.mkdtemp(prefix="demo-routine-"))
    else:
        out_dir = ROUTINE_DIR
    result = generate(out_dir, quick=args.quick, use_speech=args.speech, verbose=True)
    size_mb = result.video.stat().st_size / 1e6
    print(f"wrote {result.video} ({size_mb:.1f} MB, {result.duration_s:.1f} s)")
    print(f"wrote {result.captions}")
    print(f"wrote {result.manifest}")
    print("narration: " + ("espeak-ng" if result.narrated else "none (cue tones only)"))
    for start, title in result.chapters:
        print(f"  {start:7.2f} s  {title}")
    print(f"took {result.seconds_taken:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
