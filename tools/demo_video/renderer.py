"""One frame of the video for a time on the timeline."""

from __future__ import annotations

import pygame

from tools.demo_video.canvas import BG, Canvas
from tools.demo_video.figure_drawing import figure_area
from tools.demo_video.panels import header, text_column
from tools.demo_video.script import Mark
from tools.demo_video.timeline import Placed, Timeline


def current_mark(placed: Placed, t: float) -> Mark:
    """The part of the figure named by the latest sentence said by time t ("" for none)."""
    mark: Mark = ""
    for beat, start in zip(placed.scene.beats, placed.beat_starts, strict=True):
        if start <= t:
            mark = beat.mark
    return mark


class Renderer:
    """Draws the frame for a time on the timeline, always into the same surface."""

    def __init__(self, timeline: Timeline, size: tuple[int, int]) -> None:
        self.timeline = timeline
        self.canvas = Canvas(size)
        self.chapter_titles = [title for _, title in timeline.chapters]

    def frame(self, t: float) -> pygame.Surface:
        placed = self.timeline.scene_at(t)
        self.canvas.surface.fill(BG)
        header(self.canvas, placed.scene.chapter, self.chapter_titles)
        text_column(self.canvas, placed, t)
        figure_area(self.canvas, placed, t, current_mark(placed, t))
        return self.canvas.surface
