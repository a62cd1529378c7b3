"""The timeline: every scene, sentence, counted step and cue tone placed in time.

The chapters, the captions, the sound and the picture are all read from it, so they agree.
Scenes start and end on frame boundaries.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tools.demo_video.output import FPS
from tools.demo_video.pacing import CHAPTER_LEAD_S, LANDING_PHASE, LEAD_S, STEP_PERIOD_S, TAIL_S
from tools.demo_video.script import NUMBER_WORDS, Scene
from tools.demo_video.voice import Clip, Voice


@dataclass(frozen=True)
class Cue:
    """A caption: the text of one sentence and when it is on screen."""

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
    """The whole routine in time; every output is read from this."""

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


# A sentence placed in time: when it starts, what is said, and its clip.
Spoken = tuple[float, str, Clip]


def build_timeline(script: Sequence[Scene], voice: Voice) -> Timeline:
    """Place the scenes one after another, each sentence for as long as the voice takes."""
    placed: list[Placed] = []
    chapters: list[tuple[float, str]] = []
    spoken: list[Spoken] = []
    tones: list[tuple[float, str]] = []
    t = 0.0
    for index, scene in enumerate(script):
        new_chapter = not chapters or chapters[-1][1] != scene.chapter
        if new_chapter:
            chapters.append((t, scene.chapter))
            tones.append((t + 0.1, "chime"))
        scene_placed = place_scene(index, scene, t, new_chapter, voice, spoken, tones)
        placed.append(scene_placed)
        t = scene_placed.end_s
    return Timeline(
        scenes=tuple(placed),
        chapters=tuple(chapters),
        cues=caption_cues(spoken, t),
        speech=tuple((start, clip) for start, _, clip in spoken),
        tones=tuple(tones),
        narrated=voice.narrated,
        duration_s=t,
    )


def place_scene(
    index: int,
    scene: Scene,
    t: float,
    new_chapter: bool,
    voice: Voice,
    spoken: list[Spoken],
    tones: list[tuple[float, str]],
) -> Placed:
    """Place one scene starting at t, adding its sentences to `spoken` and its step tones to
    `tones`."""
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
    return Placed(index, scene, t, end, tuple(beat_starts), steps_start)


def caption_cues(spoken: Sequence[Spoken], end_s: float) -> tuple[Cue, ...]:
    """A caption for each sentence, shown a little longer than it is spoken but never past
    the next one or the end."""
    cues = []
    for i, (start, text, clip) in enumerate(spoken):
        following = spoken[i + 1][0] if i + 1 < len(spoken) else end_s
        end = min(start + clip.duration_s + 0.6, following, end_s)
        cues.append(Cue(round(start, 3), round(end, 3), text))
    return tuple(cues)
